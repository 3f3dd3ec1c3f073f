/// A set-point question: from today's operating point, which settings of the manipulated inputs
/// minimise energy or maximise output, keeping every input within its hard bounds and within a
/// step of where it is now, and every quality prediction within its limits.
public struct SetPointProblem: Sendable {
    public enum Sense: String, Sendable, Codable { case minimize, maximize }

    /// A limit on another model's prediction (e.g. NOx ≤ 50, moisture between 11 and 13).
    public struct QualityConstraint: Sendable {
        public var model: ProcessModel
        public var low: Double?
        public var high: Double?
        public init(model: ProcessModel, low: Double?, high: Double?) {
            self.model = model
            self.low = low
            self.high = high
        }
        public var name: String { model.target }
    }

    public var objective: ProcessModel
    public var sense: Sense
    /// The operating point now, in the objective model's input order.
    public var current: [Double]
    /// Hard bounds per input (default: the model's physical range).
    public var low: [Double]
    public var high: [Double]
    /// Largest allowed move per input from `current` (nil: no limit).
    public var step: [Double?]
    /// Inputs the optimiser may not move (ambient conditions, raw-material properties).
    public var fixed: [Bool]
    public var quality: [QualityConstraint]

    public init(objective: ProcessModel, sense: Sense, current: [Double]) {
        self.objective = objective
        self.sense = sense
        self.current = current
        low = objective.inputs.map(\.low)
        high = objective.inputs.map(\.high)
        step = [Double?](repeating: nil, count: objective.inputs.count)
        fixed = [Bool](repeating: false, count: objective.inputs.count)
        quality = []
    }

    public var names: [String] { objective.inputs.map(\.name) }

    /// The box the answer must lie in: hard bounds ∩ step limits; fixed inputs stay put.
    /// - Throws: ``RecommendationError/infeasible(_:)`` naming the input whose limits do not meet.
    public func feasibleBox() throws -> (low: [Double], high: [Double]) {
        var lo = low, hi = high
        for i in current.indices {
            guard current[i].isFinite else { throw RecommendationError.infeasible("\(names[i]) has no current value") }
            if fixed[i] { lo[i] = current[i]; hi[i] = current[i]; continue }
            guard low[i] <= high[i] else { throw RecommendationError.infeasible("\(names[i]): low bound \(low[i]) is above high bound \(high[i])") }
            if let s = step[i] {
                lo[i] = max(lo[i], current[i] - s)
                hi[i] = min(hi[i], current[i] + s)
            }
            guard lo[i] <= hi[i] else {
                throw RecommendationError.infeasible("\(names[i]): the bounds [\(low[i]), \(high[i])] cannot be reached from the current \(current[i]) within the step limit ±\(step[i]!)")
            }
        }
        return (lo, hi)
    }
}

/// A set-point problem with no answer, and which constraint makes it so.
public enum RecommendationError: Error, CustomStringConvertible, Equatable {
    case infeasible(String)
    case mismatch(String)
    public var description: String {
        switch self {
        case let .infeasible(why): return "no feasible set-points: \(why)"
        case let .mismatch(why): return "set-point problem: \(why)"
        }
    }
}
