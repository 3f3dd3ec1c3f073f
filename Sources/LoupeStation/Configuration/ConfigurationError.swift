/// A station configuration that cannot be used: names the file, the position, the key path,
/// the value found and what was expected.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// The configuration file (or "configuration" for text given directly).
    public var file: String
    /// 1-based line and column of the offending node, when known.
    public var line: Int?
    public var column: Int?
    /// Where in the document, e.g. `inspection_points[0].source.fps`.
    public var keyPath: String
    /// What was found (secrets are never shown).
    public var found: String
    public var expected: String

    public init(file: String, line: Int? = nil, column: Int? = nil, keyPath: String, found: String, expected: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.found = found
        self.expected = expected
    }

    public var description: String {
        let position = line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""
        let path = keyPath.isEmpty ? "(top level)" : keyPath
        return "station config \(file)\(position): \(path): found \(found); expected \(expected)"
    }
}
