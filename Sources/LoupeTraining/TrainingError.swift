/// Why a model cannot be trained as given, or why a run stopped. Each case names what was wrong.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The layer uses something the training layers do not support (yet).
    case unsupportedLayer(layer: String, reason: String)
    /// An ``AugmentationConfig`` field is out of range (thrown by `validate()` and `Augmenter.init`).
    case invalidAugmentation(field: String, value: String, expected: String)
    /// An option out of range: its command-line name and why.
    case invalidOption(String, String)
    /// The architecture cannot be adapted to the data (no final dense layer, channel mismatch…).
    case incompatibleArchitecture(String)
    /// The loss or a weight became NaN/Inf; the last good checkpoint is kept.
    case diverged(epoch: Int, step: Int, learningRate: Float, lastGoodEpoch: Int, checkpoint: String)
    /// `--resume` found no usable checkpoint, or one from a different run.
    case cannotResume(checkpoint: String, reason: String)
    /// A checkpoint could not be written or read.
    case checkpointIO(path: String, reason: String)
    /// Stopped by a signal (SIGINT/SIGTERM); the last completed epoch's checkpoint is kept.
    case interrupted(lastGoodEpoch: Int, checkpoint: String)

    public var description: String {
        switch self {
        case let .unsupportedLayer(layer, reason): return "cannot train layer '\(layer)': \(reason)"
        case let .invalidAugmentation(field, value, expected):
            return "invalid augmentation setting \(field) = \(value): expected \(expected)"
        case let .invalidOption(name, reason): return "option --\(name): \(reason)"
        case let .incompatibleArchitecture(reason): return "architecture: \(reason)"
        case let .diverged(epoch, step, lr, good, checkpoint):
            return "training diverged: the loss or a weight became NaN/Inf in epoch \(epoch), step \(step) (learning rate \(lr)). "
                + (good > 0 ? "The checkpoint of epoch \(good) is kept in \(checkpoint). " : "No epoch had completed. ")
                + "Try a lower --lr."
        case let .cannotResume(checkpoint, reason): return "cannot resume from \(checkpoint): \(reason)"
        case let .checkpointIO(path, reason): return "checkpoint \(path): \(reason)"
        case let .interrupted(good, checkpoint):
            return "training stopped by a signal; " + (good > 0 ? "the checkpoint of epoch \(good) in \(checkpoint) is kept: continue with --resume"
                                                           : "no epoch had completed")
        }
    }
}
