import Foundation

/// Text for the process reports: escaping for HTML/SVG and the number formats shown in tables,
/// annotations and axis ticks.
public enum ReportFormat {
    /// `x` with about `digits` significant digits: fixed-point for 1e-4 ≤ |x| < 1e9 (large numbers
    /// keep all their integer digits), scientific outside, "–" for NaN and ±∞.
    ///
    /// `number(0.012345, digits: 3)` is "0.0123", `number(1234.6, digits: 3)` is "1235",
    /// `number(2.5e-7, digits: 2)` is "2.5e-07".
    public static func number(_ x: Double, digits: Int = 3) -> String {
        guard x.isFinite else { return "–" }
        guard x != 0 else { return "0" }
        let significant = min(max(digits, 1), 15)
        let exponent = Int(floor(log10(abs(x))))
        if exponent >= 9 || exponent < -4 { return String(format: "%.\(significant - 1)e", x) }
        let decimals = max(0, significant - 1 - exponent)
        return withoutNegativeZero(String(format: "%.\(decimals)f", x))
    }

    /// `text` safe inside HTML/SVG element content and quoted attribute values.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Label of a linear-axis tick at `value` on a grid of spacing `step` (a 1-2-5 step): just
    /// enough decimals to tell neighbouring ticks apart.
    static func tick(_ value: Double, step: Double) -> String {
        guard value != 0 else { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e6 || magnitude < 1e-4 { return String(format: "%g", value) }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return withoutNegativeZero(String(format: "%.\(decimals)f", value))
    }

    /// Label of a log-axis tick (1, 2 or 5 times a power of ten): plain between 0.001 and 100 000,
    /// otherwise "1e7" / "5e-6".
    static func logTick(_ value: Double) -> String {
        let exponent = Int(floor(log10(value) + 1e-9))
        if (-3...5).contains(exponent) { return number(value, digits: 1) }
        let mantissa = Int((value / pow(10, Double(exponent))).rounded())
        return "\(mantissa)e\(exponent)"
    }

    /// An SVG coordinate with one decimal: enough on a ~1000-unit viewBox, and short.
    static func coordinate(_ value: Double) -> String { String(format: "%.1f", value) }

    /// "-0.00" reads as a sign error in a table; show "0.00".
    private static func withoutNegativeZero(_ text: String) -> String {
        guard text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) else { return text }
        return String(text.dropFirst())
    }
}
