/// One column of a process CSV: its tag name, the unit written in the header ("Steam flow [t/h]",
/// "AT (°C)") and what the column holds.
public struct ColumnHeader: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case numeric, timestamp, text }
    public var name: String
    public var unit: String?
    public var kind: Kind

    public init(name: String, unit: String? = nil, kind: Kind = .numeric) {
        self.name = name
        self.unit = unit
        self.kind = kind
    }

    /// Splits a header cell into name and unit: "name [unit]" or "name (unit)".
    public static func parse(_ raw: String) -> (name: String, unit: String?) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        for (open, close) in [("[", "]"), ("(", ")")] where text.hasSuffix(close) {
            if let start = text.range(of: open, options: .backwards) {
                let name = text[..<start.lowerBound].trimmingCharacters(in: .whitespaces)
                let unit = text[start.upperBound..<text.index(before: text.endIndex)].trimmingCharacters(in: .whitespaces)
                if !name.isEmpty && !unit.isEmpty { return (name, unit) }
            }
        }
        return (text, nil)
    }

    /// "name [unit]" as written in reports.
    public var label: String { unit.map { "\(name) [\($0)]" } ?? name }
}

import Foundation
