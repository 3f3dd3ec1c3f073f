import Foundation

/// Which mechanism terms a physics-shaped model carries beyond the proportional ones.
public struct MechanismTerms: Sendable, Codable, Equatable {
    public var squares: Bool
    public var interactions: Bool
    /// Inputs that also get a log term (they must be positive over their range).
    public var logs: [String]

    public init(squares: Bool = false, interactions: Bool = false, logs: [String] = []) {
        self.squares = squares
        self.interactions = interactions
        self.logs = logs
    }

    public static let linear = MechanismTerms()
    public static let quadratic = MechanismTerms(squares: true, interactions: true)
}

/// An input or option a fit cannot use, named.
public struct ModelFitError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Fits ``MechanisticModel``s: ordinary or ridge least squares (LAPACK), and non-negative least
/// squares on the terms that carry a direction, so constraints hold by construction.
public enum MechanisticFit {
    /// The terms for `inputs` (coefficients zero).
    public static func terms(for inputs: [ModelInput], _ spec: MechanismTerms) throws -> [MechanisticModel.Term] {
        typealias F = MechanisticModel.Factor
        func base(_ j: Int, _ power: Int = 1) -> F { F(input: j, transform: inputs[j].monotone == .decreasing ? .flipped : .scaled, power: power) }
        func sign(_ j: Int) -> Int { inputs[j].monotone == .free ? 0 : 1 }
        var terms: [MechanisticModel.Term] = []
        for j in inputs.indices { terms.append(.init(coefficient: 0, factors: [base(j)], sign: sign(j))) }
        if spec.squares {
            for j in inputs.indices { terms.append(.init(coefficient: 0, factors: [base(j, 2)], sign: sign(j))) }
        }
        for name in spec.logs {
            guard let j = inputs.firstIndex(where: { $0.name == name }) else {
                throw ModelFitError("log term: '\(name)' is not an input (inputs: \(inputs.map(\.name).joined(separator: ", ")))")
            }
            guard inputs[j].low > 0 else {
                throw ModelFitError("log term for '\(name)' needs positive values; its range starts at \(inputs[j].low)")
            }
            terms.append(.init(coefficient: 0, factors: [F(input: j, transform: .log, power: 1)], sign: inputs[j].monotone.sign))
        }
        if spec.interactions {
            for i in inputs.indices { for j in inputs.indices where j > i {
                let constrained = inputs[i].monotone != .free || inputs[j].monotone != .free
                terms.append(.init(coefficient: 0, factors: [base(i), base(j)], sign: constrained ? 1 : 0))
                if constrained && (inputs[i].monotone == .free || inputs[j].monotone == .free) {
                    // The free partner enters flipped as well, so the constrained input's slope may
                    // rise or fall with it while staying of one sign.
                    let free = inputs[i].monotone == .free ? i : j, fixed = free == i ? j : i
                    terms.append(.init(coefficient: 0, factors: [base(fixed), F(input: free, transform: .flipped, power: 1)], sign: 1))
                }
            } }
        }
        return terms
    }

    /// Fits `y ≈ model(x)` on the rows of `x` (columns in `inputs` order).
    /// - Parameter ridge: L2 penalty on the [0, 1]-scaled term coefficients (0 = least squares).
    public static func fit(x: Matrix, y: [Double], inputs: [ModelInput], target: String, terms spec: MechanismTerms,
                           ridge: Double = 0) throws -> MechanisticModel {
        guard x.rows == y.count, x.columns == inputs.count else {
            throw ModelFitError("fit: \(x.rows)×\(x.columns) inputs for \(y.count) targets and \(inputs.count) input names")
        }
        var model = MechanisticModel(target: target, inputs: inputs, intercept: 0, terms: try terms(for: inputs, spec), ridge: ridge,
                                     residualStandardDeviation: 0, parameterCovariance: nil)
        let p = model.terms.count + 1
        guard x.rows > p else { throw ProcessDataError.tooFewRows(operation: "fitting \(p) coefficients for \(target)", rows: x.rows, needed: p + 1) }
        let extra = ridge > 0 ? p - 1 : 0
        var phi = Matrix(rows: x.rows + extra, columns: p)
        let rhs = y + [Double](repeating: 0, count: extra)
        for i in 0..<x.rows {
            let row = x.row(i)
            phi[i, 0] = 1
            for (k, t) in model.terms.enumerated() { phi[i, k + 1] = model.termValue(t, row) }
        }
        let penalty = ridge.squareRoot()
        for k in 0..<extra { phi[x.rows + k, k + 1] = penalty }
        let coefficients: [Double]
        if model.terms.allSatisfy({ $0.sign == 0 }) {
            coefficients = try LinearAlgebra.leastSquares(phi, rhs).x
        } else {
            // A term fitted ≤ 0 is a term fitted ≥ 0 on its negated column.
            var signed = phi
            for (k, t) in model.terms.enumerated() where t.sign < 0 {
                for i in 0..<signed.rows { signed[i, k + 1] = -signed[i, k + 1] }
            }
            let flags = [false] + model.terms.map { $0.sign != 0 }
            var c = try NonNegativeLeastSquares.solve(signed, rhs, nonNegative: flags)
            for (k, t) in model.terms.enumerated() where t.sign < 0 { c[k + 1] = -c[k + 1] }
            coefficients = c
        }
        model.intercept = coefficients[0]
        for k in model.terms.indices { model.terms[k].coefficient = coefficients[k + 1] }
        // Uncertainty from the unpenalised design over the training rows.
        var sse = 0.0
        for i in 0..<x.rows { let r = y[i] - model.predict(x.row(i)); sse += r * r }
        model.residualStandardDeviation = (sse / Double(max(1, x.rows - p))).squareRoot()
        var design = Matrix(rows: x.rows, columns: p)
        for i in 0..<x.rows { for k in 0..<p { design[i, k] = phi[i, k] } }
        var gram = LinearAlgebra.gram(design)
        for k in 1..<p { gram[k, k] += ridge }
        model.parameterCovariance = (try? LinearAlgebra.inverseSPD(gram)) ?? (try? LinearAlgebra.pseudoInverseSymmetric(gram))
        return model
    }
}
