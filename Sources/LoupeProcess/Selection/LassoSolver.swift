/// The lasso on a Gram matrix: minimises ½n⁻¹‖y − Xw‖² + λ‖w‖₁ from `G = XᵀX` and `c = Xᵀy` by
/// cyclic coordinate descent, keeping the gradient `c − G w` up to date so a sweep costs O(p)
/// plus O(p) per coefficient that moves. Warm starts carry `w` along a path of λ values.
struct LassoSolver {
    let gram: Matrix
    let correlation: [Double]
    let rows: Int
    private(set) var weights: [Double]
    /// c − G w.
    private var residualCorrelation: [Double]

    init(gram: Matrix, correlation: [Double], rows: Int) {
        self.gram = gram
        self.correlation = correlation
        self.rows = rows
        weights = [Double](repeating: 0, count: correlation.count)
        residualCorrelation = correlation
    }

    /// The smallest λ at which every weight is zero.
    var lambdaMax: Double { correlation.reduce(0) { max($0, abs($1)) } / Double(rows) }

    /// Solves at `lambda`, starting from the current weights.
    mutating func solve(lambda: Double, tolerance: Double = 1e-7, maxSweeps: Int = 1000) {
        let p = correlation.count
        let threshold = Double(rows) * lambda
        for _ in 0..<maxSweeps {
            var largest = 0.0
            for j in 0..<p {
                let gjj = gram[j, j]
                guard gjj > 0 else { continue }
                let z = residualCorrelation[j] + gjj * weights[j]
                let updated = z > threshold ? (z - threshold) / gjj : (z < -threshold ? (z + threshold) / gjj : 0)
                let delta = updated - weights[j]
                guard delta != 0 else { continue }
                weights[j] = updated
                for k in 0..<p { residualCorrelation[k] -= delta * gram[j, k] }
                largest = max(largest, abs(delta))
            }
            if largest < tolerance { break }
        }
    }

    /// Walks `steps` log-spaced λ values from λmax down to `lambda`, warm-starting each.
    mutating func solvePath(to lambda: Double, steps: Int) {
        let top = lambdaMax
        guard top > lambda, steps > 1 else { solve(lambda: lambda); return }
        for s in 1...steps {
            solve(lambda: top * Foundation.pow(lambda / top, Double(s) / Double(steps)))
        }
    }
}

import Foundation
