import XCTest
import LoupeKernels
import LoupeModel
@testable import LoupeTraining
import LoupeTestSupport

/// A ``ModelGraph`` evaluated in Double from the definitions (training-mode BN), returning the
/// softmax cross-entropy loss and its kink signature: every ReLU input's sign and every max-pool
/// window's winner, so finite differences can skip steps that cross a kink.
enum DoubleGraph {
    static func loss(graph: ModelGraph, weights w: [Double], input: [Double], batch: Int, labels: [Int32]) -> (Double, [Int]) {
        var values: [String: [Double]] = [ModelGraph.inputName: input]
        var signature: [Int] = []
        func param(_ layer: ModelGraph.Layer, _ name: String) -> [Double]? {
            layer.parameter(name).map { Array(w[$0.offset..<($0.offset + $0.count)]) }
        }
        var last: [Double] = []
        for layer in graph.layers {
            let x = values[layer.inputs[0]]!, s = layer.inputShapes[0]
            let y: [Double]
            switch layer.operation {
            case let .conv(g, _):
                y = DoubleReference.conv(g, batch: batch, x: x, w: param(layer, "weight")!, bias: param(layer, "bias"))
            case let .batchNorm(channels, spatial, epsilon):
                y = DoubleReference.batchNorm(batch: batch, channels: channels, spatial: spatial, x: x,
                                              gamma: param(layer, "gamma")!, beta: param(layer, "beta")!, epsilon: Double(epsilon))
            case .relu:
                signature += x.map { $0 > 0 ? 1 : 0 }
                y = DoubleReference.relu(x)
            case let .maxPool(g):
                signature += maxPoolWinners(g, batch: batch, x: x)
                y = DoubleReference.pool(g, batch: batch, x: x, isMax: true, countIncludePad: false)
            case let .avgPool(g, countIncludePad):
                y = DoubleReference.pool(g, batch: batch, x: x, isMax: false, countIncludePad: countIncludePad)
            case .globalAvgPool:
                y = DoubleReference.globalAvgPool(planes: batch * s[0], spatial: s[1] * s[2], x: x)
            case .flatten:
                y = x
            case .dense:
                y = DoubleReference.dense(batch: batch, inFeatures: s.reduce(1, *), outFeatures: layer.outputShape[0], x: x,
                                          w: param(layer, "weight")!, bias: param(layer, "bias"))
            case .add:
                y = zip(x, values[layer.inputs[1]]!).map(+)
            case .softmax:
                y = x // the loss head: logits pass through
            }
            values[layer.name] = y
            last = y
        }
        let k = graph.outputShape[0]
        let oneHot = labels.flatMap { l in (0..<k).map { $0 == Int(l) ? 1.0 : 0 } }
        return (DoubleReference.softmaxCrossEntropy(batch: batch, classes: k, logits: last, targets: oneHot, weights: nil), signature)
    }

    static func maxPoolWinners(_ g: PoolGeometry, batch: Int, x: [Double]) -> [Int] {
        var winners: [Int] = []
        for plane in 0..<(batch * g.channels) {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var best = -Double.infinity, at = -1
                    for ky in 0..<g.kernel {
                        for kx in 0..<g.kernel {
                            let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                            guard iy >= 0, iy < g.inHeight, ix >= 0, ix < g.inWidth else { continue }
                            let v = x[plane * g.inHeight * g.inWidth + iy * g.inWidth + ix]
                            if v > best { best = v; at = iy * g.inWidth + ix }
                        }
                    }
                    winners.append(at)
                }
            }
        }
        return winners
    }
}

final class TrainingNetworkTests: XCTestCase {
    /// A small residual net touching every operator: conv (s1, s2, with and without bias), BN on
    /// maps, ReLU, a residual add, max pool, avg pool, flatten, GAP, dense, softmax head.
    static var residualSpec: ModelSpec {
        ModelSpec(name: "residual-tiny", input: InputSpec(channels: 2, height: 8, width: 8), classes: ["a", "b", "c"], layers: [
            LayerSpec(name: "stem", op: .conv, outChannels: 4, kernel: 3, padding: 1, bias: false),
            LayerSpec(name: "stem.bn", op: .batchnorm),
            LayerSpec(name: "stem.relu", op: .relu),
            LayerSpec(name: "block.conv", op: .conv, outChannels: 4, kernel: 3, padding: 1, bias: false),
            LayerSpec(name: "block.bn", op: .batchnorm),
            LayerSpec(name: "block.add", op: .add, inputs: ["block.bn", "stem.relu"]),
            LayerSpec(name: "block.relu", op: .relu),
            LayerSpec(name: "pool", op: .maxpool, kernel: 2, stride: 2),
            LayerSpec(name: "down", op: .conv, outChannels: 6, kernel: 3, stride: 2, padding: 1, bias: true),
            LayerSpec(name: "down.relu", op: .relu),
            LayerSpec(name: "avg", op: .avgpool, kernel: 3, stride: 1, padding: 1, countIncludePad: false),
            LayerSpec(name: "gap", op: .globalavgpool),
            LayerSpec(name: "flat", op: .flatten),
            LayerSpec(name: "fc", op: .dense, bias: true, outFeatures: 3),
            LayerSpec(name: "prob", op: .softmax),
        ])
    }

    func testResidualNetGradientAgainstFiniteDifferences() throws {
        let spec = Self.residualSpec
        let model = try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 21, randomStatistics: true))
        // No BN on the pooled vector here: over a few samples its large 1/σ amplifies Float rounding
        // upstream (measured: 2.2e-4 relative at B = 3, 1e-4 at B = 6, against 3e-6 without it).
        // BN on vectors is checked on its own in LayerGradientTests.
        let batch = 6
        let net = try TrainingNetwork(model: model, batch: batch)
        var rng = SplitMix64(seed: 22)
        let x = AlignedBuffer(rng.floats(batch * 2 * 8 * 8))
        let labels: [Int32] = [0, 2, 1, 1, 0, 2]
        let loss = labels.withUnsafeBufferPointer { net.step(input: x.p, targets: .labels($0.baseAddress!)) }
        let analytic = Array(UnsafeBufferPointer(start: net.store.gradients, count: net.store.count))
        let (lossD, _) = DoubleGraph.loss(graph: model.graph, weights: model.weights.map(Double.init), input: x.doubles, batch: batch, labels: labels)
        XCTAssertEqual(Double(loss), lossD, accuracy: 1e-5 * lossD)
        let (numeric, skipped) = numericGradientSkippingKinks(model.weights.map(Double.init)) {
            DoubleGraph.loss(graph: model.graph, weights: $0, input: x.doubles, batch: batch, labels: labels)
        }
        XCTAssertLessThanOrEqual(skipped.count, net.store.count / 10, "too many coordinates at a kink: \(skipped)")
        // Per parameter tensor, each judged on its own scale.
        for layer in model.graph.layers {
            for p in layer.parameters where p.name != "mean" && p.name != "var" {
                let kept = (p.offset..<(p.offset + p.count)).filter { !skipped.contains($0) }
                assertGradient(kept.map { analytic[$0] }, kept.map { numeric[$0] },
                               "residual net \(layer.name).\(p.name) (\(p.count - kept.count) at a kink skipped)")
            }
        }
        // BN running statistics moved (training-mode forward) and their gradients stayed 0.
        let runningMean = model.graph.layers[1].parameter("mean")!
        XCTAssertNotEqual(net.store.parameters[runningMean.offset], model.weights[runningMean.offset])
        XCTAssertEqual(net.store.gradients[runningMean.offset], 0)
    }

    func testResidualNetLearnsAFixedBatch() throws {
        let spec = Self.residualSpec
        let model = try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 23, randomStatistics: false))
        let batch = 6
        let net = try TrainingNetwork(model: model, batch: batch)
        var rng = SplitMix64(seed: 24)
        let x = AlignedBuffer(rng.floats(batch * 2 * 8 * 8))
        let labels: [Int32] = [0, 1, 2, 0, 1, 2]
        var adam = AdamW(learningRate: 0.01)
        var losses: [Float] = []
        labels.withUnsafeBufferPointer { y in
            for _ in 0..<50 {
                losses.append(net.step(input: x.p, targets: .labels(y.baseAddress!)))
                adam.step(net.store)
            }
        }
        print("residual net AdamW losses: first \(losses[0]) last \(losses[49])")
        XCTAssertLessThan(losses[49], 0.25 * losses[0])
    }

    /// The graph executor and the hand-wired ``TinyNet`` run the same layer calls in the same order.
    func testExecutorMatchesHandWiredTinyNet() throws {
        let spec = TinyNet.spec
        let model = try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 5, randomStatistics: false))
        let batch = 8
        let (images, labels) = TinyNet.syntheticBatch(batch, seed: 9)
        let x = AlignedBuffer(images)
        let handWired = TinyNet(model: model, batch: batch), executor = try TrainingNetwork(model: model, batch: batch)
        labels.withUnsafeBufferPointer { y in
            for _ in 0..<3 {
                XCTAssertEqual(handWired.step(images: x.p, labels: y.baseAddress!), executor.step(input: x.p, targets: .labels(y.baseAddress!)))
                XCTAssertEqual(Array(UnsafeBufferPointer(start: handWired.store.gradients, count: handWired.store.count)),
                               Array(UnsafeBufferPointer(start: executor.store.gradients, count: executor.store.count)))
                SGDMomentum(learningRate: 0.1).step(handWired.store)
                SGDMomentum(learningRate: 0.1).step(executor.store)
            }
        }
        XCTAssertEqual(handWired.store.weights, executor.store.weights)
    }

    func testGroupedConvAndInnerSoftmaxAreRejected() throws {
        var spec = Self.residualSpec
        spec.layers[3].groups = 2
        let grouped = try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 1, randomStatistics: false))
        XCTAssertThrowsError(try TrainingNetwork(model: grouped, batch: 1)) {
            XCTAssertEqual($0 as? TrainingError, .unsupportedLayer(layer: "block.conv", reason: "grouped convolution (groups 2) has no backward yet"))
        }
        let inner = ModelSpec(name: "inner-softmax", input: InputSpec(channels: 1, height: 4, width: 4), classes: ["a", "b"], layers: [
            LayerSpec(name: "gap", op: .globalavgpool),
            LayerSpec(name: "soft", op: .softmax),
            LayerSpec(name: "fc", op: .dense, outFeatures: 2),
        ])
        let innerModel = try Model(spec: inner, weights: ReferenceArchitectures.initialWeights(for: inner, seed: 1, randomStatistics: false))
        XCTAssertThrowsError(try TrainingNetwork(model: innerModel, batch: 1)) {
            XCTAssertEqual($0 as? TrainingError, .unsupportedLayer(layer: "soft", reason: "softmax is only supported as the last layer (the loss head)"))
        }
    }
}
