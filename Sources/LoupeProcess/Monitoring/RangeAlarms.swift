/// Out-of-range alarms: a tag outside its allowed range (a physical or operating limit), or with
/// no value where one was expected.
public struct RangeLimit: Sendable, Codable, Equatable {
    public var tag: String
    public var low: Double?
    public var high: Double?
    public init(tag: String, low: Double?, high: Double?) {
        self.tag = tag
        self.low = low
        self.high = high
    }

    /// Parses "TAG=LOW:HIGH" (either side may be empty).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1)
        let bounds = parts.count == 2 ? parts[1].split(separator: ":", omittingEmptySubsequences: false) : []
        guard parts.count == 2, bounds.count == 2 else {
            throw ModelFitError("range '\(text)': expected TAG=LOW:HIGH, e.g. 'O2=2.5:6' or 'T_steam=:545'")
        }
        func value(_ s: Substring) throws -> Double? {
            if s.isEmpty { return nil }
            guard let v = Double(s) else { throw ModelFitError("range '\(text)': '\(s)' is not a number") }
            return v
        }
        self.init(tag: String(parts[0]), low: try value(bounds[0]), high: try value(bounds[1]))
        if let l = low, let h = high, l > h { throw ModelFitError("range '\(text)': low \(l) is above high \(h)") }
    }

    /// Why `value` breaks the limit, or nil when it is inside.
    public func violation(_ value: Double) -> String? {
        guard value.isFinite else { return "\(tag) has no value" }
        if let low, value < low { return "\(tag) = \(value) below its low limit \(low)" }
        if let high, value > high { return "\(tag) = \(value) above its high limit \(high)" }
        return nil
    }
}
