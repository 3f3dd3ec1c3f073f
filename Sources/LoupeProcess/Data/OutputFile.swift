import Foundation

/// Writes what the process commands produce (models, monitors, recommendations, reports):
/// atomically, creating missing folders, and with an error that names the file.
public enum OutputFile {
    public static func write(_ data: Data, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelFitError("cannot write \(path): \((error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription)")
        }
    }

    /// Pretty, key-sorted JSON.
    public static func writeJSON<T: Encodable>(_ value: T, to path: String, nonFinite: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if nonFinite { encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan") }
        try write(try encoder.encode(value), to: path)
    }
}
