import Foundation
import LoupeImaging
import LoupeModel

extension StationConfiguration {
    /// Checks what the configuration points at: every model loads (spec, checksum, weights), a
    /// folder source holds images, an image source and a camera device exist, a region fits a
    /// camera's frame, and the outbox's folder exists.
    /// - Returns: the loaded models, by inspection point name.
    /// - Throws: ``ConfigurationError`` naming the key and what was wrong with what it names.
    @discardableResult
    public func checkResources(file: String = "configuration") throws -> [String: Model] {
        var models: [String: Model] = [:]
        func problem(_ keyPath: String, _ found: String, _ expected: String) -> ConfigurationError {
            ConfigurationError(file: file, keyPath: keyPath, found: found, expected: expected)
        }
        let outboxFolder = (outbox as NSString).deletingLastPathComponent
        if !outboxFolder.isEmpty, !FileManager.default.fileExists(atPath: outboxFolder) {
            throw problem("station.outbox", "'\(outbox)' in a folder that does not exist", "a path in an existing folder")
        }
        for (index, point) in inspectionPoints.enumerated() {
            let at = "inspection_points[\(index)]"
            do {
                models[point.name] = try Model.load(from: point.model)
            } catch {
                throw problem(at + ".model", "'\(point.model)': \(error)", "a Loupe model folder that loads")
            }
            switch point.source {
            case let .camera(device, _, width, height, _):
                guard FileManager.default.fileExists(atPath: device) else {
                    throw problem(at + ".source.camera", "'\(device)', which does not exist", "a V4L2 device such as /dev/video0 (list them with `loupe cameras`)")
                }
                if let r = point.region, r.x + r.width > width || r.y + r.height > height {
                    throw problem(at + ".region", "\(r.width)x\(r.height) at (\(r.x), \(r.y))", "a region inside the \(width)x\(height) frame")
                }
            case let .folder(path, _, _):
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                    throw problem(at + ".source.folder", "'\(path)', which is not a folder", "a folder of PNG or JPEG images")
                }
                guard !ImageFiles.expand([path], recursive: false).files.isEmpty else {
                    throw problem(at + ".source.folder", "'\(path)' with no PNG or JPEG images", "a folder of PNG or JPEG images")
                }
            case let .image(path, _):
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw problem(at + ".source.image", "'\(path)', which cannot be read", "a readable PNG or JPEG file")
                }
            }
        }
        return models
    }
}
