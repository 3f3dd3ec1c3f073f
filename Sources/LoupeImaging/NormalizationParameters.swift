/// Per-channel `(x - mean) / std` applied after scaling samples to [0, 1].
public struct NormalizationParameters: Sendable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// The torchvision ImageNet statistics (RGB).
    public static let imageNet = NormalizationParameters(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    /// Mean 0, std 1: only the scaling to [0, 1].
    public static func unit(channels: Int) -> NormalizationParameters {
        NormalizationParameters(mean: [Float](repeating: 0, count: channels), std: [Float](repeating: 1, count: channels))
    }
}
