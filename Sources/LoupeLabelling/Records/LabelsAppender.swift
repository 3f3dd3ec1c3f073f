#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoupeDataset

/// Appends records to a labels file so that a run can be killed at any moment and resumed.
///
/// - Opening: a torn last line (a run killed mid-write) is cut off; the records before it are
///   returned, so the caller skips those images.
/// - Appending: each batch of lines goes out in one `write` on an `O_APPEND` descriptor, and the
///   file is synced at most once a second and on ``close()``. After a crash the file ends in
///   whole lines, possibly fewer than were written; the next run redoes the rest.
public final class LabelsAppender {
    public let path: String
    public let format: LabelsFileFormat
    /// The records already in the file when it was opened.
    public let existing: [LabelRecord]
    private let fd: Int32
    private var lastSync = Date()

    /// Opens (or creates) `path` for a run of `model` with `classes`.
    /// - Throws: ``LabellingError`` if the file cannot be written, is malformed, or holds rows
    ///   of another model.
    public init(path: String, model: String, classes: [String]) throws {
        self.path = path
        format = try LabelsFileFormat(path: path)
        let fm = FileManager.default
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !fm.fileExists(atPath: folder) {
            do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw LabellingError.cannotWrite(path: folder, operation: "create folder", errno: EACCES)
            }
        }
        var records: [LabelRecord] = []
        if let data = fm.contents(atPath: path) {
            let whole = LabelsFile.wholeLinesLength(data)
            records = try LabelsFile.records(in: data.prefix(whole), path: path)
            if let other = records.first(where: { $0.model != model }) {
                throw LabellingError.otherModel(path: path, found: other.model, running: model)
            }
            // Cut a line torn by a kill, so the next append starts on a line of its own.
            if whole < data.count && truncate(path, off_t(whole)) != 0 {
                throw LabellingError.cannotWrite(path: path, operation: "truncate", errno: errno)
            }
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LabellingError.cannotWrite(path: path, operation: "open for appending", errno: errno) }
        self.fd = fd
        existing = records
        if format == .csv && lseek(fd, 0, SEEK_END) == 0 {
            try append(text: CSVText.line(LabelsFileFormat.csvHeader(classes: classes)))
        }
    }

    deinit { Glibc.close(fd) }

    /// Appends `records` in one write.
    public func append(_ records: [LabelRecord]) throws {
        guard !records.isEmpty else { return }
        try append(text: records.map(format.line).joined())
        if Date().timeIntervalSince(lastSync) >= 1 {
            fsync(fd)
            lastSync = Date()
        }
    }

    /// Syncs the file to disk.
    public func close() { fsync(fd) }

    private func append(text: String) throws {
        try Array(text.utf8).withUnsafeBytes { try FileDescriptorWriter.writeAll(fd, $0, path: path) }
    }
}
