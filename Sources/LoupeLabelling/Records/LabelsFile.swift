#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoupeDataset

/// Reads a labels file (JSON Lines or CSV, by extension) into records.
public enum LabelsFile {
    /// All records of `path`, in file order.
    /// - Parameter tolerateTornTail: ignore a last line without its newline (a run killed while
    ///   appending); otherwise such a line is parsed like any other.
    /// - Throws: ``LabellingError`` naming the file and line of a malformed row.
    public static func read(_ path: String, tolerateTornTail: Bool = false) throws -> [LabelRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabellingError.cannotWrite(path: path, operation: "read", errno: errno == 0 ? ENOENT : errno)
        }
        return try records(in: tolerateTornTail ? data.prefix(wholeLinesLength(data)) : data, path: path)
    }

    /// Bytes of `data` up to and including its last newline (a torn last line left out).
    static func wholeLinesLength(_ data: Data) -> Int {
        data.lastIndex(of: UInt8(ascii: "\n")).map { $0 - data.startIndex + 1 } ?? 0
    }

    /// The records in `bytes`, the contents of the labels file `path`.
    static func records(in bytes: Data, path: String) throws -> [LabelRecord] {
        let format = try LabelsFileFormat(path: path)
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw LabellingError.malformedLabelsFile(path: path, line: 1, reason: "the file is not UTF-8 text")
        }
        switch format {
        case .jsonl: return try readJSONLines(text, path: path)
        case .csv: return try readCSV(text, path: path)
        }
    }

    static func readJSONLines(_ text: String, path: String) throws -> [LabelRecord] {
        var records: [LabelRecord] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            do { records.append(try JSONLine.decode(line)) } catch let problem as LineProblem {
                throw LabellingError.malformedLabelsFile(path: path, line: index + 1, reason: problem.reason)
            }
        }
        return records
    }

    static func readCSV(_ text: String, path: String) throws -> [LabelRecord] {
        let rows: [CSVText.Record]
        do { rows = try CSVText.records(text) } catch let e as CSVText.SyntaxError {
            throw LabellingError.malformedLabelsFile(path: path, line: e.line, reason: e.reason)
        }
        guard let header = rows.first?.fields else { return [] }
        let classes = header.filter { $0.hasPrefix("p_") }.map { String($0.dropFirst(2)) }
        guard header == LabelsFileFormat.csvHeader(classes: classes) else {
            throw LabellingError.malformedLabelsFile(path: path, line: 1, reason:
                "the header is not a Loupe labels header (path,sha256,verdict,score,class,p_<class>…,model,…); for training data use loupe train")
        }
        let k = classes.count
        return try rows.dropFirst().map { row in
            let f = row.fields
            func fail(_ reason: String) -> LabellingError { .malformedLabelsFile(path: path, line: row.line, reason: reason) }
            guard f.count == header.count else { throw fail("\(f.count) fields, the header has \(header.count)") }
            func number(_ i: Int) throws -> Double {
                guard let v = Double(f[i]) else { throw fail("\(header[i]) '\(f[i])' is not a number") }
                return v
            }
            func optional(_ i: Int) -> String? { f[i].isEmpty ? nil : f[i] }
            let probabilities = try (0..<k).map { (name: classes[$0], value: Float(try number(5 + $0))) }
            let b = 5 + k
            var r = LabelRecord(path: f[0], sha256: f[1], verdict: f[2], score: Float(try number(3)), className: f[4],
                                probabilities: probabilities, model: f[b], threshold: Float(try number(b + 1)), time: f[b + 2],
                                group: optional(b + 3), heatmap: optional(b + 4))
            r.label = optional(b + 5)
            if let s = optional(b + 6) {
                guard let source = LabelRecord.LabelSource(rawValue: s) else { throw fail("label_source '\(s)' is not given or human") }
                r.labelSource = source
            }
            if let reviewer = optional(b + 7) {
                r.review = .init(reviewer: reviewer, at: f[b + 8], action: f[b + 9], model: f[b + 10], modelClass: optional(b + 11),
                                 previousLabel: optional(b + 12))
            }
            r.suspicion = optional(b + 13).flatMap(Double.init)
            r.errorRank = optional(b + 14).flatMap { Int($0) }
            r.suspectedError = optional(b + 15).map { $0 == "true" }
            return r
        }
    }

    /// Replaces `path` with `records` in one step: written to a temporary file beside it, synced,
    /// renamed over. A crash leaves the old file or the new one, never a mix.
    public static func write(_ records: [LabelRecord], classes: [String], to path: String) throws {
        let format = try LabelsFileFormat(path: path)
        var text = format == .csv ? CSVText.line(LabelsFileFormat.csvHeader(classes: classes)) : ""
        for r in records { text += format.line(r) }
        try AtomicFile.replace(path, with: Data(text.utf8))
    }
}

/// Whole-file replacement by write-to-temporary and rename.
enum AtomicFile {
    static func replace(_ path: String, with data: Data) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LabellingError.cannotWrite(path: temporary, operation: "create", errno: errno) }
        do {
            try data.withUnsafeBytes { try FileDescriptorWriter.writeAll(fd, $0, path: temporary) }
            guard fsync(fd) == 0 else { throw LabellingError.cannotWrite(path: temporary, operation: "sync", errno: errno) }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw LabellingError.cannotWrite(path: path, operation: "rename \(temporary) to", errno: e)
        }
    }
}

enum FileDescriptorWriter {
    /// Writes every byte, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw LabellingError.cannotWrite(path: path, operation: "write to", errno: errno)
            }
            offset += n
        }
    }
}
