import Foundation

/// A process data set in memory, column by column: the numeric tags of a CSV (missing and bad
/// cells as NaN), their units, and the time of each row when the file has one. Modelling,
/// selection and monitoring start here; the data report streams instead (``DataProfile``).
public struct ProcessTable: Sendable {
    public var names: [String]
    public var units: [String?]
    /// One array per tag, all `rowCount` long.
    public var columns: [[Double]]
    public var timestamps: [Double]?
    /// 1-based file line of each row (for messages that point back into the file).
    public var lines: [Int]
    /// Cells that held text where a number belongs (the first 1,000), and their count per tag.
    public var badCells: [BadCell]
    public var badCounts: [Int]
    public var source: String

    public init(names: [String], columns: [[Double]], units: [String?]? = nil, timestamps: [Double]? = nil, source: String = "data") {
        precondition(names.count == columns.count, "ProcessTable: \(names.count) names for \(columns.count) columns")
        self.names = names
        self.columns = columns
        self.units = units ?? [String?](repeating: nil, count: names.count)
        self.timestamps = timestamps
        let rows = columns.first?.count ?? 0
        lines = Array(2..<(2 + rows))
        badCells = []
        badCounts = [Int](repeating: 0, count: names.count)
        self.source = source
    }

    public var rowCount: Int { columns.first?.count ?? 0 }

    /// Reads a whole CSV (see ``ProcessCSVReader`` for what it accepts).
    public static func load(contentsOf path: String) throws -> ProcessTable {
        let reader = try ProcessCSVReader(path: path)
        let width = reader.numericColumns.count
        var columns = [[Double]](repeating: [], count: width)
        var times: [Double] = []
        var lines: [Int] = []
        while let batch = try reader.nextBatch() {
            for r in 0..<batch.rowCount {
                for j in 0..<width { columns[j].append(batch.values[r * width + j]) }
            }
            times += batch.timestamps
            lines += batch.lines
        }
        var table = ProcessTable(names: reader.numericNames, columns: columns,
                                 units: reader.numericColumns.map { reader.columns[$0].unit },
                                 timestamps: reader.timestampColumn == nil ? nil : times, source: path)
        table.lines = lines
        table.badCells = reader.badCells
        table.badCounts = reader.badCounts
        return table
    }

    /// The index of tag `name`.
    /// - Throws: ``ProcessDataError/unknownColumn(name:available:)`` naming what there is.
    public func index(of name: String) throws -> Int {
        if let i = names.firstIndex(of: name) { return i }
        if let i = names.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) { return i }
        throw ProcessDataError.unknownColumn(name: name, available: names)
    }

    public func column(_ name: String) throws -> [Double] { columns[try index(of: name)] }

    /// The table restricted to `rows`.
    public func selectingRows(_ rows: [Int]) -> ProcessTable {
        var t = self
        t.columns = columns.map { c in rows.map { c[$0] } }
        t.timestamps = timestamps.map { ts in rows.map { ts[$0] } }
        t.lines = rows.map { lines[$0] }
        return t
    }

    /// Rows where every one of `tags` has a value, and the matrix of those tags (rows × tags).
    public func completeRows(_ tags: [Int]) -> (rows: [Int], matrix: Matrix) {
        var rows: [Int] = []
        var values: [Double] = []
        for i in 0..<rowCount where tags.allSatisfy({ columns[$0][i].isFinite }) {
            rows.append(i)
            for j in tags { values.append(columns[j][i]) }
        }
        return (rows, Matrix(rows: rows.count, columns: tags.count, values: values))
    }

    /// "name [unit]".
    public func label(_ j: Int) -> String { units[j].map { "\(names[j]) [\($0)]" } ?? names[j] }
}
