import LoupeInference
import LoupeModel
import XCTest
import LoupeTestSupport

/// The compiled, fused, multi-threaded network must compute what the spec says, as
/// computed layer by layer by ``ReferenceNetwork``.
final class NetworkVersusReferenceTests: XCTestCase {
    static func randomInput(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.normal() }
    }

    static func model(_ spec: ModelSpec, seed: UInt64 = 7) throws -> Model {
        try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: seed, randomStatistics: true))
    }

    /// conv-bn-relu, a residual block (add fused into a conv), an add that cannot be fused
    /// (both operands are pools), an unfoldable batch-norm after an add, pools, 1x1 conv,
    /// grouped conv, flatten and two dense layers.
    static func residualSpec() -> ModelSpec {
        ModelSpec(name: "residual", input: InputSpec(channels: 3, height: 23, width: 19), classes: ["good", "crack", "dark"], layers: [
            LayerSpec(name: "stem", op: .conv, outChannels: 8, kernel: 3, stride: 1, padding: 1, bias: true),
            LayerSpec(name: "stem.bn", op: .batchnorm),
            LayerSpec(name: "stem.relu", op: .relu),
            LayerSpec(name: "b1.conv1", op: .conv, outChannels: 8, kernel: 3, padding: 1),
            LayerSpec(name: "b1.bn1", op: .batchnorm),
            LayerSpec(name: "b1.relu1", op: .relu),
            LayerSpec(name: "b1.conv2", op: .conv, outChannels: 8, kernel: 3, padding: 1),
            LayerSpec(name: "b1.bn2", op: .batchnorm),
            LayerSpec(name: "b1.add", op: .add, inputs: ["b1.bn2", "stem.relu"]),
            LayerSpec(name: "b1.relu2", op: .relu),
            LayerSpec(name: "maxp", op: .maxpool, kernel: 3, stride: 2, padding: 1),
            LayerSpec(name: "avgp", op: .avgpool, inputs: ["b1.relu2"], kernel: 3, stride: 2, padding: 1, countIncludePad: false),
            LayerSpec(name: "sum", op: .add, inputs: ["maxp", "avgp"]),
            LayerSpec(name: "sum.bn", op: .batchnorm),
            LayerSpec(name: "dw", op: .conv, outChannels: 8, kernel: 3, stride: 2, padding: 1, groups: 8),
            LayerSpec(name: "pw", op: .conv, outChannels: 12, kernel: 1, bias: true),
            LayerSpec(name: "pw.relu", op: .relu),
            LayerSpec(name: "flat", op: .flatten),
            LayerSpec(name: "fc1", op: .dense, outFeatures: 10),
            LayerSpec(name: "fc1.relu", op: .relu),
            LayerSpec(name: "fc2", op: .dense, outFeatures: 3),
            LayerSpec(name: "prob", op: .softmax),
        ])
    }

    func assertMatchesReference(_ model: Model, batch: Int, threads: Int, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        let network = try Network(model: model)
        let session = InferenceSession(network: network, maxBatch: batch, threads: threads)
        let input = Self.randomInput(batch * network.inputCount, seed: seed)
        let got = session.run(input: input, batch: batch)
        let reference = ReferenceNetwork(model: model)
        for b in 0..<batch {
            let expected = reference.run(Array(input[(b * network.inputCount)..<((b + 1) * network.inputCount)]))
            for (j, e) in expected.enumerated() {
                let g = got[b * network.outputCount + j]
                XCTAssertEqual(g, e, accuracy: 1e-5 + 1e-4 * abs(e), "image \(b) output \(j) (threads \(threads))", file: file, line: line)
            }
        }
    }

    func testElpvNetRefMatchesReferenceAtSmallSize() throws {
        let model = try Self.model(ReferenceArchitectures.elpvNetRefSpec(size: 48))
        try assertMatchesReference(model, batch: 1, threads: 1, seed: 1)
        try assertMatchesReference(model, batch: 1, threads: 2, seed: 2)
        try assertMatchesReference(model, batch: 3, threads: 2, seed: 3)
    }

    func testResidualNetworkMatchesReference() throws {
        let model = try Self.model(Self.residualSpec())
        for (batch, threads) in [(1, 1), (1, 2), (2, 2), (5, 2)] {
            try assertMatchesReference(model, batch: batch, threads: threads, seed: UInt64(batch * 10 + threads))
        }
    }

    func testFusionLeavesOnlyTheNecessarySteps() throws {
        let elpv = try Network(model: Self.model(ReferenceArchitectures.elpvNetRefSpec(size: 48)))
        // 9 convs (BN folded, ReLU fused) + global pool + dense + softmax.
        XCTAssertEqual(elpv.stepDescriptions.count, 12, "\(elpv.stepDescriptions)")
        XCTAssertTrue(elpv.stepDescriptions.prefix(9).allSatisfy { $0.hasPrefix("conv") && $0.hasSuffix("+relu") })
        let residual = try Network(model: Self.model(Self.residualSpec()))
        XCTAssertTrue(residual.stepDescriptions.contains { $0.contains("+residual +relu") }, "\(residual.stepDescriptions)")
        XCTAssertTrue(residual.stepDescriptions.contains("batchnorm (unfolded)"))
    }

    func testBatchResultsEqualSingleImageResults() throws {
        let model = try Self.model(Self.residualSpec(), seed: 11)
        let network = try Network(model: model)
        let input = Self.randomInput(4 * network.inputCount, seed: 5)
        let batched = InferenceSession(network: network, maxBatch: 4, threads: 2).run(input: input, batch: 4)
        let single = InferenceSession(network: network, maxBatch: 1, threads: 1)
        for b in 0..<4 {
            let one = single.run(input: Array(input[(b * network.inputCount)..<((b + 1) * network.inputCount)]), batch: 1)
            XCTAssertEqual(Array(batched[(b * 3)..<(b * 3 + 3)]), one)
        }
    }
}
