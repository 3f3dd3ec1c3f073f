/// Everything that can be wrong with a model directory, each case naming the file or
/// layer and what was found versus expected.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case fileMissing(path: String)
    case unreadable(path: String, reason: String)
    case malformedSpec(path: String, reason: String)
    case unsupportedFormat(path: String, found: String)
    case unsupportedVersion(path: String, found: Int, supported: Int)
    case unknownOperator(layer: String, op: String)
    case invalidLayer(layer: String, reason: String)
    case shapeMismatch(layer: String, reason: String)
    case weightsTruncated(path: String, expectedBytes: Int, actualBytes: Int)
    case weightsTooLong(path: String, expectedBytes: Int, actualBytes: Int)
    case badWeightsHeader(path: String, reason: String)
    case checksumMismatch(path: String, expected: String, actual: String)
    case nonFiniteWeight(layer: String, tensor: String, index: Int, value: Float)

    public var description: String {
        switch self {
        case let .fileMissing(path):
            return "model: file not found: \(path)"
        case let .unreadable(path, reason):
            return "model: cannot read \(path): \(reason)"
        case let .malformedSpec(path, reason):
            return "model: \(path) is not a valid Loupe model spec: \(reason)"
        case let .unsupportedFormat(path, found):
            return "model: \(path) has format '\(found)', expected 'loupe-model'"
        case let .unsupportedVersion(path, found, supported):
            return "model: \(path) is format version \(found); this Loupe reads version \(supported) (upgrade Loupe or re-export the model)"
        case let .unknownOperator(layer, op):
            return "model: layer '\(layer)' uses operator '\(op)', which Loupe does not support (supported: \(LayerOp.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .invalidLayer(layer, reason):
            return "model: layer '\(layer)': \(reason)"
        case let .shapeMismatch(layer, reason):
            return "model: layer '\(layer)': shape mismatch: \(reason)"
        case let .weightsTruncated(path, expected, actual):
            return "model: weights file \(path) is truncated: \(actual) bytes, the spec needs \(expected)"
        case let .weightsTooLong(path, expected, actual):
            return "model: weights file \(path) has \(actual) bytes, the spec needs exactly \(expected) (wrong weights for this architecture?)"
        case let .badWeightsHeader(path, reason):
            return "model: weights file \(path) has a bad header: \(reason)"
        case let .checksumMismatch(path, expected, actual):
            return "model: weights file \(path) is corrupt: SHA-256 is \(actual), the spec says \(expected)"
        case let .nonFiniteWeight(layer, tensor, index, value):
            return "model: layer '\(layer)' \(tensor)[\(index)] is \(value); weights must be finite"
        }
    }
}
