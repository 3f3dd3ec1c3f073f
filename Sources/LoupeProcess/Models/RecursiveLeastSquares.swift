/// Recursive least squares with a forgetting factor: a deployed linear-in-parameters model that
/// follows the plant one row at a time. With `forgetting` 1 it reproduces the batch least-squares
/// fit on all rows seen (when started from the batch fit of the first rows); below 1, old rows
/// fade with weight `forgetting^age` and the model tracks drift.
public struct RecursiveLeastSquares: Sendable {
    public private(set) var coefficients: [Double]
    /// The inverse of the (weighted) information matrix.
    public private(set) var covariance: Matrix
    public let forgetting: Double
    public private(set) var updates = 0
    /// Upper bound on trace(P), and a small drift added to P's diagonal each step. With
    /// forgetting below 1, rounding leaves P slightly indefinite in directions the data never
    /// excites (collinear terms), and dividing by the forgetting factor grows those errors as
    /// forgetting^−n until the update blows up. The drift keeps P positive definite and the bound
    /// keeps it finite (constant-trace RLS). Both are off without forgetting.
    public let maxTrace: Double
    let drift: Double

    /// Starts from `coefficients` with inverse information `covariance`.
    public init(coefficients: [Double], covariance: Matrix, forgetting: Double = 1) {
        precondition(covariance.rows == coefficients.count && covariance.columns == coefficients.count, "RLS: covariance shape")
        precondition(forgetting > 0 && forgetting <= 1, "RLS: forgetting factor \(forgetting) outside (0, 1]")
        self.coefficients = coefficients
        self.covariance = covariance
        self.forgetting = forgetting
        let trace = max((0..<covariance.rows).reduce(0) { $0 + covariance[$1, $1] }, 1e-12)
        maxTrace = forgetting < 1 ? trace * 1e4 : .infinity
        drift = forgetting < 1 ? trace * 1e-6 / Double(max(1, covariance.rows)) : 0
    }

    /// Starts from the batch least-squares fit of `design` (rows of regressors) to `y`.
    public init(batchDesign design: Matrix, y: [Double], forgetting: Double = 1) throws {
        let gram = LinearAlgebra.gram(design)
        let p = try LinearAlgebra.inverseSPD(gram)
        let theta = try LinearAlgebra.leastSquares(design, y).x
        self.init(coefficients: theta, covariance: p, forgetting: forgetting)
    }

    /// Takes one row: regressors `phi` and the measured target `y`.
    /// - Returns: the prediction error before the update (the a-priori residual).
    @discardableResult
    public mutating func update(_ phi: [Double], _ y: Double) -> Double {
        let n = coefficients.count
        precondition(phi.count == n, "RLS.update: \(phi.count) regressors for \(n) coefficients")
        let pPhi = covariance.times(phi)
        var denominator = forgetting
        for i in 0..<n { denominator += phi[i] * pPhi[i] }
        var prediction = 0.0
        for i in 0..<n { prediction += phi[i] * coefficients[i] }
        let error = y - prediction
        for i in 0..<n { coefficients[i] += pPhi[i] / denominator * error }
        var trace = 0.0
        for i in 0..<n {
            for j in i..<n {
                let v = (covariance[i, j] - pPhi[i] * pPhi[j] / denominator) / forgetting + (i == j ? drift : 0)
                covariance[i, j] = v
                covariance[j, i] = v
            }
            trace += covariance[i, i]
        }
        if trace > maxTrace {
            let scale = maxTrace / trace
            for k in covariance.values.indices { covariance.values[k] *= scale }
        }
        updates += 1
        return error
    }

    /// Holds sign constraints on the finished update: a coefficient with sign +1 (−1) that went
    /// below (above) zero is set to zero, and the count returned. Apply it once, after the rows:
    /// clipping inside the recursion fights the update, and with collinear terms (a
    /// physics-shaped formula has some) the two feed each other until the update blows up.
    @discardableResult
    public mutating func projectSigns(_ signs: [Int]) -> Int {
        precondition(signs.count == coefficients.count, "RLS.projectSigns: \(signs.count) signs for \(coefficients.count) coefficients")
        var clipped = 0
        for (k, s) in signs.enumerated() where s != 0 && Double(s) * coefficients[k] < 0 {
            coefficients[k] = 0
            clipped += 1
        }
        return clipped
    }

    public func predict(_ phi: [Double]) -> Double { zip(phi, coefficients).reduce(0) { $0 + $1.0 * $1.1 } }
}

extension MechanisticModel {
    /// The regressors of `x`: 1, then each term's value.
    public func regressors(_ x: [Double]) -> [Double] { [1] + terms.map { termValue($0, x) } }

    /// This model with its coefficients replaced (intercept first), e.g. by an RLS update.
    public func with(coefficients: [Double]) -> MechanisticModel {
        precondition(coefficients.count == terms.count + 1, "with(coefficients:): \(coefficients.count) for \(terms.count + 1)")
        var m = self
        m.intercept = coefficients[0]
        for k in m.terms.indices { m.terms[k].coefficient = coefficients[k + 1] }
        return m
    }
}

/// The information an exponentially weighted least-squares fit carries — `G = Σ λ^age φφᵀ` and
/// `b = Σ λ^age φ y`, starting from a prior (the original fit's) — updated row by row in O(p²),
/// and solved with sign constraints held exactly (non-negative least squares on a square root of
/// `G`). Where RLS tracks the unconstrained answer, this gives the constrained one a monotone
/// model needs: with `forgetting` 1 and the prior from the batch fit, the batch constrained fit
/// on all rows.
public struct WeightedInformation: Sendable {
    public private(set) var gram: Matrix
    public private(set) var moment: [Double]
    public let forgetting: Double

    /// Starts from a prior: the original fit's coefficients and the inverse of its parameter
    /// covariance (`(ΦᵀΦ)⁻¹` without the residual variance).
    public init(prior coefficients: [Double], covariance: Matrix, forgetting: Double) throws {
        gram = try LinearAlgebra.pseudoInverseSymmetric(covariance)
        moment = gram.times(coefficients)
        self.forgetting = forgetting
    }

    public mutating func update(_ phi: [Double], _ y: Double) {
        let n = phi.count
        for i in 0..<n {
            for j in 0..<n { gram[i, j] = forgetting * gram[i, j] + phi[i] * phi[j] }
            moment[i] = forgetting * moment[i] + phi[i] * y
        }
    }

    /// The coefficients minimising the weighted squared error with `signs` held
    /// (+1: ≥ 0, −1: ≤ 0, 0: free).
    public func solve(signs: [Int]) throws -> [Double] {
        let (values, vectors) = try LinearAlgebra.symmetricEigen(gram)
        let n = gram.rows
        let keep = (0..<n).filter { values[$0] > (values.first ?? 0) * 1e-12 }
        // G = Rᵀ R with R = diag(√s) Vᵀ; the target r solves Rᵀ r = b in the range of G.
        var r = Matrix(rows: keep.count, columns: n)
        var target = [Double](repeating: 0, count: keep.count)
        for (row, k) in keep.enumerated() {
            let root = values[k].squareRoot()
            var projection = 0.0
            for i in 0..<n {
                r[row, i] = root * vectors[i, k] * (signs[i] < 0 ? -1 : 1)
                projection += vectors[i, k] * moment[i]
            }
            target[row] = projection / root
        }
        var theta = try NonNegativeLeastSquares.solve(r, target, nonNegative: signs.map { $0 != 0 })
        for i in 0..<n where signs[i] < 0 { theta[i] = -theta[i] }
        return theta
    }
}
