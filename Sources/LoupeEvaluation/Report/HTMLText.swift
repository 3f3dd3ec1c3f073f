import Foundation

/// Text helpers for the report: escaping and the few number formats it shows.
enum HTMLText {
    /// `text` safe inside element content and quoted attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// "12.34 %", or an em dash for an undefined ratio.
    static func percent(_ value: Double?, digits: Int = 2) -> String {
        guard let value else { return "—" }
        return String(format: "%.\(digits)f %%", value * 100)
    }

    /// Fixed-point with `digits` decimals, or an em dash.
    static func decimal(_ value: Double?, digits: Int = 4) -> String {
        guard let value else { return "—" }
        return String(format: "%.\(digits)f", value)
    }

    /// A threshold exactly as stored (shortest round-tripping Float text), so it can be copied
    /// into a model file unchanged.
    static func threshold(_ value: Float) -> String { "\(value)" }

    /// SVG coordinate with two decimals.
    static func coordinate(_ value: Double) -> String { String(format: "%.2f", value) }

    /// Standard base64 (RFC 4648, padded) for `data:` URLs.
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
