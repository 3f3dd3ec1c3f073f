import Foundation
import LoupeTensor

/// A validated model: spec, resolved graph and weights, ready to be compiled for inference
/// or trained further.
public struct Model: Sendable {
    public var spec: ModelSpec
    public let graph: ModelGraph
    /// Every parameter of every layer, in graph order (see ``ModelGraph/Parameter/offset``).
    public var weights: [Float]

    /// Builds a model from parts, validating shapes and weights.
    /// - Throws: ``ModelError`` if the spec is inconsistent, the weight count is wrong or a
    ///   weight is NaN/Inf.
    public init(spec: ModelSpec, weights: [Float]) throws {
        let graph = try ModelGraph(spec)
        guard weights.count == graph.parameterCount else {
            throw ModelError.invalidLayer(layer: spec.name, reason: "\(weights.count) weights given, the architecture needs \(graph.parameterCount)")
        }
        try Self.checkValues(graph, weights)
        self.spec = spec
        self.graph = graph
        self.weights = weights
        self.spec.weights.count = weights.count
    }

    /// Reads a model from a directory holding `model.json` (or from the path of a spec file).
    /// - Throws: ``ModelError`` naming the file and what is wrong.
    public static func load(from path: String) throws -> Model {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw ModelError.fileMissing(path: path) }
        let specPath = isDir.boolValue ? (path as NSString).appendingPathComponent("model.json") : path
        let specBytes = try readFile(specPath)
        let spec: ModelSpec
        do {
            spec = try JSONDecoder().decode(ModelSpec.self, from: Data(specBytes))
        } catch let error as DecodingError {
            throw ModelError.malformedSpec(path: specPath, reason: describe(error))
        } catch {
            throw ModelError.malformedSpec(path: specPath, reason: "\(error)")
        }
        guard spec.format == ModelSpec.formatName else { throw ModelError.unsupportedFormat(path: specPath, found: spec.format) }
        guard spec.version == ModelSpec.currentVersion else {
            throw ModelError.unsupportedVersion(path: specPath, found: spec.version, supported: ModelSpec.currentVersion)
        }
        let graph = try ModelGraph(spec)
        let weightsPath = ((specPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(spec.weights.file)
        let weights = try WeightsFile.decode(try readFile(weightsPath), path: weightsPath, expectedCount: graph.parameterCount,
                                             sha256: spec.weights.sha256)
        return try Model(spec: spec, weights: weights)
    }

    /// Writes `model.json` and the weights file into `directory` (created if needed),
    /// recording the weights' SHA-256 and count in the spec.
    @discardableResult
    public func write(to directory: String) throws -> ModelSpec {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var spec = self.spec
        let bytes = WeightsFile.encode(weights)
        spec.weights.sha256 = SHA256.hex(bytes)
        spec.weights.count = weights.count
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(spec)
        try Data(bytes).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(spec.weights.file)), options: .atomic)
        try (json + Data("\n".utf8)).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("model.json")), options: .atomic)
        return spec
    }

    /// SHA-256 of the serialised weights: the model's identity in inspection results.
    public var weightsSHA256: String { SHA256.hex(WeightsFile.encode(weights)) }

    /// The values of one parameter of layer `index`.
    public func parameter(layer index: Int, _ name: String) -> ArraySlice<Float>? {
        guard let p = graph.layers[index].parameter(name) else { return nil }
        return weights[p.offset..<(p.offset + p.count)]
    }

    private static func checkValues(_ graph: ModelGraph, _ weights: [Float]) throws {
        for layer in graph.layers {
            for p in layer.parameters {
                for i in 0..<p.count where !weights[p.offset + i].isFinite {
                    throw ModelError.nonFiniteWeight(layer: layer.name, tensor: p.name, index: i, value: weights[p.offset + i])
                }
                if p.name == "var", let i = (0..<p.count).first(where: { weights[p.offset + $0] < 0 }) {
                    throw ModelError.invalidLayer(layer: layer.name, reason: "running variance[\(i)] is negative (\(weights[p.offset + i]))")
                }
            }
        }
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelError.fileMissing(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError.unreadable(path: path, reason: "permission denied or not a file") }
        return [UInt8](data)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p)"
        }
        switch error {
        case let .keyNotFound(key, c): return "missing field '\(key.stringValue)'\(path(c))"
        case let .typeMismatch(type, c): return "wrong type\(path(c)): expected \(type)"
        case let .valueNotFound(type, c): return "missing value\(path(c)): expected \(type)"
        case let .dataCorrupted(c): return "\(c.debugDescription)\(path(c))"
        @unknown default: return "\(error)"
        }
    }
}
