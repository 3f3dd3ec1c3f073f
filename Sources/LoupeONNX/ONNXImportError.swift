import LoupeModel

/// Everything that can stop an ONNX file from becoming a Loupe model. Every case names the
/// file, and where it applies the node (or tensor) and what was found versus expected.
public enum ONNXImportError: Error, CustomStringConvertible, Equatable {
    case fileMissing(path: String)
    case unreadable(path: String, reason: String)
    /// The bytes are not a protobuf-encoded ONNX model (garbage, truncated, or another format).
    case notONNX(path: String, reason: String)
    case noGraph(path: String)
    case noInput(path: String)
    /// The graph input is not a single float `[N, C, H, W]` tensor with known C, H, W.
    case unsupportedInput(path: String, input: String, reason: String)
    case outputCount(path: String, outputs: [String])
    case unsupportedOperator(path: String, node: String, op: String)
    /// A supported operator used with attributes or inputs Loupe cannot express.
    case unsupportedAttribute(path: String, node: String, op: String, reason: String)
    case missingInitializer(path: String, node: String, tensor: String)
    case unsupportedTensorType(path: String, tensor: String, dataType: String)
    case malformedTensor(path: String, tensor: String, reason: String)
    /// The graph's structure (branches, dead ends, unknown values) does not map onto layers.
    case unsupportedGraph(path: String, node: String, reason: String)
    /// An import option (`classes`, `mean`, `std`) does not fit the network.
    case badOption(path: String, option: String, reason: String)
    /// The translated layers failed Loupe's own model validation.
    case invalidModel(path: String, error: ModelError)

    public var description: String {
        switch self {
        case let .fileMissing(path):
            return "\(path): file not found"
        case let .unreadable(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .notONNX(path, reason):
            return "\(path): not an ONNX model, or the file is truncated: \(reason)"
        case let .noGraph(path):
            return "\(path): the ONNX model has no graph (not an ONNX model, or the file is truncated)"
        case let .noInput(path):
            return "\(path): the graph has no input (every graph input is an initializer)"
        case let .unsupportedInput(path, input, reason):
            return "\(path): graph input '\(input)': \(reason)"
        case let .outputCount(path, outputs):
            return "\(path): the graph has \(outputs.count) outputs (\(outputs.joined(separator: ", "))); Loupe imports graphs with exactly one output"
        case let .unsupportedOperator(path, node, op):
            return "\(path): node '\(node)' uses operator '\(op)', which Loupe does not import (supported: \(ONNXImporter.supportedOperators.joined(separator: ", ")))"
        case let .unsupportedAttribute(path, node, op, reason):
            return "\(path): node '\(node)' (\(op)): \(reason)"
        case let .missingInitializer(path, node, tensor):
            return "\(path): node '\(node)' needs '\(tensor)' to be a constant initializer, but the graph has no initializer of that name"
        case let .unsupportedTensorType(path, tensor, dataType):
            return "\(path): tensor '\(tensor)' has data type \(dataType); Loupe imports float32 weights only"
        case let .malformedTensor(path, tensor, reason):
            return "\(path): tensor '\(tensor)': \(reason)"
        case let .unsupportedGraph(path, node, reason):
            return "\(path): node '\(node)': \(reason)"
        case let .badOption(path, option, reason):
            return "\(path): option '\(option)': \(reason)"
        case let .invalidModel(path, error):
            return "\(path): the imported network is not a valid Loupe model: \(error)"
        }
    }
}
