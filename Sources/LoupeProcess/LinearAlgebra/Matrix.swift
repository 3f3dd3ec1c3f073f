/// A dense row-major matrix of doubles: the shape every process model, monitor and selection
/// method works on (rows = observations, columns = tags or model terms).
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major storage, `rows × columns`.
    public var values: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        values = [Double](repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "Matrix: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix from its rows (all of one length).
    public init(rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "Matrix: rows of different lengths")
        self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
    }

    /// A matrix from its columns (all of one length).
    public init(columnArrays: [[Double]]) {
        let rows = columnArrays.first?.count ?? 0
        var m = Matrix(rows: rows, columns: columnArrays.count)
        for (j, column) in columnArrays.enumerated() {
            precondition(column.count == rows, "Matrix: columns of different lengths")
            for i in 0..<rows { m.values[i * m.columns + j] = column[i] }
        }
        self = m
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.values[i * n + i] = 1 }
        return m
    }

    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public func row(_ i: Int) -> [Double] { Array(values[(i * columns)..<((i + 1) * columns)]) }

    public func column(_ j: Int) -> [Double] { (0..<rows).map { values[$0 * columns + j] } }

    /// The rows at `indices`, in that order.
    public func selectingRows<C: Collection>(_ indices: C) -> Matrix where C.Element == Int {
        var out = [Double]()
        out.reserveCapacity(indices.count * columns)
        for i in indices { out.append(contentsOf: values[(i * columns)..<((i + 1) * columns)]) }
        return Matrix(rows: indices.count, columns: columns, values: out)
    }

    /// The columns at `indices`, in that order.
    public func selectingColumns(_ indices: [Int]) -> Matrix {
        var m = Matrix(rows: rows, columns: indices.count)
        for i in 0..<rows {
            for (k, j) in indices.enumerated() { m.values[i * indices.count + k] = values[i * columns + j] }
        }
        return m
    }

    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t.values[j * rows + i] = values[i * columns + j] } }
        return t
    }

    /// `self × vector`.
    public func times(_ vector: [Double]) -> [Double] {
        precondition(vector.count == columns, "Matrix.times: \(vector.count) values for \(columns) columns")
        var out = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            var s = 0.0
            let base = i * columns
            for j in 0..<columns { s += values[base + j] * vector[j] }
            out[i] = s
        }
        return out
    }
}

/// Saved in model and monitor files as its shape and row-major values.
extension Matrix: Codable {
    enum CodingKeys: String, CodingKey { case rows, columns, values }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(rows: try c.decode(Int.self, forKey: .rows), columns: try c.decode(Int.self, forKey: .columns),
                  values: try c.decode([Double].self, forKey: .values))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rows, forKey: .rows)
        try c.encode(columns, forKey: .columns)
        try c.encode(values, forKey: .values)
    }
}
