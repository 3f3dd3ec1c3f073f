/// Least squares with some coefficients held non-negative: `argmin ‖A x − b‖` subject to
/// `x[j] ≥ 0` for the `nonNegative` columns (Lawson & Hanson 1974, active-set method). Free
/// columns enter as a difference of two non-negative parts.
public enum NonNegativeLeastSquares {
    public static func solve(_ a: Matrix, _ b: [Double], nonNegative: [Bool], maxIterations: Int = 500) throws -> [Double] {
        precondition(nonNegative.count == a.columns, "NNLS: \(nonNegative.count) flags for \(a.columns) columns")
        // Split free columns into +/− parts so every unknown is non-negative.
        var columnOf: [(Int, Double)] = []
        for j in 0..<a.columns {
            columnOf.append((j, 1))
            if !nonNegative[j] { columnOf.append((j, -1)) }
        }
        let n = columnOf.count, m = a.rows
        var e = Matrix(rows: m, columns: n)
        for i in 0..<m { for (k, (j, s)) in columnOf.enumerated() { e[i, k] = s * a[i, j] } }
        let z = lawsonHanson(e, b, maxIterations: maxIterations)
        var x = [Double](repeating: 0, count: a.columns)
        for (k, (j, s)) in columnOf.enumerated() { x[j] += s * z[k] }
        return x
    }

    /// Plain NNLS on all columns.
    static func lawsonHanson(_ e: Matrix, _ b: [Double], maxIterations: Int) -> [Double] {
        let n = e.columns, m = e.rows
        let et = e.transposed
        var x = [Double](repeating: 0, count: n)
        var passive = [Bool](repeating: false, count: n)
        let scale = max(1, b.reduce(0) { max($0, abs($1)) })
        let tolerance = 1e-10 * scale * Double(max(m, n))
        func gradient(_ x: [Double]) -> [Double] {
            let r = zip(b, e.times(x)).map { $0 - $1 }
            return et.times(r)
        }
        func solvePassive() -> [Double]? {
            let cols = (0..<n).filter { passive[$0] }
            guard !cols.isEmpty, let sol = try? LinearAlgebra.leastSquares(e.selectingColumns(cols), b) else { return nil }
            var z = [Double](repeating: 0, count: n)
            for (k, j) in cols.enumerated() { z[j] = sol.x[k] }
            return z
        }
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            let w = gradient(x)
            var best = -1
            var bestW = tolerance
            for j in 0..<n where !passive[j] && w[j] > bestW { best = j; bestW = w[j] }
            guard best >= 0 else { break }
            passive[best] = true
            while true {
                guard var z = solvePassive() else { passive[best] = false; return x }
                let infeasible = (0..<n).filter { passive[$0] && z[$0] <= 0 }
                if infeasible.isEmpty { x = z; break }
                var alpha = Double.infinity
                for j in infeasible { alpha = min(alpha, x[j] / (x[j] - z[j])) }
                for j in 0..<n { x[j] += alpha * (z[j] - x[j]) }
                for j in 0..<n where passive[j] && x[j] <= 1e-14 * scale { passive[j] = false; x[j] = 0 }
                z = []
                if !passive.contains(true) { break }
            }
        }
        return x
    }
}
