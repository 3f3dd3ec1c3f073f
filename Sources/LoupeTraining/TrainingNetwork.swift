import LoupeKernels
import LoupeModel

/// A ``ModelGraph`` run forward and backward for one batch size over a ``ParameterStore``.
///
/// Every value (layer output) has an activation buffer and a gradient buffer, `(B, shape...)`,
/// carved once from two arenas; per-layer saved state (max-pool argmax, BN statistics) is
/// allocated once too. A final `softmax` layer is the loss head: ``logits`` is its input and
/// ``step`` fuses it with cross-entropy. Gradients flowing into a value from several readers
/// (residual joins) add up because every backward accumulates.
public final class TrainingNetwork {
    public let graph: ModelGraph
    public let batch: Int
    public let store: ParameterStore
    /// Layers run in training; a trailing softmax is left out (it is the loss head).
    let layerCount: Int
    /// Per value name: offset of its `(B, ...)` buffer in both arenas. The input has none (read from the caller).
    var offsets: [String: Int] = [:]
    var valueCounts: [String: Int] = [:]
    let activations: UnsafeMutablePointer<Float>
    let gradients: UnsafeMutablePointer<Float>
    let arenaCount: Int
    /// Per layer: BN `[mean (C) | invStd (C)]` floats, max-pool argmax `(B, C, OH, OW)`.
    var bnState: [Int: UnsafeMutablePointer<Float>] = [:]
    var argmax: [Int: UnsafeMutablePointer<Int32>] = [:]
    let probabilities: UnsafeMutablePointer<Float>
    /// Current input `(B, C, H, W)` (valid during ``step``).
    var input: UnsafePointer<Float>?

    /// - Throws: ``TrainingError`` for a grouped conv or a softmax anywhere but last.
    public init(model: Model, batch: Int) throws {
        precondition(batch > 0, "TrainingNetwork: batch must be positive")
        graph = model.graph
        self.batch = batch
        store = ParameterStore(model: model)
        let layers = graph.layers
        layerCount = layers.last?.op == .softmax ? layers.count - 1 : layers.count
        var total = 0
        for (index, layer) in layers.enumerated() {
            switch layer.op {
            case .conv where (layer.spec.groups ?? 1) != 1:
                throw TrainingError.unsupportedLayer(layer: layer.spec.name, reason: "grouped convolution (groups \(layer.spec.groups!)) has no backward yet")
            case .softmax where index != layers.count - 1:
                throw TrainingError.unsupportedLayer(layer: layer.spec.name, reason: "softmax is only supported as the last layer (the loss head)")
            default: break
            }
            if index >= layerCount { continue }
            let count = layer.outputShape.reduce(1, *)
            offsets[layer.spec.name] = total
            valueCounts[layer.spec.name] = count
            total += batch * count
        }
        arenaCount = total
        activations = .allocate(capacity: max(1, total))
        activations.initialize(repeating: 0, count: max(1, total))
        gradients = .allocate(capacity: max(1, total))
        gradients.initialize(repeating: 0, count: max(1, total))
        let classes = layers[layerCount - 1].outputShape.reduce(1, *)
        probabilities = .allocate(capacity: batch * classes)
        for (index, layer) in layers.prefix(layerCount).enumerated() {
            switch layer.op {
            case .batchnorm: bnState[index] = .allocate(capacity: 2 * layer.outputShape[0])
            case .maxpool: argmax[index] = .allocate(capacity: batch * layer.outputShape.reduce(1, *))
            default: break
            }
        }
    }

    deinit {
        activations.deallocate()
        gradients.deallocate()
        probabilities.deallocate()
        bnState.values.forEach { $0.deallocate() }
        argmax.values.forEach { $0.deallocate() }
    }

    /// Classes K: the width of ``logits``.
    public var classes: Int { graph.layers[layerCount - 1].outputShape.reduce(1, *) }
    /// `(B, K)` the loss head's input after ``forward``.
    public var logits: UnsafePointer<Float> { UnsafePointer(activations + offsets[graph.layers[layerCount - 1].spec.name]!) }

    func value(_ name: String) -> UnsafePointer<Float> {
        name == ModelGraph.inputName ? input! : UnsafePointer(activations + offsets[name]!)
    }

    func gradient(_ name: String) -> UnsafeMutablePointer<Float>? {
        name == ModelGraph.inputName ? nil : gradients + offsets[name]!
    }

    /// Forward in training mode (batch statistics; running statistics updated).
    /// - Parameter input: `(B, C, H, W)` as ``ModelGraph/inputShape``; must stay valid until the backward.
    public func forward(input: UnsafePointer<Float>) {
        self.input = input
        for (index, layer) in graph.layers.prefix(layerCount).enumerated() {
            let x = value(layer.inputs[0]), y = activations + offsets[layer.spec.name]!
            let inShape = layer.inputShapes[0], count = batch * valueCounts[layer.spec.name]!
            switch layer.op {
            case .conv:
                ConvLayer.forward(convGeometry(layer), batch: batch, input: x, weights: store.parameter(layer: index, "weight")!,
                                  bias: store.parameter(layer: index, "bias"), output: y)
            case .batchnorm:
                let c = inShape[0], state = bnState[index]!
                BatchNormLayer.forward(batch: batch, channels: c, spatial: inShape.dropFirst().reduce(1, *), input: x,
                                       gamma: store.parameter(layer: index, "gamma")!, beta: store.parameter(layer: index, "beta")!,
                                       epsilon: layer.spec.epsilon ?? 1e-5, output: y, saveMean: state, saveInvStd: state + c,
                                       runningMean: store.parameter(layer: index, "mean"), runningVar: store.parameter(layer: index, "var"))
            case .relu:
                ReLULayer.forward(count: count, input: x, output: y)
            case .maxpool:
                MaxPoolLayer.forward(poolGeometry(layer), batch: batch, input: x, output: y, argmax: argmax[index]!)
            case .avgpool:
                AvgPoolLayer.forward(poolGeometry(layer), batch: batch, countIncludePad: layer.spec.countIncludePad ?? false, input: x, output: y)
            case .globalavgpool:
                GlobalAvgPoolLayer.forward(batch: batch, channels: inShape[0], spatial: inShape[1] * inShape[2], input: x, output: y)
            case .flatten:
                y.update(from: x, count: count)
            case .dense:
                DenseLayer.forward(batch: batch, inFeatures: inShape.reduce(1, *), outFeatures: layer.outputShape[0], input: x,
                                   weights: store.parameter(layer: index, "weight")!, bias: store.parameter(layer: index, "bias"), output: y)
            case .add:
                ResidualAdd.forward(count: count, x, value(layer.inputs[1]), output: y)
            case .softmax:
                preconditionFailure("softmax runs as the loss head")
            }
        }
    }

    /// Backward from `dLogits (B, K)` already in the gradient arena: fills `store.gradients`
    /// (accumulating; zero them first) and every value's gradient.
    func backward() {
        for index in stride(from: layerCount - 1, through: 0, by: -1) {
            let layer = graph.layers[index]
            let x = value(layer.inputs[0]), dx = gradient(layer.inputs[0])
            let y = UnsafePointer(activations + offsets[layer.spec.name]!), dy = UnsafePointer(gradients + offsets[layer.spec.name]!)
            let inShape = layer.inputShapes[0], count = batch * valueCounts[layer.spec.name]!
            switch layer.op {
            case .conv:
                ConvLayer.backward(convGeometry(layer), batch: batch, dInput: dx, dWeights: store.gradient(layer: index, "weight")!,
                                   dBias: store.gradient(layer: index, "bias"), dOutput: dy, input: x, weights: store.parameter(layer: index, "weight")!)
            case .batchnorm:
                let c = inShape[0], state = bnState[index]!
                BatchNormLayer.backward(batch: batch, channels: c, spatial: inShape.dropFirst().reduce(1, *), dInput: dx,
                                        dGamma: store.gradient(layer: index, "gamma")!, dBeta: store.gradient(layer: index, "beta")!,
                                        dOutput: dy, input: x, gamma: store.parameter(layer: index, "gamma")!,
                                        saveMean: state, saveInvStd: state + c)
            case .relu:
                if let dx { ReLULayer.backward(count: count, dInput: dx, dOutput: dy, output: y) }
            case .maxpool:
                if let dx { MaxPoolLayer.backward(poolGeometry(layer), batch: batch, dInput: dx, dOutput: dy, argmax: argmax[index]!) }
            case .avgpool:
                if let dx { AvgPoolLayer.backward(poolGeometry(layer), batch: batch, countIncludePad: layer.spec.countIncludePad ?? false, dInput: dx, dOutput: dy) }
            case .globalavgpool:
                if let dx { GlobalAvgPoolLayer.backward(batch: batch, channels: inShape[0], spatial: inShape[1] * inShape[2], dInput: dx, dOutput: dy) }
            case .flatten:
                if let dx { for i in 0..<count { dx[i] += dy[i] } }
            case .dense:
                DenseLayer.backward(batch: batch, inFeatures: inShape.reduce(1, *), outFeatures: layer.outputShape[0], dInput: dx,
                                    dWeights: store.gradient(layer: index, "weight")!, dBias: store.gradient(layer: index, "bias"),
                                    dOutput: dy, input: x, weights: store.parameter(layer: index, "weight")!)
            case .add:
                // The network input has no gradient buffer (nil); `x + x` gets dy twice, as it should.
                if let dx { for i in 0..<count { dx[i] += dy[i] } }
                if let dB = gradient(layer.inputs[1]) { for i in 0..<count { dB[i] += dy[i] } }
            case .softmax:
                preconditionFailure("softmax runs as the loss head")
            }
        }
    }

    /// One training step's arithmetic: forward, softmax cross-entropy, zeroed gradients, backward.
    /// Leaves the gradients in `store.gradients` for an optimiser. Returns the loss.
    /// - Parameters:
    ///   - input: `(B, C, H, W)`. targets: labels `(B)` or soft targets `(B, K)`. classWeights: `(K)` or nil.
    @discardableResult
    public func step(input: UnsafePointer<Float>, targets: CrossEntropyTargets, classWeights: UnsafePointer<Float>? = nil) -> Float {
        forward(input: input)
        let k = classes
        let loss = SoftmaxCrossEntropy.forward(batch: batch, classes: k, logits: logits, targets: targets, classWeights: classWeights,
                                               probabilities: probabilities)
        store.zeroGradients()
        gradients.update(repeating: 0, count: arenaCount)
        SoftmaxCrossEntropy.backward(batch: batch, classes: k, dLogits: gradients + offsets[graph.layers[layerCount - 1].spec.name]!,
                                     dLoss: 1, probabilities: probabilities, targets: targets, classWeights: classWeights)
        backward()
        return loss
    }

    func convGeometry(_ layer: ModelGraph.Layer) -> ConvGeometry {
        let s = layer.inputShapes[0]
        return ConvGeometry(inChannels: s[0], outChannels: layer.outputShape[0], inHeight: s[1], inWidth: s[2], kernel: layer.spec.kernel!,
                            stride: layer.spec.stride ?? 1, padding: layer.spec.padding ?? 0, groups: 1)
    }

    func poolGeometry(_ layer: ModelGraph.Layer) -> PoolGeometry {
        let s = layer.inputShapes[0], k = layer.spec.kernel!
        return PoolGeometry(channels: s[0], inHeight: s[1], inWidth: s[2], kernel: k, stride: layer.spec.stride ?? k, padding: layer.spec.padding ?? 0)
    }
}
