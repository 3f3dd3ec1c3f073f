#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoupeTensor

/// Puts an image into a class folder without ever replacing a file: the `--sort-into` of a
/// labelling run and the class-folder export.
///
/// The name is the image's own. If that name is taken by a file with the same content (the
/// image was placed before, e.g. by an interrupted run), nothing is done; if it is taken by
/// another image, `name-2.png`, `name-3.png`, … is used. Files are created exclusively
/// (`link`, `symlink` and `open(O_EXCL)` all fail on an existing name), so two runs racing
/// cannot overwrite each other either.
public enum FilePlacement {
    public enum Mode: String, Sendable, CaseIterable {
        /// A copy of the bytes (works across file systems).
        case copy
        /// A hard link (no extra space; same file system only).
        case hardlink
        /// A symbolic link to the original path.
        case symlink
    }

    /// Where the image went and whether it was there already.
    public struct Outcome: Sendable, Equatable {
        public var path: String
        public var alreadyThere: Bool
    }

    /// Places `source` (whose content hash is `sha256`) into `folder`, creating the folder.
    /// - Throws: ``LabellingError/cannotWrite(path:operation:errno:)`` naming the file and call.
    public static func place(_ source: String, sha256: String, into folder: String, mode: Mode) throws -> Outcome {
        try makeFolder(folder)
        let name = (source as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
        for attempt in 1...10_000 {
            let candidate = (folder as NSString).appendingPathComponent(
                attempt == 1 ? name : "\(stem)-\(attempt)" + (ext.isEmpty ? "" : ".\(ext)"))
            if FileManager.default.fileExists(atPath: candidate) || isSymlink(candidate) {
                if contentHash(candidate) == sha256 { return Outcome(path: candidate, alreadyThere: true) }
                continue
            }
            switch try create(candidate, from: source, mode: mode) {
            case true: return Outcome(path: candidate, alreadyThere: false)
            case false: continue   // taken between the check and the create: try the next name
            }
        }
        throw LabellingError.cannotWrite(path: (folder as NSString).appendingPathComponent(name), operation: "find a free name for", errno: EEXIST)
    }

    /// A folder name for a class (no path separators, not hidden).
    public static func folderName(forClass name: String) -> String {
        var s = name.replacingOccurrences(of: "/", with: "_")
        if s.hasPrefix(".") || s.isEmpty { s = "_" + s }
        return s
    }

    /// Creates `folder` if needed and checks it can be written into, before any work is done.
    /// - Throws: ``LabellingError/cannotWrite(path:operation:errno:)`` naming the folder.
    public static func prepareFolder(_ folder: String) throws { try makeFolder(folder) }

    static func makeFolder(_ folder: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) {
            guard isDir.boolValue else { throw LabellingError.cannotWrite(path: folder, operation: "use as a folder (it is a file)", errno: ENOTDIR) }
            guard access(folder, W_OK) == 0 else { throw LabellingError.cannotWrite(path: folder, operation: "write into", errno: errno) }
            return
        }
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            let parent = (folder as NSString).deletingLastPathComponent
            throw LabellingError.cannotWrite(path: folder, operation: "create folder (in \(parent))", errno: access(parent, W_OK) == 0 ? EIO : errno)
        }
    }

    /// Creates `target` exclusively; false if the name was taken meanwhile.
    private static func create(_ target: String, from source: String, mode: Mode) throws -> Bool {
        switch mode {
        case .hardlink:
            if link(source, target) == 0 { return true }
        case .symlink:
            if symlink(source, target) == 0 { return true }
        case .copy:
            let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                defer { close(fd) }
                guard let data = FileManager.default.contents(atPath: source) else {
                    unlink(target)
                    throw LabellingError.cannotWrite(path: source, operation: "read", errno: errno)
                }
                do { try data.withUnsafeBytes { try FileDescriptorWriter.writeAll(fd, $0, path: target) } } catch {
                    unlink(target)
                    throw error
                }
                return true
            }
        }
        if errno == EEXIST { return false }
        throw LabellingError.cannotWrite(path: target, operation: mode == .copy ? "create" : "\(mode.rawValue) to", errno: errno)
    }

    private static func isSymlink(_ path: String) -> Bool {
        var s = stat()
        return lstat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFLNK
    }

    static func contentHash(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { SHA256.hex($0) }
    }
}
