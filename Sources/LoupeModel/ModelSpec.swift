/// The readable half of a Loupe model: `model.json`. See `Models/FORMAT.md`.
public struct ModelSpec: Codable, Equatable, Sendable {
    public static let formatName = "loupe-model"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    public var name: String
    public var description: String?
    public var input: InputSpec
    /// Class names, index = network output index.
    public var classes: [String]
    /// Indices of `classes` that count as defects; the defect score is the sum of their
    /// probabilities. Default: every class except index 0.
    public var defectClasses: [Int]?
    /// Reject when defect score > threshold.
    public var threshold: Float
    public var layers: [LayerSpec]
    public var weights: WeightsRef
    /// Free-form provenance (training data hash, seed, metrics, source ONNX file, …).
    public var metadata: [String: String]?

    public init(name: String, description: String? = nil, input: InputSpec, classes: [String], defectClasses: [Int]? = nil,
                threshold: Float = 0.5, layers: [LayerSpec], weights: WeightsRef = WeightsRef(), metadata: [String: String]? = nil) {
        format = Self.formatName
        version = Self.currentVersion
        self.name = name
        self.description = description
        self.input = input
        self.classes = classes
        self.defectClasses = defectClasses
        self.threshold = threshold
        self.layers = layers
        self.weights = weights
        self.metadata = metadata
    }

    public var effectiveDefectClasses: [Int] { defectClasses ?? Array(classes.indices.dropFirst()) }
}

/// What the network eats: a `[channels, height, width]` float tensor made from an image
/// scaled to [0, 1], then `(x - mean[c]) / std[c]`.
public struct InputSpec: Codable, Equatable, Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var mean: [Float]
    public var std: [Float]

    public init(channels: Int, height: Int, width: Int, mean: [Float]? = nil, std: [Float]? = nil) {
        self.channels = channels
        self.height = height
        self.width = width
        self.mean = mean ?? Array(repeating: 0, count: channels)
        self.std = std ?? Array(repeating: 1, count: channels)
    }
}

/// Where the binary weights live and how to check them.
public struct WeightsRef: Codable, Equatable, Sendable {
    public var file: String
    /// SHA-256 (hex) of the whole weights file.
    public var sha256: String
    /// Number of float32 values after the header.
    public var count: Int

    public init(file: String = "weights.bin", sha256: String = "", count: Int = 0) {
        self.file = file
        self.sha256 = sha256
        self.count = count
    }
}

/// The operators a model may use. One enum, one switch per consumer.
public enum LayerOp: String, Codable, CaseIterable, Sendable {
    case conv, batchnorm, relu, maxpool, avgpool, globalavgpool, flatten, dense, softmax, add
}

/// One layer. Fields not used by an operator are left out of the JSON.
public struct LayerSpec: Codable, Equatable, Sendable {
    public var name: String
    /// Operator name as written; validated against ``LayerOp`` so an unknown one is named in the error.
    public var op: String
    /// Names of the values this layer reads ("input" is the network input). Default: the previous layer.
    public var inputs: [String]?
    // conv
    public var outChannels: Int?
    public var kernel: Int?
    public var stride: Int?
    public var padding: Int?
    public var groups: Int?
    /// conv and dense: whether a bias vector is stored.
    public var bias: Bool?
    // batchnorm
    public var epsilon: Float?
    // avgpool
    public var countIncludePad: Bool?
    // dense
    public var outFeatures: Int?

    public init(name: String, op: LayerOp, inputs: [String]? = nil, outChannels: Int? = nil, kernel: Int? = nil, stride: Int? = nil,
                padding: Int? = nil, groups: Int? = nil, bias: Bool? = nil, epsilon: Float? = nil, countIncludePad: Bool? = nil,
                outFeatures: Int? = nil) {
        self.name = name
        self.op = op.rawValue
        self.inputs = inputs
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.groups = groups
        self.bias = bias
        self.epsilon = epsilon
        self.countIncludePad = countIncludePad
        self.outFeatures = outFeatures
    }

    public var layerOp: LayerOp? { LayerOp(rawValue: op) }
}
