import Foundation

/// Comma-separated text as RFC 4180 has it: fields separated by commas, records by LF or CRLF;
/// a field holding a comma, quote or line break is enclosed in double quotes, with inner quotes
/// doubled. Shared by the labels files Loupe reads (``LabeledDataset``) and writes (`loupe label`,
/// the review page's corrections), so a path with spaces, commas or quotes survives a round trip.
public enum CSVText {
    /// One record and the line it starts on (1-based).
    public struct Record: Sendable, Equatable {
        public var fields: [String]
        public var line: Int
    }

    /// What is wrong with a CSV text, and on which line.
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Splits `text` into records. Blank lines are skipped; unquoted fields are trimmed of
    /// surrounding spaces and tabs; quoted fields are kept exactly.
    /// - Throws: ``SyntaxError`` for a quote that is not closed or text after a closing quote.
    public static func records(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var quoted = false, inQuotes = false, afterQuote = false
        var line = 1, recordLine = 1, quoteLine = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endField() {
            fields.append(quoted ? field : field.trimmingSpaces())
            field = ""
            quoted = false
            afterQuote = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(fields: fields, line: recordLine)) }
            fields = []
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; afterQuote = true; pending = next }
                    } else { inQuotes = false; afterQuote = true }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                endField()
            case "\r":
                continue
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            case "\"" where !afterQuote && field.trimmingSpaces().isEmpty:
                field = ""
                quoted = true
                inQuotes = true
                quoteLine = line
            default:
                if afterQuote {
                    if c == " " || c == "\t" { continue }
                    throw SyntaxError(line: line, reason: "text after a closing quote (a quote inside a field must be doubled)")
                }
                if c == "\"" { throw SyntaxError(line: line, reason: "a quote inside an unquoted field (enclose the field in quotes and double the quote)") }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw SyntaxError(line: quoteLine, reason: "a quoted field is not closed") }
        if !field.isEmpty || quoted || !fields.isEmpty { endRecord() }
        return records
    }

    /// `field` as it must be written: quoted when it holds a comma, quote, line break, or
    /// leading or trailing spaces.
    public static func quote(_ field: String) -> String {
        let needs = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.first == " " || field.last == " " || field.first == "\t" || field.last == "\t"
        guard needs else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record as a line of text, ending in a newline.
    public static func line(_ fields: [String]) -> String {
        fields.map(quote).joined(separator: ",") + "\n"
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
