import Foundation

/// A cell that held something other than a number or a "no value" spelling.
public struct BadCell: Sendable, Equatable, Codable, CustomStringConvertible {
    /// 1-based line in the file (the header is line 1).
    public let line: Int
    public let column: String
    public let text: String
    public init(line: Int, column: String, text: String) {
        self.line = line
        self.column = column
        self.text = text
    }
    public var description: String { "line \(line), column '\(column)': \"\(text)\"" }
}

/// Rows of the numeric columns, as they stream out of the file.
public struct CSVBatch {
    /// Row-major, `rowCount × numericColumns.count`; missing and bad cells are NaN.
    public var values: [Double]
    public var rowCount: Int
    /// Seconds since 1970 per row (NaN where unparseable), when the file has a time column.
    public var timestamps: [Double]
    /// 1-based file line of each row.
    public var lines: [Int]
}

/// Streams a process CSV: header with units, a time column, numeric tags, text columns, and the
/// mess real historians export — missing values, status strings, a decimal comma. Only one batch
/// of rows is in memory at a time. Delimiter (`,` `;` tab) and decimal comma are detected from
/// the header and the first rows.
public final class ProcessCSVReader {
    public let path: String
    public let columns: [ColumnHeader]
    public let delimiter: UInt8
    public let decimalComma: Bool
    /// Indices in `columns` of the numeric tags, in file order.
    public let numericColumns: [Int]
    public let timestampColumn: Int?
    /// Missing and bad cells so far, per numeric column (same order as `numericColumns`).
    public private(set) var missingCounts: [Int]
    public private(set) var badCounts: [Int]
    /// The first `badCellListLimit` bad cells, in file order.
    public private(set) var badCells: [BadCell] = []
    public let badCellListLimit: Int
    public private(set) var rowsRead = 0

    private let lines: LineReader
    private var sniffed: [(line: Int, fields: [Substring])] = []
    private var sniffedNext = 0

    public init(path: String, badCellListLimit: Int = 1000) throws {
        self.path = path
        self.badCellListLimit = badCellListLimit
        lines = try LineReader(path: path)
        guard var headerLine = lines.next() else { throw ProcessDataError.empty(path: path) }
        // A UTF-8 byte-order mark is not part of the first name.
        if headerLine.starts(with: [0xEF, 0xBB, 0xBF]) { headerLine = headerLine.dropFirst(3) }
        let headerText = String(decoding: headerLine, as: UTF8.self)
        let delimiter = Self.detectDelimiter(headerText)
        self.delimiter = delimiter
        // An unnamed column (a spreadsheet's index or time column) is called by its position.
        let names = try Self.split(Substring(headerText), delimiter: delimiter, path: path, line: 1).enumerated().map { k, cell in
            let parsed = ColumnHeader.parse(String(cell))
            return parsed.name.isEmpty ? (name: k == 0 ? "time" : "column\(k + 1)", unit: parsed.unit) : parsed
        }
        var seen = Set<String>()
        for n in names where !seen.insert(n.name).inserted { throw ProcessDataError.duplicateColumn(path: path, name: n.name) }
        // Sniff up to 500 rows to decide each column's kind and the decimal separator.
        while sniffed.count < 500, let raw = lines.next() {
            let text = String(decoding: raw, as: UTF8.self)
            if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = try Self.split(Substring(text), delimiter: delimiter, path: path, line: lines.lineNumber)
            guard fields.count == names.count else {
                throw ProcessDataError.malformedRow(path: path, line: lines.lineNumber, fields: fields.count, expected: names.count)
            }
            sniffed.append((lines.lineNumber, fields))
        }
        guard !sniffed.isEmpty else { throw ProcessDataError.empty(path: path) }
        var commaNumbers = 0, dotNumbers = 0
        for row in sniffed { for f in row.fields {
            if CellParser.number(f, decimalComma: true) != nil && f.contains(",") { commaNumbers += 1 }
            if CellParser.number(f, decimalComma: false) != nil && f.contains(".") { dotNumbers += 1 }
        } }
        let decimalComma = commaNumbers > dotNumbers
        self.decimalComma = decimalComma
        var columns: [ColumnHeader] = []
        var timestampColumn: Int?
        for (j, n) in names.enumerated() {
            var numbers = 0, missing = 0, times = 0
            for row in sniffed {
                switch CellParser.parse(row.fields[j], decimalComma: decimalComma) {
                case .number: numbers += 1
                case .missing: missing += 1
                case .bad: if CellParser.timestamp(row.fields[j]) != nil { times += 1 }
                }
            }
            let present = sniffed.count - missing
            let kind: ColumnHeader.Kind
            if timestampColumn == nil && present > 0 && times * 10 >= present * 9 {
                kind = .timestamp
                timestampColumn = j
            } else if present == 0 || numbers * 2 >= present {
                kind = .numeric  // an all-missing column is a numeric tag with nothing in it: the report says so
            } else {
                kind = .text
            }
            columns.append(ColumnHeader(name: n.name, unit: n.unit, kind: kind))
        }
        self.columns = columns
        self.timestampColumn = timestampColumn
        numericColumns = columns.indices.filter { columns[$0].kind == .numeric }
        guard !numericColumns.isEmpty else { throw ProcessDataError.noNumericColumns(path: path) }
        missingCounts = [Int](repeating: 0, count: numericColumns.count)
        badCounts = missingCounts
    }

    /// Names of the numeric tags, in the order of a batch's columns.
    public var numericNames: [String] { numericColumns.map { columns[$0].name } }

    /// Up to `maxRows` more rows, or nil at the end of the file.
    /// - Throws: ``ProcessDataError/malformedRow(path:line:fields:expected:)`` for a row with the
    ///   wrong number of fields.
    public func nextBatch(maxRows: Int = 4096) throws -> CSVBatch? {
        let width = numericColumns.count
        var batch = CSVBatch(values: [], rowCount: 0, timestamps: [], lines: [])
        batch.values.reserveCapacity(maxRows * width)
        while batch.rowCount < maxRows {
            let line: Int
            let fields: [Substring]
            if sniffedNext < sniffed.count {
                (line, fields) = sniffed[sniffedNext]
                sniffedNext += 1
                if sniffedNext == sniffed.count { sniffed = [] ; sniffedNext = Int.max }
            } else {
                guard let raw = lines.next() else { break }
                // Fast path: an unquoted line of plain numbers is parsed from its bytes.
                if !raw.contains(UInt8(ascii: "\"")), try appendFast(raw, to: &batch) { continue }
                let text = String(decoding: raw, as: UTF8.self)
                if text.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
                line = lines.lineNumber
                fields = try Self.split(Substring(text), delimiter: delimiter, path: path, line: line)
                guard fields.count == columns.count else {
                    throw ProcessDataError.malformedRow(path: path, line: line, fields: fields.count, expected: columns.count)
                }
            }
            batch.lines.append(line)
            for (k, j) in numericColumns.enumerated() {
                switch CellParser.parse(fields[j], decimalComma: decimalComma) {
                case let .number(v): batch.values.append(v)
                case .missing:
                    batch.values.append(.nan)
                    missingCounts[k] += 1
                case .bad:
                    batch.values.append(.nan)
                    badCounts[k] += 1
                    if badCells.count < badCellListLimit { badCells.append(BadCell(line: line, column: columns[j].name, text: String(fields[j]))) }
                }
            }
            if let t = timestampColumn { batch.timestamps.append(CellParser.timestamp(fields[t]) ?? .nan) }
            batch.rowCount += 1
        }
        rowsRead += batch.rowCount
        return batch.rowCount == 0 ? nil : batch
    }

    /// Field boundaries of the current line (reused, so the fast path allocates nothing per row).
    private var starts: [Int] = []
    private var ends: [Int] = []
    private var rowValues: [Double] = []

    /// Parses an unquoted line whose numeric fields are all plain numbers straight from its bytes
    /// and appends it. Returns false (appending nothing) when any numeric field is missing or
    /// text, so the general path classifies and reports it.
    private func appendFast(_ raw: ArraySlice<UInt8>, to batch: inout CSVBatch) throws -> Bool {
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        var fieldStart = raw.startIndex
        for i in raw.indices where raw[i] == delimiter {
            starts.append(fieldStart)
            ends.append(i)
            fieldStart = i + 1
        }
        starts.append(fieldStart)
        ends.append(raw.endIndex)
        if starts.count != columns.count {
            if raw.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return true }  // a blank line
            throw ProcessDataError.malformedRow(path: path, line: lines.lineNumber, fields: starts.count, expected: columns.count)
        }
        rowValues.removeAll(keepingCapacity: true)
        let ok = raw.withUnsafeBufferPointer { p -> Bool in
            let base = raw.startIndex
            for j in numericColumns {
                guard let v = Self.fastNumber(p, starts[j] - base, ends[j] - base, decimalComma: decimalComma) else { return false }
                rowValues.append(v)
            }
            return true
        }
        guard ok else { return false }
        batch.values.append(contentsOf: rowValues)
        if let t = timestampColumn {
            batch.timestamps.append(CellParser.timestamp(Substring(String(decoding: raw[starts[t]..<ends[t]], as: UTF8.self))) ?? .nan)
        }
        batch.lines.append(lines.lineNumber)
        batch.rowCount += 1
        return true
    }

    /// A plain decimal number in `p[from..<to]` (spaces trimmed), or nil.
    static func fastNumber(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, decimalComma: Bool) -> Double? {
        var a = from, b = to
        while a < b && p[a] == UInt8(ascii: " ") { a += 1 }
        while b > a && p[b - 1] == UInt8(ascii: " ") { b -= 1 }
        let count = b - a
        guard count > 0 && count < 63 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Double? in
            var digits = false, separator = false, exponent = false
            for k in 0..<count {
                var c = p[a + k]
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digits = true
                case UInt8(ascii: "+"), UInt8(ascii: "-"):
                    if k != 0 && !(p[a + k - 1] == UInt8(ascii: "e") || p[a + k - 1] == UInt8(ascii: "E")) { return nil }
                case UInt8(ascii: "."):
                    if decimalComma || separator || exponent { return nil }
                    separator = true
                case UInt8(ascii: ","):
                    if !decimalComma || separator || exponent { return nil }
                    separator = true
                    c = UInt8(ascii: ".")
                case UInt8(ascii: "e"), UInt8(ascii: "E"):
                    if !digits || exponent { return nil }
                    exponent = true
                default: return nil
                }
                buffer[k] = CChar(bitPattern: c)
            }
            guard digits else { return nil }
            buffer[count] = 0
            let v = strtod(buffer.baseAddress!, nil)
            return v.isFinite ? v : nil
        }
    }

    /// The delimiter that splits the header into the most fields: `;`, tab or `,`.
    static func detectDelimiter(_ header: String) -> UInt8 {
        let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]
        var best = candidates[0], bestCount = -1
        for c in candidates {
            let count = header.utf8.filter { $0 == c }.count
            if count > bestCount { best = c; bestCount = count }
        }
        return best
    }

    /// Splits a line at `delimiter` outside double quotes; fields are unquoted and trimmed.
    static func split(_ line: Substring, delimiter: UInt8, path: String, line number: Int) throws -> [Substring] {
        var fields: [Substring] = []
        let utf8 = line.utf8
        var fieldStart = utf8.startIndex
        var inQuotes = false
        var quoted = false
        var i = utf8.startIndex
        func finish(_ end: String.Index) {
            var f = Substring(utf8[fieldStart..<end])
            f = f.trimmingCharacters(in: .whitespaces)[...]
            if quoted, f.hasPrefix("\""), f.hasSuffix("\""), f.count >= 2 {
                f = f.dropFirst().dropLast()
                if f.contains("\"\"") { f = Substring(f.replacingOccurrences(of: "\"\"", with: "\"")) }
            }
            fields.append(f)
        }
        while i < utf8.endIndex {
            let c = utf8[i]
            if c == UInt8(ascii: "\"") {
                inQuotes.toggle()
                quoted = true
            } else if c == delimiter && !inQuotes {
                finish(i)
                fieldStart = utf8.index(after: i)
                quoted = false
            }
            i = utf8.index(after: i)
        }
        if inQuotes { throw ProcessDataError.unterminatedQuote(path: path, line: number) }
        finish(utf8.endIndex)
        return fields
    }
}
