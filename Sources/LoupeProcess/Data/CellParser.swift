import Foundation

/// Turns one CSV field into a number, a missing value or a bad cell — never silently into a
/// number it is not. Status strings a historian writes in place of a value ("Inp OutRange",
/// "Bad", "I/O Timeout") are bad cells, reported by row and column.
public enum CellParser {
    public enum Cell: Equatable {
        case number(Double)
        case missing
        case bad
    }

    /// Spellings of "no value" (compared after trimming, case-insensitively).
    static let missingTokens: Set<String> = ["", "na", "n/a", "nan", "null", "none", "-", "#n/a", "?"]

    /// Parses `field` (already unquoted, trimmed). With `decimalComma`, "1,5" is 1.5.
    public static func parse(_ field: Substring, decimalComma: Bool) -> Cell {
        if field.isEmpty { return .missing }
        if let value = number(field, decimalComma: decimalComma) { return .number(value) }
        return missingTokens.contains(field.lowercased()) ? .missing : .bad
    }

    /// A plain decimal number (sign, digits, one decimal separator, optional exponent), or nil.
    static func number(_ field: Substring, decimalComma: Bool) -> Double? {
        let bytes = Array(field.utf8)
        return bytes.withUnsafeBufferPointer { ProcessCSVReader.fastNumber($0, 0, $0.count, decimalComma: decimalComma) }
    }

    /// Seconds since 1970 for the date-times process historians write: ISO 8601
    /// ("2024-03-01 06:00", "2024-03-01T06:00:00.5Z") and day-first dotted ("01.03.2024 06:00:00").
    public static func timestamp(_ field: Substring) -> Double? {
        let digits = field.utf8.map { $0 }
        func int(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= digits.count else { return nil }
            var v = 0
            for k in from..<(from + count) {
                let c = digits[k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        var year: Int, month: Int, day: Int, rest: Int
        if digits.count >= 10, digits[4] == UInt8(ascii: "-"), digits[7] == UInt8(ascii: "-"),
           let y = int(0, 4), let m = int(5, 2), let d = int(8, 2) {
            (year, month, day, rest) = (y, m, d, 10)
        } else if digits.count >= 10, digits[2] == UInt8(ascii: "."), digits[5] == UInt8(ascii: "."),
                  let d = int(0, 2), let m = int(3, 2), let y = int(6, 4) {
            (year, month, day, rest) = (y, m, d, 10)
        } else { return nil }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = 0.0
        if rest < digits.count {
            guard digits[rest] == UInt8(ascii: " ") || digits[rest] == UInt8(ascii: "T"),
                  let h = int(rest + 1, 2), digits.count > rest + 3, digits[rest + 3] == UInt8(ascii: ":"),
                  let mi = int(rest + 4, 2), h < 24, mi < 60 else { return nil }
            seconds = Double(h * 3600 + mi * 60)
            var k = rest + 6
            if k < digits.count, digits[k] == UInt8(ascii: ":"), let s = int(k + 1, 2) {
                seconds += Double(s)
                k += 3
                if k < digits.count, digits[k] == UInt8(ascii: ".") {
                    var scale = 0.1
                    k += 1
                    while k < digits.count, digits[k] >= 48 && digits[k] <= 57 {
                        seconds += Double(digits[k] - 48) * scale
                        scale /= 10
                        k += 1
                    }
                }
            }
            if k < digits.count, !(digits[k] == UInt8(ascii: "Z") && k == digits.count - 1) { return nil }
        }
        // Days from civil (Howard Hinnant's algorithm), UTC.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Double(days) * 86400 + seconds
    }
}
