import LoupeKernels
import LoupeModel
import LoupeTensor

/// Turns a validated ``Model`` into fused ``NetworkStep``s:
/// - batch-norm directly after a convolution is folded into its weights and bias;
/// - a residual `add` whose one operand is a convolution's only use becomes that
///   convolution's residual input (when the other operand is already computed);
/// - ReLU directly after a convolution, dense layer, batch-norm or add is fused into it;
/// - flatten is free (the buffer is already contiguous).
struct NetworkCompiler {
    /// Mutable description of a step before its kernels are built.
    private final class Draft {
        var kind: LayerOp
        var inputs: [Int]
        var output: Int
        var layer: ModelGraph.Layer
        var weights: [Float] = []
        var bias: [Float] = []
        var activation: Activation = .none
        var residual: Int?
        /// Whether a later layer may still be fused into this one (nothing but BN, add, ReLU in that order).
        var open = true
        var acceptsBN: Bool
        init(kind: LayerOp, inputs: [Int], output: Int, layer: ModelGraph.Layer) {
            self.kind = kind
            self.inputs = inputs
            self.output = output
            self.layer = layer
            acceptsBN = kind == .conv
        }
    }

    private(set) var valueSizes: [Int] = []
    private var valueOf: [String: Int] = [:]
    private var producer: [Int: Draft] = [:]
    private var drafts: [Draft] = []

    /// - Returns: steps in execution order, the element count of every value, and the output value.
    static func compile(_ model: Model) throws -> (steps: [NetworkStep], valueSizes: [Int], output: Int) {
        var compiler = NetworkCompiler()
        compiler.valueSizes = [model.graph.inputShape.reduce(1, *)]
        compiler.valueOf[ModelGraph.inputName] = 0
        let uses = Dictionary(uniqueKeysWithValues: model.graph.layers.map { ($0.name, $0.useCount) })
        for (index, layer) in model.graph.layers.enumerated() {
            compiler.add(layer, index: index, model: model, uses: uses)
        }
        let output = compiler.valueOf[model.graph.layers.last!.name]!
        return (compiler.drafts.map(makeStep), compiler.valueSizes, output)
    }

    private mutating func newValue(_ shape: [Int]) -> Int {
        valueSizes.append(shape.reduce(1, *))
        return valueSizes.count - 1
    }

    private mutating func add(_ layer: ModelGraph.Layer, index: Int, model: Model, uses: [String: Int]) {
        let name = layer.name
        let inputs = layer.inputs.map { valueOf[$0]! }
        // A fusible predecessor: produced by an open draft and read by nobody else.
        func fusible(_ inputName: String) -> Draft? {
            guard uses[inputName] == 1, let v = valueOf[inputName], let d = producer[v], d.open else { return nil }
            return d
        }
        func param(_ p: String) -> [Float] { Array(model.parameter(layer: index, p) ?? []) }

        switch layer.op {
        case .flatten:
            valueOf[name] = inputs[0]
            return
        case .batchnorm:
            guard case let .batchNorm(_, _, eps) = layer.operation else { preconditionFailure("batchnorm layer without batch-norm operation") }
            let gamma = param("gamma"), beta = param("beta"), mean = param("mean"), variance = param("var")
            let scale = zip(gamma, variance).map { $0 / ($1 + eps).squareRoot() }
            let shift = (0..<scale.count).map { beta[$0] - mean[$0] * scale[$0] }
            if let d = fusible(layer.inputs[0]), d.acceptsBN, d.residual == nil, d.activation == .none {
                // Fold: w'[oc, ...] = w[oc, ...] * scale[oc];  b'[oc] = b[oc] * scale[oc] + shift[oc].
                let perChannel = d.weights.count / scale.count
                for oc in 0..<scale.count {
                    for j in 0..<perChannel { d.weights[oc * perChannel + j] *= scale[oc] }
                    d.bias[oc] = d.bias[oc] * scale[oc] + shift[oc]
                }
                d.acceptsBN = false
                valueOf[name] = d.output
                return
            }
            let d = Draft(kind: .batchnorm, inputs: inputs, output: newValue(layer.outputShape), layer: layer)
            d.weights = scale
            d.bias = shift
            append(d, name)
        case .add:
            // Fuse into whichever operand is a fusible conv computed after the other operand.
            for (mine, other) in [(0, 1), (1, 0)] {
                if let d = fusible(layer.inputs[mine]), d.kind == .conv, d.residual == nil, d.activation == .none,
                   isComputed(inputs[other], before: d) {
                    d.residual = inputs[other]
                    d.inputs.append(inputs[other])
                    d.acceptsBN = false
                    valueOf[name] = d.output
                    return
                }
            }
            append(Draft(kind: .add, inputs: inputs, output: newValue(layer.outputShape), layer: layer), name)
        case .relu:
            if let d = fusible(layer.inputs[0]), [.conv, .dense, .add, .batchnorm].contains(d.kind), d.activation == .none {
                d.activation = .relu
                d.open = false
                valueOf[name] = d.output
                return
            }
            append(Draft(kind: .relu, inputs: inputs, output: newValue(layer.outputShape), layer: layer), name)
        case .conv, .dense:
            let d = Draft(kind: layer.op, inputs: inputs, output: newValue(layer.outputShape), layer: layer)
            d.weights = param("weight")
            let bias = param("bias")
            d.bias = bias.isEmpty ? [Float](repeating: 0, count: layer.outputShape[0]) : bias
            append(d, name)
        case .maxpool, .avgpool, .globalavgpool, .softmax:
            let d = Draft(kind: layer.op, inputs: inputs, output: newValue(layer.outputShape), layer: layer)
            d.open = false
            append(d, name)
        }
    }

    private mutating func append(_ d: Draft, _ name: String) {
        drafts.append(d)
        producer[d.output] = d
        valueOf[name] = d.output
    }

    /// Whether `value` is the input or produced by a draft that runs before `draft`.
    private func isComputed(_ value: Int, before draft: Draft) -> Bool {
        if value == 0 { return true }
        guard let p = producer[value], let pi = drafts.firstIndex(where: { $0 === p }),
              let di = drafts.firstIndex(where: { $0 === draft }) else { return false }
        return pi < di
    }

    private static func makeStep(_ d: Draft) -> NetworkStep {
        let layer = d.layer
        switch layer.operation {
        case let .conv(g, _):
            let conv = d.weights.withUnsafeBufferPointer { w in
                d.bias.withUnsafeBufferPointer { b in
                    Conv2D(geometry: g, weights: w.baseAddress!, bias: b.baseAddress!, activation: d.activation)
                }
            }
            return .conv(conv, input: d.inputs[0], residual: d.residual, output: d.output)
        case let .batchNorm(channels, spatial, _):
            return .channelAffine(channels: channels, spatial: spatial, scale: d.weights, shift: d.bias,
                                  activation: d.activation, input: d.inputs[0], output: d.output)
        case let .dense(inFeatures, outFeatures, _):
            return .dense(inFeatures: inFeatures, outFeatures: outFeatures, weights: d.weights, bias: d.bias,
                          activation: d.activation, input: d.inputs[0], output: d.output)
        case let .relu(count):
            return .relu(count: count, input: d.inputs[0], output: d.output)
        case let .maxPool(g):
            return .maxPool(g, input: d.inputs[0], output: d.output)
        case let .avgPool(g, countIncludePad):
            return .avgPool(g, countIncludePad: countIncludePad, input: d.inputs[0], output: d.output)
        case let .globalAvgPool(channels, spatial):
            return .globalAveragePool(channels: channels, spatial: spatial, input: d.inputs[0], output: d.output)
        case let .softmax(width):
            return .softmax(width: width, input: d.inputs[0], output: d.output)
        case let .add(count):
            return .add(count: count, a: d.inputs[0], b: d.inputs[1], activation: d.activation, output: d.output)
        case .flatten:
            preconditionFailure("flatten never becomes a step")
        }
    }
}
