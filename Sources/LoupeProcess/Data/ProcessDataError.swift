/// What was wrong with process data, and where: the file, the line and the column.
public enum ProcessDataError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case malformedRow(path: String, line: Int, fields: Int, expected: Int)
    case unterminatedQuote(path: String, line: Int)
    case duplicateColumn(path: String, name: String)
    case noNumericColumns(path: String)
    case unknownColumn(name: String, available: [String])
    case unusableColumn(name: String, reason: String)
    case tooFewRows(operation: String, rows: Int, needed: Int)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot be read: \(reason)"
        case let .empty(path): return "\(path): is empty; expected a header line and data rows"
        case let .malformedRow(path, line, fields, expected):
            return "\(path):\(line): has \(fields) fields, the header has \(expected); check the delimiter and quoting on that line"
        case let .unterminatedQuote(path, line): return "\(path):\(line): a quoted field is not closed on this line"
        case let .duplicateColumn(path, name): return "\(path): column '\(name)' appears twice in the header"
        case let .noNumericColumns(path): return "\(path): no numeric column was found (is the delimiter right?)"
        case let .unknownColumn(name, available):
            return "no column '\(name)'; the data has: \(available.prefix(20).joined(separator: ", "))\(available.count > 20 ? ", … (\(available.count) in all)" : "")"
        case let .unusableColumn(name, reason): return "column '\(name)' cannot be used: \(reason)"
        case let .tooFewRows(operation, rows, needed): return "\(operation): \(rows) usable rows, at least \(needed) are needed"
        }
    }
}
