import Foundation
import LoupeModel
import SwiftProtobuf

/// Imports an ONNX classifier (e.g. exported from PyTorch) as a Loupe ``Model``.
///
/// The graph must take one float `[N, C, H, W]` input and give one `[N, classes]` output, and
/// use only ``supportedOperators``. Conv/BatchNormalization/Gemm/MatMul weights are copied
/// from float32 initializers; a graph that does not end in Softmax gets a softmax layer
/// appended (metadata `appendedSoftmax = "true"`), since Loupe models output probabilities.
public enum ONNXImporter {
    /// ONNX operators (default domain) the importer translates.
    public static let supportedOperators = [
        "Add", "AveragePool", "BatchNormalization", "Constant", "Conv", "Dropout", "Flatten", "Gemm",
        "GlobalAveragePool", "Identity", "MatMul", "MaxPool", "Relu", "Reshape", "Softmax",
    ]

    /// Reads and imports an ONNX file.
    /// - Parameters:
    ///   - path: the `.onnx` file (weights inside it; external data files are not read).
    ///   - name: the model name; default: the file name without extension.
    ///   - classes: class names, one per network output; default `class0`, `class1`, ….
    ///   - mean: per-channel input mean applied after scaling pixels to [0, 1]; default 0.
    ///   - std: per-channel input std; default 1.
    /// - Returns: a validated model, ready for `model.write(to:)` or inference.
    /// - Throws: ``ONNXImportError`` naming the file and the node or tensor at fault.
    public static func importModel(contentsOf path: String, name: String? = nil, classes: [String]? = nil,
                                   mean: [Float]? = nil, std: [Float]? = nil) throws -> Model {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ONNXImportError.fileMissing(path: path) }
        guard !isDirectory.boolValue else { throw ONNXImportError.unreadable(path: path, reason: "is a directory, expected an .onnx file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ONNXImportError.unreadable(path: path, reason: "permission denied or not a regular file")
        }
        return try importModel(serialized: data, source: path, name: name, classes: classes, mean: mean, std: std)
    }

    /// Imports an ONNX model from its serialised bytes.
    /// - Parameter source: the file name used in errors and recorded in the metadata.
    /// - SeeAlso: ``importModel(contentsOf:name:classes:mean:std:)`` for the other parameters.
    public static func importModel(serialized data: Data, source: String, name: String? = nil, classes: [String]? = nil,
                                   mean: [Float]? = nil, std: [Float]? = nil) throws -> Model {
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw ONNXImportError.notONNX(path: source, reason: "protobuf decoding failed: \(error)")
        }
        guard proto.hasGraph else { throw ONNXImportError.noGraph(path: source) }
        guard let opset = proto.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" })?.version else {
            throw ONNXImportError.notONNX(path: source, reason: "no opset_import for the default ONNX domain")
        }
        let graph = proto.graph
        let (inputName, inputShape) = try graphInput(graph, path: source)
        guard graph.output.count == 1 else { throw ONNXImportError.outputCount(path: source, outputs: graph.output.map(\.name)) }
        let outputName = graph.output[0].name

        var translator = ONNXGraphTranslator(graph: graph, input: inputName, inputShape: inputShape, opset: Int(opset), path: source)
        for (index, node) in graph.node.enumerated() { try translator.translate(node, index: index) }

        guard let output = translator.value(named: outputName) else {
            throw ONNXImportError.unsupportedGraph(path: source, node: outputName, reason: "the graph output is not computed by any node")
        }
        guard output.layer != ModelGraph.inputName, output.layer == translator.layers.last?.name else {
            throw ONNXImportError.unsupportedGraph(path: source, node: outputName,
                                                  reason: "the graph output is not the last computed value (nodes that do not lead to the output are not supported)")
        }
        guard output.shape.count == 1 else {
            throw ONNXImportError.unsupportedGraph(path: source, node: outputName,
                                                  reason: "the graph output has per-image shape \(output.shape); Loupe needs [N, classes]")
        }
        let appendedSoftmax = translator.layers.last?.layerOp != .softmax
        if appendedSoftmax { translator.appendSoftmax() }

        let fileName = (source as NSString).lastPathComponent
        let classCount = output.shape[0], channels = inputShape[0]
        let classNames = classes ?? (0..<classCount).map { "class\($0)" }
        guard classNames.count == classCount else {
            throw ONNXImportError.badOption(path: source, option: "classes", reason: "\(classNames.count) names given, the network has \(classCount) outputs")
        }
        for (option, values) in [("mean", mean), ("std", std)] {
            if let values, values.count != channels {
                throw ONNXImportError.badOption(path: source, option: option, reason: "\(values.count) values given, the input has \(channels) channels")
            }
        }
        var metadata = [
            "source": fileName,
            "onnxProducer": "\(proto.producerName) \(proto.producerVersion)".trimmingCharacters(in: .whitespaces),
            "onnxOpset": "\(opset)",
            "onnxIRVersion": "\(proto.irVersion)",
        ]
        if appendedSoftmax { metadata["appendedSoftmax"] = "true" }
        let spec = ModelSpec(
            name: name ?? (fileName as NSString).deletingPathExtension,
            description: "Imported from ONNX file \(fileName).",
            input: InputSpec(channels: channels, height: inputShape[1], width: inputShape[2], mean: mean, std: std),
            classes: classNames, layers: translator.layers, metadata: metadata)
        do {
            return try Model(spec: spec, weights: translator.layerWeights.flatMap { $0 })
        } catch let error as ModelError {
            throw ONNXImportError.invalidModel(path: source, error: error)
        }
    }

    /// The one real graph input (inputs that are also initializers are weights) and its
    /// per-sample shape `[C, H, W]`.
    private static func graphInput(_ graph: Onnx_GraphProto, path: String) throws -> (String, [Int]) {
        let initializers = Set(graph.initializer.map(\.name))
        let inputs = graph.input.filter { !initializers.contains($0.name) }
        guard let input = inputs.first else { throw ONNXImportError.noInput(path: path) }
        guard inputs.count == 1 else {
            throw ONNXImportError.unsupportedInput(path: path, input: inputs[1].name,
                                                   reason: "the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); Loupe models take one image tensor")
        }
        guard case .tensorType(let tensor)? = input.type.value else {
            throw ONNXImportError.unsupportedInput(path: path, input: input.name, reason: "is not a tensor")
        }
        guard tensor.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw ONNXImportError.unsupportedInput(path: path, input: input.name,
                                                   reason: "has element type \(ONNXTensorDecoding.dataTypeName(tensor.elemType)), expected FLOAT")
        }
        let dims = tensor.shape.dim.map { d -> String in
            if case .dimValue(let v)? = d.value { return "\(v)" }
            if case .dimParam(let p)? = d.value { return p }
            return "?"
        }
        let sizes = tensor.shape.dim.dropFirst().map { d -> Int in
            if case .dimValue(let v)? = d.value, v > 0 { return Int(v) }
            return 0
        }
        guard dims.count == 4, sizes.allSatisfy({ $0 > 0 }) else {
            throw ONNXImportError.unsupportedInput(path: path, input: input.name,
                                                   reason: "has shape [\(dims.joined(separator: ", "))]; Loupe needs [N, C, H, W] with fixed C, H and W")
        }
        return (input.name, sizes)
    }
}
