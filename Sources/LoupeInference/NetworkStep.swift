import LoupeKernels
import LoupeTensor

/// One executable step of a compiled network, after fusion. Values are numbered; `0` is
/// the network input. Each step reads values and writes exactly one new value.
enum NetworkStep {
    /// Convolution with folded batch-norm, optional residual add and fused activation.
    case conv(Conv2D, input: Int, residual: Int?, output: Int)
    /// Per-channel `y = x * scale + shift` (a batch-norm that could not be folded), then activation.
    case channelAffine(channels: Int, spatial: Int, scale: [Float], shift: [Float], activation: Activation, input: Int, output: Int)
    case relu(count: Int, input: Int, output: Int)
    case maxPool(PoolGeometry, input: Int, output: Int)
    case avgPool(PoolGeometry, countIncludePad: Bool, input: Int, output: Int)
    case globalAveragePool(channels: Int, spatial: Int, input: Int, output: Int)
    /// Weights `[outFeatures, inFeatures]`.
    case dense(inFeatures: Int, outFeatures: Int, weights: [Float], bias: [Float], activation: Activation, input: Int, output: Int)
    case softmax(width: Int, input: Int, output: Int)
    case add(count: Int, a: Int, b: Int, activation: Activation, output: Int)

    var inputs: [Int] {
        switch self {
        case let .conv(_, input, residual, _): return residual.map { [input, $0] } ?? [input]
        case let .channelAffine(_, _, _, _, _, input, _), let .relu(_, input, _), let .maxPool(_, input, _),
             let .avgPool(_, _, input, _), let .globalAveragePool(_, _, input, _), let .dense(_, _, _, _, _, input, _),
             let .softmax(_, input, _):
            return [input]
        case let .add(_, a, b, _, _): return [a, b]
        }
    }

    var output: Int {
        switch self {
        case let .conv(_, _, _, o), let .channelAffine(_, _, _, _, _, _, o), let .relu(_, _, o), let .maxPool(_, _, o),
             let .avgPool(_, _, _, o), let .globalAveragePool(_, _, _, o), let .dense(_, _, _, _, _, _, o), let .softmax(_, _, o),
             let .add(_, _, _, _, o):
            return o
        }
    }

    /// Short label for profiles and `loupe model info`.
    var label: String {
        switch self {
        case let .conv(c, _, residual, _):
            return "\(c.geometry)\(residual != nil ? " +residual" : "")\(c.activation == .relu ? " +relu" : "")"
        case .channelAffine: return "batchnorm (unfolded)"
        case .relu: return "relu"
        case let .maxPool(g, _, _): return "maxpool \(g.kernel)x\(g.kernel)/s\(g.stride)"
        case let .avgPool(g, _, _, _): return "avgpool \(g.kernel)x\(g.kernel)/s\(g.stride)"
        case .globalAveragePool: return "global average pool"
        case let .dense(i, o, _, _, a, _, _): return "dense \(i) -> \(o)\(a == .relu ? " +relu" : "")"
        case .softmax: return "softmax"
        case let .add(_, _, _, a, _): return "add\(a == .relu ? " +relu" : "")"
        }
    }
}
