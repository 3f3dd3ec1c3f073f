/// Why a model cannot be trained as given (thrown where a model enters the training layer).
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The layer uses something the training layers do not support (yet).
    case unsupportedLayer(layer: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupportedLayer(layer, reason): return "cannot train layer '\(layer)': \(reason)"
        }
    }
}
