#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import LoupeKernels
import LoupeModel
import LoupeTensor

/// A ``ModelGraph`` run forward and backward for one batch size over a ``ParameterStore``.
///
/// Every value (layer output) has an activation buffer and a gradient buffer, `(B, shape...)`,
/// carved once from two arenas; per-layer saved state (max-pool argmax, BN statistics) and all
/// kernel scratch (``TrainingScratch``) are allocated once too: a step never allocates (with
/// `threads > 1` each parallel dispatch boxes its closure, see docs/training.md "Speed").
/// A final `softmax` layer is the loss head: ``logits`` is its input and ``step`` fuses it
/// with cross-entropy.
///
/// Speed and determinism (docs/training.md "Speed"): convolutions, batch norm, ReLU and the
/// residual add run image by image on `threads` threads (``Parallel/forEachItem``). Every
/// reduction over the batch (conv weight/bias gradients, BN statistics and their gradient sums)
/// goes through per-image partials summed in image order, so the results are the same bits for
/// any thread count and any scheduling. A BN whose output only feeds a ReLU is fused with it.
/// A gradient buffer is overwritten by the first backward that reaches it and accumulated by
/// the others (residual joins), so the gradient arena is never cleared.
public final class TrainingNetwork {
    public let graph: ModelGraph
    public let batch: Int
    public let threads: Int
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
    let probabilityBuffer: UnsafeMutablePointer<Float>
    let plans: [LayerPlan]
    let scratch: TrainingScratch
    /// Current input `(B, C, H, W)` (valid during ``step``).
    var input: UnsafePointer<Float>?

    /// When true, ``step`` adds each layer's forward and backward wall time to ``forwardSeconds``
    /// and ``backwardSeconds`` (a fused ReLU's time counts to its batch norm).
    public var recordsTimings = false
    public private(set) var forwardSeconds: [Double]
    public private(set) var backwardSeconds: [Double]

    /// How one layer runs, decided once.
    struct LayerPlan {
        var geometry: ConvGeometry?
        /// BN only: index of the ReLU fused into it (it writes that ReLU's output).
        var fusedReLU: Int?
        /// This ReLU runs inside the BN before it.
        var fusedIntoPrevious = false
        /// Conv only: the BN reading this conv's output (its only reader) takes its per-image
        /// moments right after each image's convolution, while the output is still in L2.
        var momentsForBatchNorm: Int?
        /// BN only: index of the conv producing its input (its only reader); the BN input gradient
        /// and that conv's backward run image by image in one pass (`dY` stays in L2).
        var convBackwardFused: Int?
        /// Conv only: its backward runs inside the BN after it.
        var backwardFusedIntoNext = false
        /// Per input: whether this layer's backward adds into that input's gradient (false: it is
        /// the first to reach it in the backward order, so it overwrites).
        var accumulates: [Bool] = []
    }

    /// - Parameters:
    ///   - model: the architecture and starting weights.
    ///   - batch: images per ``step``.
    ///   - threads: threads a step may use (1 runs everything on the caller).
    /// - Throws: ``TrainingError`` for a grouped conv or a softmax anywhere but last.
    public init(model: Model, batch: Int, threads: Int = 2) throws {
        precondition(batch > 0, "TrainingNetwork: batch must be positive")
        precondition(threads > 0, "TrainingNetwork: threads must be positive")
        graph = model.graph
        self.batch = batch
        self.threads = threads
        store = ParameterStore(model: model)
        let layers = graph.layers
        layerCount = layers.last?.op == .softmax ? layers.count - 1 : layers.count
        var total = 0
        for (index, layer) in layers.enumerated() {
            switch layer.operation {
            case let .conv(g, _) where g.groups != 1:
                throw TrainingError.unsupportedLayer(layer: layer.name, reason: "grouped convolution (groups \(g.groups)) has no backward yet")
            case .softmax where index != layers.count - 1:
                throw TrainingError.unsupportedLayer(layer: layer.name, reason: "softmax is only supported as the last layer (the loss head)")
            default: break
            }
            if index >= layerCount { continue }
            let count = layer.outputCount
            offsets[layer.name] = total
            valueCounts[layer.name] = count
            total += batch * count
        }
        arenaCount = total
        activations = .allocate(capacity: max(1, total))
        activations.initialize(repeating: 0, count: max(1, total))
        gradients = .allocate(capacity: max(1, total))
        gradients.initialize(repeating: 0, count: max(1, total))
        let classes = layers[layerCount - 1].outputShape.reduce(1, *)
        probabilityBuffer = .allocate(capacity: batch * classes)
        probabilityBuffer.initialize(repeating: 0, count: batch * classes)
        for (index, layer) in layers.prefix(layerCount).enumerated() {
            switch layer.op {
            case .batchnorm: bnState[index] = .allocate(capacity: 2 * layer.outputShape[0])
            case .maxpool: argmax[index] = .allocate(capacity: batch * layer.outputShape.reduce(1, *))
            default: break
            }
        }
        plans = Self.plan(layers: Array(layers.prefix(layerCount)))
        scratch = TrainingScratch(graph: graph, layerCount: layerCount, batch: batch, threads: threads)
        forwardSeconds = [Double](repeating: 0, count: layerCount)
        backwardSeconds = [Double](repeating: 0, count: layerCount)
    }

    deinit {
        activations.deallocate()
        gradients.deallocate()
        probabilityBuffer.deallocate()
        bnState.values.forEach { $0.deallocate() }
        argmax.values.forEach { $0.deallocate() }
    }

    /// Fusions and overwrite-or-accumulate flags.
    static func plan(layers: [ModelGraph.Layer]) -> [LayerPlan] {
        var plans = [LayerPlan](repeating: LayerPlan(), count: layers.count)
        for (index, layer) in layers.enumerated() {
            plans[index].geometry = layer.convGeometry
            if layer.op == .batchnorm, index + 1 < layers.count, layers[index + 1].op == .relu,
               layers[index + 1].inputs == [layer.name], layer.useCount == 1 {
                plans[index].fusedReLU = index + 1
                plans[index + 1].fusedIntoPrevious = true
            }
            if layer.op == .batchnorm, index > 0, layers[index - 1].op == .conv, layer.inputs == [layers[index - 1].name],
               layers[index - 1].useCount == 1 {
                plans[index - 1].momentsForBatchNorm = index
                plans[index].convBackwardFused = index - 1
                plans[index - 1].backwardFusedIntoNext = true
            }
        }
        // Backward order: the last layer first; within a layer, inputs in order.
        var reached: Set<String> = []
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            plans[index].accumulates = layers[index].inputs.map { name in !reached.insert(name).inserted }
        }
        return plans
    }

    /// Classes K: the width of ``logits``.
    public var classes: Int { graph.layers[layerCount - 1].outputShape.reduce(1, *) }
    /// `(B, K)` the loss head's input after ``forward``.
    public var logits: UnsafePointer<Float> { UnsafePointer(activations + offsets[graph.layers[layerCount - 1].name]!) }
    /// `(B, K)` softmax of ``logits`` after ``step``.
    public var probabilities: UnsafePointer<Float> { UnsafePointer(probabilityBuffer) }

    func value(_ name: String) -> UnsafePointer<Float> {
        name == ModelGraph.inputName ? input! : UnsafePointer(activations + offsets[name]!)
    }

    func gradient(_ name: String) -> UnsafeMutablePointer<Float>? {
        name == ModelGraph.inputName ? nil : gradients + offsets[name]!
    }

    /// Runs `body(worker, image)` for every image of the batch on the network's threads.
    @inline(__always)
    func forEachImage(_ body: (_ worker: Int, _ image: Int) -> Void) {
        Parallel.forEachItem(count: batch, threads: threads) { worker, images in
            for b in images { body(worker, b) }
        }
    }

    /// How batch norm normalises in ``forward(input:)``.
    public enum Mode: Sendable {
        /// Batch statistics, running statistics updated (what ``step`` uses).
        case training
        /// Running statistics, nothing updated: the network as the inference engine runs it.
        case evaluation
    }

    /// Forward mode; ``step`` needs `.training`.
    public var mode = Mode.training

    /// Forward pass (in ``mode``); the loss head's input is left in ``logits``.
    /// - Parameter input: `(B, C, H, W)` as ``ModelGraph/inputShape``; must stay valid until the backward.
    public func forward(input: UnsafePointer<Float>) {
        self.input = input
        for (index, layer) in graph.layers.prefix(layerCount).enumerated() where !plans[index].fusedIntoPrevious {
            let start = recordsTimings ? MonotonicClock.seconds() : 0
            forwardLayer(index, layer)
            if recordsTimings { forwardSeconds[index] += MonotonicClock.seconds() - start }
        }
    }

    func forwardLayer(_ index: Int, _ layer: ModelGraph.Layer) {
        let x = value(layer.inputs[0]), y = activations + offsets[layer.name]!
        let inShape = layer.inputShapes[0], perImage = valueCounts[layer.name]!, count = batch * perImage
        let inPerImage = inShape.reduce(1, *)
        switch layer.op {
        case .conv:
            let g = plans[index].geometry!
            let packed = scratch.packed + scratch.packedForward[index]!
            ConvTrainingKernels.packWeights(g, weights: store.parameter(layer: index, "weight")!, into: packed)
            let bias = store.parameter(layer: index, "bias").map { UnsafePointer($0) }
            let moments = plans[index].momentsForBatchNorm != nil, statistics = scratch.statistics
            let spatial = g.outHeight * g.outWidth
            forEachImage { worker, b in
                ConvTrainingKernels.forward(g, input: x + b * g.inputCount, packedWeights: packed, bias: bias,
                                            output: y + b * g.outputCount, accumulate: false, scratch: scratch.worker(worker))
                if moments {
                    BatchNormLayer.moments(channels: g.outChannels, spatial: spatial, input: y + b * g.outputCount,
                                           into: statistics + b * g.outChannels * 2)
                }
            }
        case .batchnorm:
            guard case let .batchNorm(c, spatial, epsilon) = layer.operation else { preconditionFailure("batchnorm without its operation") }
            let state = bnState[index]!, statistics = scratch.statistics
            if mode == .evaluation {
                // Running statistics, as the inference engine folds them: mean and 1/sqrt(var + eps).
                let runningMean = store.parameter(layer: index, "mean")!, runningVar = store.parameter(layer: index, "var")!
                for ch in 0..<c {
                    state[ch] = runningMean[ch]
                    state[c + ch] = 1 / (runningVar[ch] + epsilon).squareRoot()
                }
            } else {
                if index == 0 || plans[index - 1].momentsForBatchNorm != index {
                    forEachImage { _, b in
                        BatchNormLayer.moments(channels: c, spatial: spatial, input: x + b * inPerImage, into: statistics + b * c * 2)
                    }
                }
                BatchNormLayer.combineMoments(batch: batch, channels: c, spatial: spatial, partials: statistics, epsilon: epsilon,
                                              saveMean: state, saveInvStd: state + c, runningMean: store.parameter(layer: index, "mean"),
                                              runningVar: store.parameter(layer: index, "var"), momentum: 0.1)
            }
            let gamma = store.parameter(layer: index, "gamma")!, beta = store.parameter(layer: index, "beta")!
            let fused = plans[index].fusedReLU
            let out = fused.map { activations + offsets[graph.layers[$0].name]! } ?? y
            forEachImage { _, b in
                BatchNormLayer.normalize(channels: c, spatial: spatial, input: x + b * inPerImage, gamma: gamma, beta: beta, mean: state,
                                         invStd: state + c, relu: fused != nil, output: out + b * inPerImage)
            }
        case .relu:
            forEachImage { _, b in ReLULayer.forward(count: perImage, input: x + b * perImage, output: y + b * perImage) }
        case .maxpool:
            let g = layer.poolGeometry!, a = argmax[index]!
            forEachImage { _, b in
                MaxPoolLayer.forward(g, batch: 1, input: x + b * inPerImage, output: y + b * perImage, argmax: a + b * perImage)
            }
        case .avgpool:
            let g = layer.poolGeometry!, includePad = countIncludePad(layer)
            forEachImage { _, b in
                AvgPoolLayer.forward(g, batch: 1, countIncludePad: includePad, input: x + b * inPerImage, output: y + b * perImage)
            }
        case .globalavgpool:
            GlobalAvgPoolLayer.forward(batch: batch, channels: inShape[0], spatial: inShape[1] * inShape[2], input: x, output: y)
        case .flatten:
            y.update(from: x, count: count)
        case .dense:
            DenseLayer.forward(batch: batch, inFeatures: inPerImage, outFeatures: layer.outputShape[0], input: x,
                               weights: store.parameter(layer: index, "weight")!, bias: store.parameter(layer: index, "bias"), output: y)
        case .add:
            let x2 = value(layer.inputs[1])
            forEachImage { _, b in
                ResidualAdd.forward(count: perImage, x + b * perImage, x2 + b * perImage, output: y + b * perImage)
            }
        case .softmax:
            preconditionFailure("softmax runs as the loss head")
        }
    }

    /// Backward from `dLogits (B, K)` already in the gradient arena: fills `store.gradients`
    /// (accumulating; zero them first) and every value's gradient.
    func backward() {
        for index in stride(from: layerCount - 1, through: 0, by: -1) where !plans[index].fusedIntoPrevious && !plans[index].backwardFusedIntoNext {
            let start = recordsTimings ? MonotonicClock.seconds() : 0
            backwardLayer(index, graph.layers[index])
            if recordsTimings { backwardSeconds[index] += MonotonicClock.seconds() - start }
        }
    }

    func backwardLayer(_ index: Int, _ layer: ModelGraph.Layer) {
        let plan = plans[index]
        let x = value(layer.inputs[0]), dx = gradient(layer.inputs[0]), accumulate = plan.accumulates[0]
        let y = UnsafePointer(activations + offsets[layer.name]!), dy = UnsafePointer(gradients + offsets[layer.name]!)
        let inShape = layer.inputShapes[0], perImage = valueCounts[layer.name]!, count = batch * perImage
        let inPerImage = inShape.reduce(1, *)
        /// For the small layers that only accumulate: clear a gradient they are first to reach.
        func prepared(_ d: UnsafeMutablePointer<Float>?, _ accumulate: Bool, _ n: Int) -> UnsafeMutablePointer<Float>? {
            if let d, !accumulate { d.update(repeating: 0, count: n) }
            return d
        }
        switch layer.op {
        case .conv:
            let conv = convBackward(index)
            forEachImage { worker, b in conv.run(worker: worker, image: b) }
            reduceConvGradients(index)
        case .batchnorm:
            let c = inShape[0], spatial = inPerImage / c, state = UnsafePointer(bnState[index]!)
            let statistics = scratch.statistics, coefficients = scratch.coefficients
            // Fused: the gradient arrives at the ReLU's output and is masked by it.
            let fused = plan.fusedReLU.map { graph.layers[$0].name }
            let dz = fused.map { UnsafePointer(gradients + offsets[$0]!) } ?? dy
            let mask = fused.map { UnsafePointer(activations + offsets[$0]!) }
            forEachImage { _, b in
                BatchNormLayer.gradientSums(channels: c, spatial: spatial, dOutput: dz + b * inPerImage, input: x + b * inPerImage,
                                            mask: mask.map { $0 + b * inPerImage }, mean: state, into: statistics + b * c * 2)
            }
            BatchNormLayer.combineGradientSums(batch: batch, channels: c, spatial: spatial, partials: statistics,
                                               gamma: store.parameter(layer: index, "gamma")!, saveMean: state, saveInvStd: state + c,
                                               dGamma: store.gradient(layer: index, "gamma")!, dBeta: store.gradient(layer: index, "beta")!,
                                               coefficients: coefficients)
            if let convIndex = plan.convBackwardFused {
                // dx is the conv's output gradient: written per image, then at once used by the conv's backward.
                let conv = convBackward(convIndex)
                forEachImage { worker, b in
                    BatchNormLayer.applyGradient(channels: c, spatial: spatial, dOutput: dz + b * inPerImage, input: x + b * inPerImage,
                                                 mask: mask.map { $0 + b * inPerImage }, mean: state, coefficients: coefficients,
                                                 dInput: dx! + b * inPerImage, accumulate: accumulate)
                    conv.run(worker: worker, image: b)
                }
                reduceConvGradients(convIndex)
            } else if let dx {
                forEachImage { _, b in
                    BatchNormLayer.applyGradient(channels: c, spatial: spatial, dOutput: dz + b * inPerImage, input: x + b * inPerImage,
                                                 mask: mask.map { $0 + b * inPerImage }, mean: state, coefficients: coefficients,
                                                 dInput: dx + b * inPerImage, accumulate: accumulate)
                }
            }
        case .relu:
            if let dx {
                forEachImage { _, b in
                    let at = b * perImage
                    SIMDKernels.reluBackward(dx: dx + at, dy: dy + at, y: y + at, count: perImage, accumulate: accumulate)
                }
            }
        case .maxpool:
            if let dx = prepared(dx, accumulate, batch * inPerImage) {
                MaxPoolLayer.backward(layer.poolGeometry!, batch: batch, dInput: dx, dOutput: dy, argmax: argmax[index]!)
            }
        case .avgpool:
            if let dx = prepared(dx, accumulate, batch * inPerImage) {
                AvgPoolLayer.backward(layer.poolGeometry!, batch: batch, countIncludePad: countIncludePad(layer), dInput: dx, dOutput: dy)
            }
        case .globalavgpool:
            if let dx = prepared(dx, accumulate, batch * inPerImage) {
                GlobalAvgPoolLayer.backward(batch: batch, channels: inShape[0], spatial: inShape[1] * inShape[2], dInput: dx, dOutput: dy)
            }
        case .flatten:
            if let dx { SIMDKernels.add(dx, dy, count: count, accumulate: accumulate) }
        case .dense:
            DenseLayer.backward(batch: batch, inFeatures: inPerImage, outFeatures: layer.outputShape[0], dInput: prepared(dx, accumulate, batch * inPerImage),
                                dWeights: store.gradient(layer: index, "weight")!, dBias: store.gradient(layer: index, "bias"),
                                dOutput: dy, input: x, weights: store.parameter(layer: index, "weight")!,
                                workspace: scratch.denseWorkspace, transposeScratch: scratch.denseTranspose)
        case .add:
            // The network input has no gradient buffer (nil); `x + x` gets dy twice (the second input accumulates).
            let dB = gradient(layer.inputs[1]), accumulateB = plan.accumulates[1]
            forEachImage { _, b in
                let at = b * perImage
                if let dx { SIMDKernels.add(dx + at, dy + at, count: perImage, accumulate: accumulate) }
                if let dB { SIMDKernels.add(dB + at, dy + at, count: perImage, accumulate: accumulateB) }
            }
        case .softmax:
            preconditionFailure("softmax runs as the loss head")
        }
    }

    /// The per-image part of conv layer `index`'s backward (weights packed for the input gradient
    /// on creation): ``ConvBackwardJob/run(worker:image:)`` writes the image's weight/bias partials
    /// and its input gradient. A struct, not a closure: a returned closure would be heap-allocated.
    func convBackward(_ index: Int) -> ConvBackwardJob {
        let layer = graph.layers[index], plan = plans[index], g = plan.geometry!
        let dx = gradient(layer.inputs[0])
        let packed = scratch.packed + scratch.packedInputGradient[index]!
        if dx != nil { ConvTrainingKernels.packInputGradientWeights(g, weights: store.parameter(layer: index, "weight")!, into: packed) }
        return ConvBackwardJob(geometry: g, input: value(layer.inputs[0]), dInput: dx, accumulate: plan.accumulates[0],
                               dOutput: UnsafePointer(gradients + offsets[layer.name]!), packed: UnsafePointer(packed),
                               hasBias: store.gradient(layer: index, "bias") != nil, scratch: scratch)
    }

    struct ConvBackwardJob {
        let geometry: ConvGeometry
        let input: UnsafePointer<Float>
        let dInput: UnsafeMutablePointer<Float>?
        let accumulate: Bool
        let dOutput: UnsafePointer<Float>
        let packed: UnsafePointer<Float>
        let hasBias: Bool
        unowned let scratch: TrainingScratch

        @inline(__always)
        func run(worker: Int, image b: Int) {
            let g = geometry
            ConvLayer.backwardImage(g, dInput: dInput.map { $0 + b * g.inputCount }, dInputAccumulates: accumulate,
                                    weightPartial: scratch.weightPartials + b * scratch.partialFloats,
                                    biasPartial: hasBias ? scratch.biasPartials + b * g.outChannels : nil,
                                    dOutput: dOutput + b * g.outputCount, input: input + b * g.inputCount,
                                    packedInputGradientWeights: packed, scratch: scratch.worker(worker))
        }
    }

    /// Conv layer `index`: weight and bias gradients `+=` the per-image partials summed in image
    /// order, output channels split over threads (each channel's sum is the same either way).
    func reduceConvGradients(_ index: Int) {
        let g = plans[index].geometry!, batch = batch
        let dWeights = store.gradient(layer: index, "weight")!, dBias = store.gradient(layer: index, "bias")
        let partials = scratch.weightPartials, partialFloats = scratch.partialFloats, biasPartials = scratch.biasPartials
        Parallel.forEachSlice(count: g.outChannels, threads: threads) { _, channels in
            ConvTrainingKernels.reduceWeightGradients(g, partials: partials, partialStride: partialFloats, images: batch,
                                                      dWeights: dWeights, channels: channels)
            if let dBias {
                for oc in channels {
                    var sum: Float = 0
                    for b in 0..<batch { sum += biasPartials[b * g.outChannels + oc] }
                    dBias[oc] += sum
                }
            }
        }
    }

    /// One training step's arithmetic: forward, softmax cross-entropy, zeroed gradients, backward.
    /// Leaves the gradients in `store.gradients` for an optimiser and the softmax in ``probabilities``.
    /// Returns the loss.
    /// - Parameters:
    ///   - input: `(B, C, H, W)`. targets: labels `(B)` or soft targets `(B, K)`. classWeights: `(K)` or nil.
    @discardableResult
    public func step(input: UnsafePointer<Float>, targets: CrossEntropyTargets, classWeights: UnsafePointer<Float>? = nil) -> Float {
        precondition(mode == .training, "TrainingNetwork.step: the network is in evaluation mode")
        forward(input: input)
        let k = classes
        let loss = SoftmaxCrossEntropy.forward(batch: batch, classes: k, logits: logits, targets: targets, classWeights: classWeights,
                                               probabilities: probabilityBuffer)
        store.zeroGradients()
        let dLogits = gradients + offsets[graph.layers[layerCount - 1].name]!
        dLogits.update(repeating: 0, count: batch * k)
        SoftmaxCrossEntropy.backward(batch: batch, classes: k, dLogits: dLogits, dLoss: 1, probabilities: probabilityBuffer,
                                     targets: targets, classWeights: classWeights)
        backward()
        return loss
    }

    /// Clears ``forwardSeconds`` and ``backwardSeconds``.
    public func resetTimings() {
        for i in 0..<layerCount { forwardSeconds[i] = 0; backwardSeconds[i] = 0 }
    }

    /// An average-pool layer's padding rule (false for every other layer).
    func countIncludePad(_ layer: ModelGraph.Layer) -> Bool {
        if case let .avgPool(_, countIncludePad) = layer.operation { return countIncludePad }
        return false
    }
}
