import Foundation

/// Follows a CSV that a historian or logger keeps appending to (like `tail -f`): reads the header,
/// then hands over each complete new line as tag → value, polling for growth. A half-written last
/// line waits until its newline arrives; a file that is replaced or truncated is read from its start again.
public final class CSVFollower {
    public let path: String
    public var pollInterval = 0.2

    public init(path: String) { self.path = path }

    /// Calls `handle(values, line)` for every row until `stop()` says so; a malformed row is
    /// reported through `problem` and skipped, and following goes on.
    /// - Throws: when the file cannot be opened, or `handle` throws.
    public func follow(until stop: () -> Bool, problem: (String) -> Void = { _ in },
                       _ handle: ([String: Double], Int) throws -> Void) throws {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw ProcessDataError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        defer { try? file.close() }
        var pending: [UInt8] = []
        var header: [String]?
        var delimiter = UInt8(ascii: ",")
        var line = 0
        var offset: UInt64 = 0
        while !stop() {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
            if size < offset {
                // Truncated or replaced: start over.
                try file.seek(toOffset: 0)
                offset = 0
                pending = []
                header = nil
                line = 0
            }
            let chunk = file.readDataToEndOfFile()
            offset += UInt64(chunk.count)
            pending += chunk
            var consumed = 0
            while let newline = pending[consumed...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > consumed && pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let text = String(decoding: pending[consumed..<end], as: UTF8.self)
                consumed = newline + 1
                line += 1
                if header == nil {
                    delimiter = ProcessCSVReader.detectDelimiter(text)
                    header = try ProcessCSVReader.split(Substring(text), delimiter: delimiter, path: path, line: line).map { ColumnHeader.parse(String($0)).name }
                    continue
                }
                guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                let fields: [Substring]
                do { fields = try ProcessCSVReader.split(Substring(text), delimiter: delimiter, path: path, line: line) } catch {
                    problem("\(error); row skipped")
                    continue
                }
                guard fields.count == header!.count else {
                    problem("\(ProcessDataError.malformedRow(path: path, line: line, fields: fields.count, expected: header!.count)); row skipped")
                    continue
                }
                var values: [String: Double] = [:]
                // A decimal comma is only possible when the comma is not the delimiter.
                let commaAllowed = delimiter != UInt8(ascii: ",")
                for (name, f) in zip(header!, fields) {
                    if case let .number(v) = CellParser.parse(f, decimalComma: false) { values[name] = v } else if commaAllowed,
                       case let .number(v) = CellParser.parse(f, decimalComma: true) { values[name] = v }
                }
                try handle(values, line)
            }
            pending.removeFirst(consumed)
            if chunk.isEmpty { Thread.sleep(forTimeInterval: pollInterval) }
        }
    }
}
