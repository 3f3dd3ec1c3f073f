import Foundation
import LoupeImaging

/// The images a labelling run is asked to label, found before anything is decoded.
///
/// Folders are searched recursively (hidden files and folders left out); files inside them count
/// when their extension is PNG or JPEG, others are listed as unsupported. A file named on the command line is always tried
/// (the decoder sniffs the content, so a PNG named `.dat` is fine; a text file fails clearly).
/// Paths are made absolute, and every image is listed once even if named twice.
public struct ImageInventory: Sendable {
    public struct Entry: Sendable, Equatable {
        /// Absolute path.
        public var path: String
        /// The image's folder under the input folder it was found in (a camera, a line, a
        /// shift); nil for files named directly or lying in the input folder itself.
        public var group: String?
    }

    public private(set) var entries: [Entry] = []
    /// Files in the input folders that are not PNG or JPEG.
    public private(set) var unsupported: [String] = []
    /// Inputs that do not exist.
    public private(set) var missing: [String] = []

    public init(_ inputs: [String], currentDirectory: String = FileManager.default.currentDirectoryPath) {
        let fm = FileManager.default
        var seen = Set<String>()
        for input in inputs {
            let absolute = Self.absolute(input, in: currentDirectory)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: absolute, isDirectory: &isDir) else { missing.append(input); continue }
            guard isDir.boolValue else {
                if seen.insert(absolute).inserted { entries.append(Entry(path: absolute, group: nil)) }
                continue
            }
            let found = ((fm.enumerator(atPath: absolute)?.allObjects as? [String]) ?? []).sorted()
            for relative in found {
                let path = (absolute as NSString).appendingPathComponent(relative)
                var sub: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &sub), !sub.boolValue else { continue }
                if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }   // hidden files and folders
                guard ImageFiles.extensions.contains((relative as NSString).pathExtension.lowercased()) else {
                    unsupported.append(path)
                    continue
                }
                let folder = (relative as NSString).deletingLastPathComponent
                if seen.insert(path).inserted { entries.append(Entry(path: path, group: folder.isEmpty ? nil : folder)) }
            }
        }
    }

    /// `path` made absolute against `directory`, with `.` and `..` resolved.
    public static func absolute(_ path: String, in directory: String = FileManager.default.currentDirectoryPath) -> String {
        let joined = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }
}
