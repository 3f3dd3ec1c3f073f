import Foundation

/// A model whose structure follows the physics: an intercept plus terms that are products of
/// simple transforms of the inputs (proportional, squares, interactions, logs), with each
/// constrained input's direction held by construction — inputs are scaled to [0, 1] over their
/// physical range (flipped for a decreasing one), and every term touching a constrained input
/// gets a non-negative coefficient, so the prediction is monotone over the range whatever the data.
public struct MechanisticModel: Sendable, Codable, Equatable {
    public struct Factor: Sendable, Codable, Equatable {
        public enum Transform: String, Sendable, Codable { case scaled, flipped, log }
        public var input: Int
        public var transform: Transform
        public var power: Int
    }

    public struct Term: Sendable, Codable, Equatable {
        public var coefficient: Double
        public var factors: [Factor]
        /// +1: fitted ≥ 0, −1: fitted ≤ 0, 0: free.
        public var sign: Int
    }

    public var target: String
    public var inputs: [ModelInput]
    public var intercept: Double
    public var terms: [Term]
    /// Ridge penalty used in the fit (on the [0, 1]-scaled terms).
    public var ridge: Double
    /// Residual standard deviation on the training data, and `(ΦᵀΦ + ridge·I)⁻¹` over
    /// [1, terms…], for prediction uncertainty.
    public var residualStandardDeviation: Double
    public var parameterCovariance: Matrix?

    /// The value of term `t` at `x` (raw input values).
    @inlinable
    public func termValue(_ t: Term, _ x: [Double]) -> Double {
        var v = 1.0
        for f in t.factors {
            let input = inputs[f.input]
            let base: Double
            switch f.transform {
            case .scaled: base = input.scaled(x[f.input])
            case .flipped: base = 1 - input.scaled(x[f.input])
            case .log: base = Foundation.log(max(x[f.input], 1e-300))
            }
            v *= f.power == 1 ? base : pow(base, Double(f.power))
        }
        return v
    }

    public func predict(_ x: [Double]) -> Double {
        var y = intercept
        for t in terms { y += t.coefficient * termValue(t, x) }
        return y
    }

    /// The 1-σ uncertainty of the mean prediction at `x`.
    public func predictionStandardError(_ x: [Double]) -> Double {
        guard let cov = parameterCovariance, cov.rows == terms.count + 1 else { return residualStandardDeviation }
        var phi = [1.0]
        phi += terms.map { termValue($0, x) }
        let v = zip(phi, cov.times(phi)).reduce(0) { $0 + $1.0 * $1.1 }
        return residualStandardDeviation * max(v, 0).squareRoot()
    }

    /// Intercept and per-input slopes in raw units, for a model of plain proportional terms only.
    public func rawLinearCoefficients() -> [Double]? {
        var slope = [Double](repeating: 0, count: inputs.count)
        var b0 = intercept
        for t in terms {
            guard t.factors.count == 1, t.factors[0].power == 1 else { return nil }
            let f = t.factors[0], input = inputs[f.input]
            let width = input.high - input.low
            guard width > 0 else { continue }
            switch f.transform {
            case .scaled:
                slope[f.input] += t.coefficient / width
                b0 -= t.coefficient * input.low / width
            case .flipped:
                slope[f.input] -= t.coefficient / width
                b0 += t.coefficient * (1 + input.low / width)
            case .log: return nil
            }
        }
        return [b0] + slope
    }

    /// Readable formula, e.g. "PE = 502.1 − 71.3·AT − 20.4·V + …" (inputs scaled to [0, 1]).
    public var formula: String {
        var s = "\(target) = \(String(format: "%.4g", intercept))"
        for t in terms {
            let names = t.factors.map { f -> String in
                let n = inputs[f.input].name
                let base = f.transform == .log ? "ln(\(n))" : (f.transform == .flipped ? "(1−\(n)ˢ)" : "\(n)ˢ")
                return f.power == 1 ? base : "\(base)^\(f.power)"
            }.joined(separator: "·")
            s += (t.coefficient < 0 ? " − " : " + ") + String(format: "%.4g", abs(t.coefficient)) + "·" + names
        }
        return s
    }
}
