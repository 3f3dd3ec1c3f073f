import LoupeInference
import LoupeModel
import LoupeONNX
import XCTest
import LoupeTestSupport

/// The imported fixtures, run by Loupe's inference engine, reproduce ONNX Runtime's outputs
/// (stored by `make_onnx_fixtures.py`) within 1e-4.
final class ONNXAgreementTests: XCTestCase {
    static let tolerance: Float = 1e-4

    func testTinyCNNMatchesONNXRuntime() throws {
        try checkAgreement("tiny_cnn", batch: 3)
    }

    func testMatMulDepthwiseMatchesONNXRuntime() throws {
        try checkAgreement("matmul_depthwise", batch: 2)
    }

    private func checkAgreement(_ name: String, batch: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.path(name + ".onnx"))
        let input = try ONNXFixtures.floats(name + ".input.bin")
        let expected = try ONNXFixtures.floats(name + ".ort-output.bin")
        let perImage = model.graph.inputShape.reduce(1, *), classes = model.spec.classes.count
        XCTAssertEqual(input.count, batch * perImage, "fixture input size", file: file, line: line)
        XCTAssertEqual(expected.count, batch * classes, "fixture output size", file: file, line: line)

        // The compiled engine (BN folded, ReLU/residual fused), batched and threaded.
        let session = InferenceSession(network: try Network(model: model), maxBatch: 4, threads: 2)
        let output = session.run(input: input, batch: batch)
        assertClose(output, expected, absolute: Self.tolerance, relative: 0, "\(name): InferenceSession", file: file, line: line)

        // One image at a time too (the engine splits single images across threads differently).
        for n in 0..<batch {
            let one = session.run(input: Array(input[(n * perImage)..<((n + 1) * perImage)]), batch: 1)
            assertClose(one, Array(expected[(n * classes)..<((n + 1) * classes)]), absolute: Self.tolerance, relative: 0, "\(name): image \(n) alone", file: file, line: line)
        }

        // The scalar reference network, layer by layer as the spec reads.
        let reference = ReferenceNetwork(model: model)
        for n in 0..<batch {
            let y = reference.run(Array(input[(n * perImage)..<((n + 1) * perImage)]))
            assertClose(y, Array(expected[(n * classes)..<((n + 1) * classes)]), absolute: Self.tolerance, relative: 0, "\(name): ReferenceNetwork image \(n)", file: file, line: line)
        }
    }
}
