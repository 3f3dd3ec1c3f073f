import Foundation

/// A recommended set of set-points: feasible by construction, with the predicted gain and the
/// model's uncertainty, for a person to approve.
public struct Recommendation: Sendable, Codable {
    public struct Setting: Sendable, Codable, Equatable {
        public var name: String
        public var current: Double
        public var recommended: Double
        public var low: Double
        public var high: Double
        public var fixed: Bool
    }
    public struct QualityCheck: Sendable, Codable, Equatable {
        public var name: String
        public var predicted: Double
        public var low: Double?
        public var high: Double?
        public var satisfied: Bool
    }

    public var objective: String
    public var sense: SetPointProblem.Sense
    public var settings: [Setting]
    public var predictedNow: Double
    public var predictedRecommended: Double
    /// Improvement in the objective's direction (positive = better).
    public var gain: Double
    /// 1-σ uncertainty of the predicted change.
    public var gainUncertainty: Double
    public var quality: [QualityCheck]
    public var evaluations: Int
    /// The objective model's file and its SHA-256, so an approval names what it trusted.
    public var model: String?
    public var modelSha256: String?

    public var recommended: [Double] { settings.map(\.recommended) }
}

/// Searches the feasible box: a coordinate search over a grid (works for tree models, which are
/// flat between splits) refined by projected gradient steps (for smooth physics-shaped models),
/// from the current point. Quality constraints enter as penalties, and the answer is the best
/// point that meets them all — at worst the current point, when that one does.
public enum SetPointOptimizer {
    public static func recommend(_ problem: SetPointProblem, gridPoints: Int = 21, rounds: Int = 6) throws -> Recommendation {
        let n = problem.current.count
        guard n == problem.objective.inputs.count else {
            throw RecommendationError.mismatch("\(n) current values for \(problem.objective.inputs.count) inputs")
        }
        let box = try problem.feasibleBox()
        let quality = try problem.quality.map { q -> (SetPointProblem.QualityConstraint, [Int?]) in
            (q, q.model.inputs.map { input in problem.names.firstIndex(of: input.name) })
        }
        // Quality inputs not among the objective's must be fixed by the caller's data: refuse otherwise.
        for (q, map) in quality where map.contains(where: { $0 == nil }) {
            let missing = zip(q.model.inputs, map).filter { $0.1 == nil }.map(\.0.name)
            throw RecommendationError.mismatch("quality model '\(q.name)' needs \(missing.joined(separator: ", ")), which the objective model does not have")
        }
        let direction = problem.sense == .maximize ? 1.0 : -1.0
        var evaluations = 0
        func objective(_ x: [Double]) throws -> Double { evaluations += 1; return direction * (try problem.objective.predict(x)) }
        func qualityValues(_ x: [Double]) throws -> [Double] { try quality.map { q, map in try q.model.predict(map.map { x[$0!] }) } }
        func violation(_ values: [Double]) -> Double {
            var v = 0.0
            for (k, (q, _)) in quality.enumerated() {
                if let lo = q.low, values[k] < lo { v += lo - values[k] }
                if let hi = q.high, values[k] > hi { v += values[k] - hi }
            }
            return v
        }
        let scale = max(1e-9, problem.objective.residualStandardDeviation)
        func merit(_ x: [Double], _ mu: Double) throws -> Double { try objective(x) - mu * violation(try qualityValues(x)) / scale * scale }
        func clamp(_ x: [Double]) -> [Double] { (0..<n).map { min(box.high[$0], max(box.low[$0], x[$0])) } }

        var x = clamp(problem.current)
        var best: [Double]? = violation(try qualityValues(x)) == 0 ? x : nil
        var bestValue = best == nil ? -Double.infinity : try objective(x)
        func consider(_ p: [Double]) throws {
            guard violation(try qualityValues(p)) <= 1e-12 else { return }
            let v = try objective(p)
            if v > bestValue { bestValue = v; best = p }
        }
        var mu = 10.0
        for _ in 0..<rounds {
            // Coordinate search over a grid of each free input's range.
            for i in 0..<n where box.high[i] > box.low[i] {
                var bestI = x[i], bestM = try merit(x, mu)
                for g in 0..<gridPoints {
                    var p = x
                    p[i] = box.low[i] + (box.high[i] - box.low[i]) * Double(g) / Double(gridPoints - 1)
                    let m = try merit(p, mu)
                    if m > bestM { bestM = m; bestI = p[i] }
                }
                x[i] = bestI
            }
            try consider(x)
            // Projected gradient refinement (finite differences, backtracking).
            for _ in 0..<50 {
                let m0 = try merit(x, mu)
                var gradient = [Double](repeating: 0, count: n)
                for i in 0..<n where box.high[i] > box.low[i] {
                    let h = 1e-6 * max(1, box.high[i] - box.low[i])
                    var p = x
                    p[i] = min(box.high[i], x[i] + h)
                    var q = x
                    q[i] = max(box.low[i], x[i] - h)
                    gradient[i] = (try merit(p, mu) - merit(q, mu)) / max(p[i] - q[i], 1e-300)
                }
                var stepLength = 0.25
                var improved = false
                while stepLength > 1e-6 {
                    let p = clamp((0..<n).map { x[$0] + stepLength * gradient[$0] * (box.high[$0] - box.low[$0]) * (box.high[$0] - box.low[$0]) / max(1e-12, abs(m0) + 1) })
                    if try merit(p, mu) > m0 + 1e-12 { x = p; improved = true; break }
                    stepLength /= 2
                }
                if !improved { break }
            }
            try consider(x)
            mu *= 10
        }
        guard let answer = best else {
            // Nothing met the quality limits: name the one furthest out at the least-violating point found.
            let values = try qualityValues(x)
            var worst = ""
            var worstAmount = -1.0
            for (k, (q, _)) in quality.enumerated() {
                let amount = max((q.low ?? -.infinity) - values[k], values[k] - (q.high ?? .infinity))
                if amount > worstAmount {
                    worstAmount = amount
                    worst = "\(q.name) must be within [\(q.low.map { "\($0)" } ?? "−∞"), \(q.high.map { "\($0)" } ?? "∞")], and the closest the model gets within the bounds and step limits is \(String(format: "%.4g", values[k]))"
                }
            }
            throw RecommendationError.infeasible(worst)
        }
        let now = try problem.objective.predict(problem.current)
        let then = try problem.objective.predict(answer)
        let values = try qualityValues(answer)
        var checks: [Recommendation.QualityCheck] = []
        for (k, (q, _)) in quality.enumerated() {
            checks.append(.init(name: q.name, predicted: values[k], low: q.low, high: q.high,
                                satisfied: (q.low.map { values[k] >= $0 } ?? true) && (q.high.map { values[k] <= $0 } ?? true)))
        }
        let uncertainty = problem.objective.mechanistic?.differenceStandardError(from: problem.current, to: answer)
            ?? problem.objective.residualStandardDeviation
        return Recommendation(objective: problem.objective.target, sense: problem.sense,
                              settings: (0..<n).map { .init(name: problem.names[$0], current: problem.current[$0], recommended: answer[$0],
                                                            low: box.low[$0], high: box.high[$0], fixed: problem.fixed[$0]) },
                              predictedNow: now, predictedRecommended: then, gain: direction * (then - now), gainUncertainty: uncertainty,
                              quality: checks, evaluations: evaluations)
    }
}

extension MechanisticModel {
    /// 1-σ uncertainty of `predict(b) − predict(a)`.
    public func differenceStandardError(from a: [Double], to b: [Double]) -> Double {
        guard let cov = parameterCovariance, cov.rows == terms.count + 1 else { return residualStandardDeviation }
        let d = zip(regressors(b), regressors(a)).map { $0 - $1 }
        let v = zip(d, cov.times(d)).reduce(0) { $0 + $1.0 * $1.1 }
        return residualStandardDeviation * max(v, 0).squareRoot()
    }
}
