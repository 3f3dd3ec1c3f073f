import Foundation

/// Finds the image files a command should process.
public enum ImageFiles {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Expands `paths`: files are taken as given (whatever their extension: the decoder
    /// sniffs the content); directories contribute their PNG/JPEG files, sorted, recursing
    /// into subdirectories when `recursive`. Missing paths are returned in `missing`.
    public static func expand(_ paths: [String], recursive: Bool) -> (files: [String], missing: [String]) {
        var files: [String] = [], missing: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else { missing.append(path); continue }
            guard isDir.boolValue else { files.append(path); continue }
            let entries: [String]
            if recursive {
                entries = (fm.enumerator(atPath: path)?.allObjects as? [String]) ?? []
            } else {
                entries = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            }
            files += entries.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted().map { (path as NSString).appendingPathComponent($0) }
        }
        return (files, missing)
    }
}
