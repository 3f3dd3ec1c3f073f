/// How an input may move the prediction, as the physics says: more fuel never means less steam.
public enum Monotonicity: String, Sendable, Codable, CaseIterable {
    case increasing, decreasing, free

    /// Parses "+", "increasing", "-", "decreasing", "free".
    public init?(text: String) {
        switch text.lowercased() {
        case "+", "inc", "increasing", "up": self = .increasing
        case "-", "dec", "decreasing", "down": self = .decreasing
        case "0", "free", "none": self = .free
        default: return nil
        }
    }

    /// +1, −1 or 0, as XGBoost's monotone_constraints write it.
    public var sign: Int { self == .increasing ? 1 : (self == .decreasing ? -1 : 0) }
}

/// One input of a process model: the tag, its physical range (the range the model was fitted on
/// and within which its shape holds), its unit and its constraint.
public struct ModelInput: Sendable, Codable, Equatable {
    public var name: String
    public var low: Double
    public var high: Double
    public var unit: String?
    public var monotone: Monotonicity

    public init(name: String, low: Double, high: Double, unit: String? = nil, monotone: Monotonicity = .free) {
        self.name = name
        self.low = low
        self.high = high
        self.unit = unit
        self.monotone = monotone
    }

    /// The position of `x` in the range, 0 at `low` and 1 at `high`.
    @inlinable
    public func scaled(_ x: Double) -> Double { high > low ? (x - low) / (high - low) : 0 }
}
