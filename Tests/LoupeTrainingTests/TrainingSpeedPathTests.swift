import XCTest
import LoupeKernels
import LoupeModel
@testable import LoupeTraining
import LoupeTestSupport

/// The fast training path (docs/training.md "Speed"): SIMD layer loops against their scalar
/// twins, the per-image conv kernels in overwrite mode and at the ElpvNet shapes, bit-for-bit
/// determinism across runs and thread counts, and no allocation per step.
final class TrainingSpeedPathTests: XCTestCase {
    /// Lengths around the 16-lane vector and the 32-float unrolled loops.
    static let lengths = [0, 1, 15, 16, 17, 31, 32, 33, 47, 64, 100]

    /// The fast path against its scalar twin, within `tolerance` of the twin's largest magnitude.
    func assertMatchesTwin(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let scale = max(b.map(abs).max() ?? 0, 1e-20)
        assertClose(a, b, absolute: tolerance * scale, relative: 0, "\(name): fast path differs from the scalar twin", file: file, line: line)
    }

    func testReLUSIMDMatchesScalarTwin() {
        for n in Self.lengths {
            var rng = SplitMix64(seed: 300 + UInt64(n))
            let x = AlignedBuffer(rng.floats(n)), dy = AlignedBuffer(rng.floats(n)), start = rng.floats(n)
            let yFast = AlignedBuffer(zeros: n), yRef = AlignedBuffer(zeros: n)
            ReLULayer.forward(count: n, input: x.p, output: yFast.p)
            ReLULayer.forwardReference(count: n, input: x.p, output: yRef.p)
            XCTAssertEqual(yFast.array, yRef.array, "relu forward n=\(n)")
            let dxFast = AlignedBuffer(start), dxRef = AlignedBuffer(start)
            ReLULayer.backward(count: n, dInput: dxFast.p, dOutput: dy.p, output: yRef.p)
            ReLULayer.backwardReference(count: n, dInput: dxRef.p, dOutput: dy.p, output: yRef.p)
            XCTAssertEqual(dxFast.array, dxRef.array, "relu backward n=\(n)")
            // Overwrite mode (the network's first writer) = accumulate onto zeros.
            let dxOver = AlignedBuffer(start), dxZero = AlignedBuffer(zeros: n)
            SIMDKernels.reluBackward(dx: dxOver.p, dy: dy.p, y: yRef.p, count: n, accumulate: false)
            ReLULayer.backwardReference(count: n, dInput: dxZero.p, dOutput: dy.p, output: yRef.p)
            XCTAssertEqual(dxOver.array, dxZero.array, "relu backward overwrite n=\(n)")
        }
    }

    func testBatchNormSIMDMatchesScalarTwin() {
        for (batch, channels, spatial) in [(3, 2, 1), (2, 3, 15), (2, 2, 33), (4, 3, 100), (2, 1, 1024)] {
            var rng = SplitMix64(seed: 400 + UInt64(spatial))
            let count = batch * channels * spatial
            // Far from zero on purpose: the variance must not lose digits.
            let x = AlignedBuffer(rng.floats(count).map { $0 * 3 + 5 }), dy = AlignedBuffer(rng.floats(count))
            let gamma = AlignedBuffer(rng.floats(channels).map { 1 + 0.5 * $0 }), beta = AlignedBuffer(rng.floats(channels))
            let yFast = AlignedBuffer(zeros: count), yRef = AlignedBuffer(zeros: count)
            let mFast = AlignedBuffer(zeros: channels), sFast = AlignedBuffer(zeros: channels), mRef = AlignedBuffer(zeros: channels), sRef = AlignedBuffer(zeros: channels)
            let rmFast = AlignedBuffer(zeros: channels), rvFast = AlignedBuffer([Float](repeating: 1, count: channels))
            let rmRef = AlignedBuffer(zeros: channels), rvRef = AlignedBuffer([Float](repeating: 1, count: channels))
            BatchNormLayer.forward(batch: batch, channels: channels, spatial: spatial, input: x.p, gamma: gamma.p, beta: beta.p, epsilon: 1e-5,
                                   output: yFast.p, saveMean: mFast.p, saveInvStd: sFast.p, runningMean: rmFast.p, runningVar: rvFast.p)
            BatchNormLayer.forwardReference(batch: batch, channels: channels, spatial: spatial, input: x.p, gamma: gamma.p, beta: beta.p, epsilon: 1e-5,
                                            output: yRef.p, saveMean: mRef.p, saveInvStd: sRef.p, runningMean: rmRef.p, runningVar: rvRef.p)
            let shape = "(\(batch), \(channels), \(spatial))"
            assertMatchesTwin(yFast.array, yRef.array, "bn forward \(shape)")
            assertMatchesTwin(mFast.array, mRef.array, tolerance: 1e-6, "bn mean \(shape)")
            assertMatchesTwin(sFast.array, sRef.array, "bn invStd \(shape)")
            assertMatchesTwin(rvFast.array, rvRef.array, "bn running var \(shape)")
            let start = rng.floats(count)
            let dxFast = AlignedBuffer(start), dxRef = AlignedBuffer(start)
            let dgFast = AlignedBuffer(zeros: channels), dbFast = AlignedBuffer(zeros: channels), dgRef = AlignedBuffer(zeros: channels), dbRef = AlignedBuffer(zeros: channels)
            BatchNormLayer.backward(batch: batch, channels: channels, spatial: spatial, dInput: dxFast.p, dGamma: dgFast.p, dBeta: dbFast.p,
                                    dOutput: dy.p, input: x.p, gamma: gamma.p, saveMean: mRef.p, saveInvStd: sRef.p)
            BatchNormLayer.backwardReference(batch: batch, channels: channels, spatial: spatial, dInput: dxRef.p, dGamma: dgRef.p, dBeta: dbRef.p,
                                             dOutput: dy.p, input: x.p, gamma: gamma.p, saveMean: mRef.p, saveInvStd: sRef.p)
            assertMatchesTwin(dxFast.array, dxRef.array, "bn dX \(shape)")
            assertMatchesTwin(dgFast.array, dgRef.array, "bn dGamma \(shape)")
            assertMatchesTwin(dbFast.array, dbRef.array, "bn dBeta \(shape)")
        }
    }

    /// BN fused with the ReLU after it: normalise-then-clamp in one loop, and the backward masked by
    /// the ReLU output, against the two layers run separately through their scalar twins.
    func testBatchNormFusedWithReLUMatchesSeparateLayers() {
        let (batch, channels, spatial) = (3, 4, 37)
        var rng = SplitMix64(seed: 500)
        let count = batch * channels * spatial
        let x = AlignedBuffer(rng.floats(count)), dr = AlignedBuffer(rng.floats(count))
        let gamma = AlignedBuffer(rng.floats(channels).map { 1 + 0.5 * $0 }), beta = AlignedBuffer(rng.floats(channels))
        let mean = AlignedBuffer(zeros: channels), invStd = AlignedBuffer(zeros: channels)
        let bnOut = AlignedBuffer(zeros: count), reluRef = AlignedBuffer(zeros: count)
        BatchNormLayer.forwardReference(batch: batch, channels: channels, spatial: spatial, input: x.p, gamma: gamma.p, beta: beta.p, epsilon: 1e-5,
                                        output: bnOut.p, saveMean: mean.p, saveInvStd: invStd.p)
        ReLULayer.forwardReference(count: count, input: bnOut.p, output: reluRef.p)
        let image = channels * spatial
        let reluFast = AlignedBuffer(zeros: count)
        for b in 0..<batch {
            BatchNormLayer.normalize(channels: channels, spatial: spatial, input: x.p + b * image, gamma: gamma.p, beta: beta.p, mean: mean.p,
                                     invStd: invStd.p, relu: true, output: reluFast.p + b * image)
        }
        assertMatchesTwin(reluFast.array, reluRef.array, "fused forward")

        let dz = AlignedBuffer(zeros: count), dxRef = AlignedBuffer(zeros: count)
        let dg = AlignedBuffer(zeros: channels), db = AlignedBuffer(zeros: channels)
        ReLULayer.backwardReference(count: count, dInput: dz.p, dOutput: dr.p, output: reluRef.p)
        BatchNormLayer.backwardReference(batch: batch, channels: channels, spatial: spatial, dInput: dxRef.p, dGamma: dg.p, dBeta: db.p,
                                         dOutput: dz.p, input: x.p, gamma: gamma.p, saveMean: mean.p, saveInvStd: invStd.p)
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: batch * channels * 2)
        let coefficients = AlignedBuffer(zeros: channels * 3)
        defer { partial.deallocate() }
        let dgFast = AlignedBuffer(zeros: channels), dbFast = AlignedBuffer(zeros: channels)
        let dxFast = AlignedBuffer(rng.floats(count)) // overwrite mode: the start values must vanish
        for b in 0..<batch {
            BatchNormLayer.gradientSums(channels: channels, spatial: spatial, dOutput: dr.p + b * image, input: x.p + b * image,
                                        mask: reluFast.p + b * image, mean: mean.p, into: partial + b * channels * 2)
        }
        BatchNormLayer.combineGradientSums(batch: batch, channels: channels, spatial: spatial, partials: partial, gamma: gamma.p, saveMean: mean.p,
                                           saveInvStd: invStd.p, dGamma: dgFast.p, dBeta: dbFast.p, coefficients: coefficients.p)
        for b in 0..<batch {
            BatchNormLayer.applyGradient(channels: channels, spatial: spatial, dOutput: dr.p + b * image, input: x.p + b * image,
                                         mask: reluFast.p + b * image, mean: mean.p, coefficients: coefficients.p, dInput: dxFast.p + b * image,
                                         accumulate: false)
        }
        assertMatchesTwin(dxFast.array, dxRef.array, "fused dX")
        assertMatchesTwin(dgFast.array, dg.array, "fused dGamma")
        assertMatchesTwin(dbFast.array, db.array, "fused dBeta")
    }

    /// The per-image conv kernels at the ElpvNet layer shapes (scaled down in space) and at
    /// channel counts that leave partial 8-row tiles, against the scalar twin; the input gradient
    /// in overwrite mode too (both forms: flipped-weight conv for stride 1, col2im for stride 2).
    func testConvKernelsAtNetworkShapes() {
        let geometries = [
            ConvGeometry(inChannels: 1, outChannels: 16, inHeight: 37, inWidth: 37, kernel: 3, stride: 2, padding: 1),  // stem
            ConvGeometry(inChannels: 16, outChannels: 16, inHeight: 19, inWidth: 19, kernel: 3, stride: 1, padding: 1),
            ConvGeometry(inChannels: 16, outChannels: 32, inHeight: 19, inWidth: 19, kernel: 3, stride: 2, padding: 1),
            ConvGeometry(inChannels: 64, outChannels: 128, inHeight: 5, inWidth: 5, kernel: 3, stride: 2, padding: 1),
            ConvGeometry(inChannels: 5, outChannels: 11, inHeight: 9, inWidth: 13, kernel: 3, stride: 1, padding: 1),
            ConvGeometry(inChannels: 7, outChannels: 3, inHeight: 11, inWidth: 6, kernel: 5, stride: 3, padding: 1),
            ConvGeometry(inChannels: 40, outChannels: 9, inHeight: 70, inWidth: 70, kernel: 1),  // > one 2048-pixel block
            ConvGeometry(inChannels: 3, outChannels: 8, inHeight: 67, inWidth: 70, kernel: 3, stride: 2, padding: 1),  // vector col2im, odd height
        ]
        let batch = 2
        for (n, g) in geometries.enumerated() {
            var rng = SplitMix64(seed: 600 + UInt64(n))
            let x = AlignedBuffer(rng.floats(batch * g.inputCount)), w = AlignedBuffer(rng.floats(g.weightCount, scale: 0.2))
            let dy = AlignedBuffer(rng.floats(batch * g.outputCount))
            let yFast = AlignedBuffer(zeros: batch * g.outputCount), yRef = AlignedBuffer(zeros: batch * g.outputCount)
            ConvLayer.forward(g, batch: batch, input: x.p, weights: w.p, bias: nil, output: yFast.p)
            ConvLayer.forwardReference(g, batch: batch, input: x.p, weights: w.p, bias: nil, output: yRef.p)
            assertMatchesTwin(yFast.array, yRef.array, "forward \(g)")
            let dxRef = AlignedBuffer(zeros: x.count), dwRef = AlignedBuffer(zeros: w.count)
            ConvLayer.backwardReference(g, batch: batch, dInput: dxRef.p, dWeights: dwRef.p, dBias: nil, dOutput: dy.p, input: x.p, weights: w.p)
            let dwFast = AlignedBuffer(zeros: w.count)
            ConvLayer.backward(g, batch: batch, dInput: nil, dWeights: dwFast.p, dBias: nil, dOutput: dy.p, input: x.p, weights: w.p)
            assertMatchesTwin(dwFast.array, dwRef.array, "dW \(g)")
            // Input gradient, overwriting garbage.
            let packed = AlignedBuffer(zeros: ConvTrainingKernels.packedInputGradientWeightsCount(g))
            let scratch = AlignedBuffer(zeros: ConvTrainingKernels.inputGradientScratchCount(g))
            ConvTrainingKernels.packInputGradientWeights(g, weights: w.p, into: packed.p)
            let dxFast = AlignedBuffer(rng.floats(x.count))
            for b in 0..<batch {
                ConvTrainingKernels.inputGradient(g, dOutput: dy.p + b * g.outputCount, packedWeights: packed.p, dInput: dxFast.p + b * g.inputCount,
                                                  accumulate: false, scratch: scratch.p)
            }
            assertMatchesTwin(dxFast.array, dxRef.array, "dX overwrite \(g)")
        }
    }

    // MARK: network

    static func elpvModel(size: Int, seed: UInt64) throws -> Model {
        let spec = ReferenceArchitectures.elpvNetRefSpec(size: size)
        return try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: seed, randomStatistics: false))
    }

    /// Runs `steps` SGD steps on a fixed seeded batch; returns the parameters and losses.
    static func train(_ model: Model, batch: Int, threads: Int, steps: Int) throws -> (parameters: [Float], gradients: [Float], losses: [Float]) {
        let net = try TrainingNetwork(model: model, batch: batch, threads: threads)
        let input = model.spec.input
        var rng = SplitMix64(seed: 77)
        let x = AlignedBuffer(rng.floats(batch * input.channels * input.height * input.width))
        let labels = (0..<batch).map { Int32($0 % 2) }
        let sgd = SGDMomentum(learningRate: 0.05)
        var losses: [Float] = []
        labels.withUnsafeBufferPointer { y in
            for _ in 0..<steps {
                losses.append(net.step(input: x.p, targets: .labels(y.baseAddress!)))
                sgd.step(net.store)
            }
        }
        return (Array(UnsafeBufferPointer(start: net.store.parameters, count: net.store.count)),
                Array(UnsafeBufferPointer(start: net.store.gradients, count: net.store.count)), losses)
    }

    /// Same inputs and thread count → the same bits, run after run; and because every batch
    /// reduction goes through per-image partials summed in image order, 1 and 2 threads give the
    /// same bits too (stronger than the ~1e-5 the trainer needs).
    func testStepsAreBitIdenticalAcrossRunsAndThreadCounts() throws {
        let model = try Self.elpvModel(size: 48, seed: 31)
        let first = try Self.train(model, batch: 5, threads: 2, steps: 4)
        let second = try Self.train(model, batch: 5, threads: 2, steps: 4)
        let single = try Self.train(model, batch: 5, threads: 1, steps: 4)
        XCTAssertEqual(first.losses, second.losses)
        XCTAssertTrue(first.parameters == second.parameters, "two runs with 2 threads differ")
        XCTAssertTrue(first.gradients == second.gradients, "two runs with 2 threads: gradients differ")
        XCTAssertTrue(first.parameters == single.parameters, "1 and 2 threads differ")
        XCTAssertEqual(first.losses, single.losses)
        // The steps did something: parameters moved and the gradient is not zero.
        XCTAssertNotEqual(first.parameters, model.weights)
        XCTAssertGreaterThan(first.gradients.map { Double($0 * $0) }.reduce(0, +), 0)
        print("ElpvNet-48 losses (2 threads): \(first.losses)")
    }

    /// The fast network against the scalar twins on the same net: one step's gradients through
    /// `ConvLayer.backwardReference` etc. (the executor wired to the reference layers by hand is
    /// `DoubleGraph`; here a cheaper check: the loss gradient against finite differences would be
    /// too slow at this size, so compare with a reference-layer run of the same graph).
    func testNetworkGradientsMatchReferenceLayers() throws {
        // 24 px: every conv tiny; 72 px: the stride-2 input gradient's vector col2im runs (36x36 -> 18x18);
        // a stride-2-only net like the trainer's tiny net.
        var strided: [LayerSpec] = []
        for (i, c) in [8, 16, 32].enumerated() {
            strided += [LayerSpec(name: "c\(i)", op: .conv, outChannels: c, kernel: 3, stride: 2, padding: 1, bias: false),
                        LayerSpec(name: "c\(i).bn", op: .batchnorm), LayerSpec(name: "c\(i).relu", op: .relu)]
        }
        strided += [LayerSpec(name: "pool", op: .globalavgpool), LayerSpec(name: "fc", op: .dense, bias: true, outFeatures: 2),
                    LayerSpec(name: "prob", op: .softmax)]
        let stridedSpec = ModelSpec(name: "strided", input: InputSpec(channels: 1, height: 64, width: 64), classes: ["a", "b"], layers: strided)
        let specs = [ReferenceArchitectures.elpvNetRefSpec(size: 24), ReferenceArchitectures.elpvNetRefSpec(size: 72), stridedSpec]
        for (n, spec) in specs.enumerated() {
            let model = try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 41 + UInt64(n), randomStatistics: false))
            let batch = 3
            let net = try TrainingNetwork(model: model, batch: batch, threads: 2)
            var rng = SplitMix64(seed: 42)
            let input = model.spec.input
            let x = AlignedBuffer(rng.floats(batch * input.channels * input.height * input.width))
            let labels: [Int32] = [0, 1, 1]
            labels.withUnsafeBufferPointer { _ = net.step(input: x.p, targets: .labels($0.baseAddress!)) }
            let fast = Array(UnsafeBufferPointer(start: net.store.gradients, count: net.store.count))
            let reference = ReferenceGraphRun.gradients(model: model, batch: batch, input: x.p, labels: labels)
            for layer in model.graph.layers {
                for p in layer.parameters where p.name != "mean" && p.name != "var" {
                    let range = p.offset..<(p.offset + p.count)
                    assertMatchesTwin(Array(fast[range]), Array(reference[range]), tolerance: 1e-4, "\(spec.name) \(input.height) px \(layer.name).\(p.name)")
                }
            }
        }
    }

    // MARK: allocation

    /// Allocator calls made by `steps` steps after two warm-up steps.
    static func allocations(threads: Int, steps: Int) throws -> Int {
        let model = try elpvModel(size: 40, seed: 51)
        let batch = 4
        let net = try TrainingNetwork(model: model, batch: batch, threads: threads)
        let input = model.spec.input
        var rng = SplitMix64(seed: 52)
        let x = AlignedBuffer(rng.floats(batch * input.channels * input.height * input.width))
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
        defer { labels.deallocate() }
        for b in 0..<batch { labels[b] = Int32(b % 2) }
        let weights = AlignedBuffer([Float](repeating: 1, count: 2))
        net.step(input: x.p, targets: .labels(labels), classWeights: weights.p)
        net.step(input: x.p, targets: .labels(labels), classWeights: weights.p)
        let before = AllocationCounter.calls
        for _ in 0..<steps { net.step(input: x.p, targets: .labels(labels), classWeights: weights.p) }
        return AllocationCounter.calls - before
    }

    func testSingleThreadedStepMakesNoAllocatorCalls() throws {
        XCTAssertEqual(try Self.allocations(threads: 1, steps: 5), 0)
    }

    /// With 2 threads the only allocations are the spin pool's per-dispatch closure box (32 bytes):
    /// at most 2 dispatches per layer and pass (conv: images + reduction; BN: two passes each way),
    /// so at most 4 per layer per step (ElpvNet-ref: 29 layers before the loss head; measured 63 per step).
    func testTwoThreadStepAllocatesOnlyThePerDispatchBox() throws {
        let steps = 5
        let layers = try Self.elpvModel(size: 40, seed: 51).graph.layers.count - 1
        let calls = try Self.allocations(threads: 2, steps: steps)
        print("allocator calls per 2-thread step: \(Double(calls) / Double(steps))")
        XCTAssertLessThanOrEqual(calls, steps * 4 * layers)
    }
}

/// One step of a ``ModelGraph`` through the layers' scalar twins (`...Reference`), for
/// comparing the fast executor's gradients. Supports the ElpvNet ops (conv, BN, ReLU, GAP, dense).
enum ReferenceGraphRun {
    static func gradients(model: Model, batch: Int, input: UnsafePointer<Float>, labels: [Int32]) -> [Float] {
        let store = ParameterStore(model: model)
        let layers = model.graph.layers.filter { $0.op != .softmax }
        var values: [String: AlignedBuffer] = [:]
        var saved: [Int: (AlignedBuffer, AlignedBuffer)] = [:]
        func value(_ name: String) -> UnsafePointer<Float> { name == ModelGraph.inputName ? input : UnsafePointer(values[name]!.p) }
        for (index, layer) in layers.enumerated() {
            let out = AlignedBuffer(zeros: batch * layer.outputShape.reduce(1, *))
            let x = value(layer.inputs[0]), s = layer.inputShapes[0]
            switch layer.op {
            case .conv:
                ConvLayer.forwardReference(layer.convGeometry!, batch: batch, input: x, weights: store.parameter(layer: index, "weight")!,
                                           bias: store.parameter(layer: index, "bias"), output: out.p)
            case .batchnorm:
                let m = AlignedBuffer(zeros: s[0]), v = AlignedBuffer(zeros: s[0])
                guard case let .batchNorm(_, _, epsilon) = layer.operation else { preconditionFailure("batchnorm without its operation") }
                BatchNormLayer.forwardReference(batch: batch, channels: s[0], spatial: s.dropFirst().reduce(1, *), input: x,
                                                gamma: store.parameter(layer: index, "gamma")!, beta: store.parameter(layer: index, "beta")!,
                                                epsilon: epsilon, output: out.p, saveMean: m.p, saveInvStd: v.p)
                saved[index] = (m, v)
            case .relu:
                ReLULayer.forwardReference(count: out.count, input: x, output: out.p)
            case .globalavgpool:
                GlobalAvgPoolLayer.forward(batch: batch, channels: s[0], spatial: s[1] * s[2], input: x, output: out.p)
            case .dense:
                DenseLayer.forward(batch: batch, inFeatures: s.reduce(1, *), outFeatures: layer.outputShape[0], input: x,
                                   weights: store.parameter(layer: index, "weight")!, bias: store.parameter(layer: index, "bias"), output: out.p)
            default:
                preconditionFailure("ReferenceGraphRun: \(layer.op) not supported")
            }
            values[layer.name] = out
        }
        let k = layers.last!.outputShape[0]
        let probabilities = AlignedBuffer(zeros: batch * k)
        var grads: [String: AlignedBuffer] = [:]
        for layer in layers { grads[layer.name] = AlignedBuffer(zeros: batch * layer.outputShape.reduce(1, *)) }
        labels.withUnsafeBufferPointer { y in
            _ = SoftmaxCrossEntropy.forward(batch: batch, classes: k, logits: values[layers.last!.name]!.p, targets: .labels(y.baseAddress!),
                                            classWeights: nil, probabilities: probabilities.p)
            SoftmaxCrossEntropy.backward(batch: batch, classes: k, dLogits: grads[layers.last!.name]!.p, dLoss: 1, probabilities: probabilities.p,
                                         targets: .labels(y.baseAddress!), classWeights: nil)
        }
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[index], s = layer.inputShapes[0]
            let x = value(layer.inputs[0]), dx = layer.inputs[0] == ModelGraph.inputName ? nil : grads[layer.inputs[0]]!.p
            let dy = grads[layer.name]!.p, y = values[layer.name]!.p
            switch layer.op {
            case .conv:
                ConvLayer.backwardReference(layer.convGeometry!, batch: batch, dInput: dx, dWeights: store.gradient(layer: index, "weight")!,
                                            dBias: store.gradient(layer: index, "bias"), dOutput: dy, input: x, weights: store.parameter(layer: index, "weight")!)
            case .batchnorm:
                let (m, v) = saved[index]!
                BatchNormLayer.backwardReference(batch: batch, channels: s[0], spatial: s.dropFirst().reduce(1, *), dInput: dx,
                                                 dGamma: store.gradient(layer: index, "gamma")!, dBeta: store.gradient(layer: index, "beta")!,
                                                 dOutput: dy, input: x, gamma: store.parameter(layer: index, "gamma")!, saveMean: m.p, saveInvStd: v.p)
            case .relu:
                ReLULayer.backwardReference(count: batch * layer.outputShape.reduce(1, *), dInput: dx!, dOutput: dy, output: y)
            case .globalavgpool:
                GlobalAvgPoolLayer.backward(batch: batch, channels: s[0], spatial: s[1] * s[2], dInput: dx!, dOutput: dy)
            case .dense:
                DenseLayer.backwardReference(batch: batch, inFeatures: s.reduce(1, *), outFeatures: layer.outputShape[0], dInput: dx,
                                             dWeights: store.gradient(layer: index, "weight")!, dBias: store.gradient(layer: index, "bias"),
                                             dOutput: dy, input: x, weights: store.parameter(layer: index, "weight")!)
            default:
                preconditionFailure("ReferenceGraphRun: \(layer.op) not supported")
            }
        }
        return Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
    }
}
