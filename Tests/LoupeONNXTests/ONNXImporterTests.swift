import Foundation
import LoupeModel
import LoupeONNX
import XCTest
import LoupeTestSupport
import LoupeTensor

/// Imports the committed PyTorch-exported fixtures and checks the resulting layer lists,
/// and the errors for files that are not importable.
final class ONNXImporterTests: XCTestCase {
    func testTinyCNNLayers() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.path("tiny_cnn.onnx"), classes: ["a", "b", "c", "d"])
        let layers = model.graph.layers
        XCTAssertEqual(layers.map(\.op), [.conv, .batchnorm, .relu, .maxpool, .conv, .batchnorm, .relu, .avgpool,
                                          .conv, .batchnorm, .relu, .conv, .add, .relu, .globalavgpool, .dense, .softmax])
        XCTAssertEqual(layers.map(\.name), [
            "conv1.Conv", "bn1.BatchNormalization", "Relu", "pool1.MaxPool", "conv2.Conv", "bn2.BatchNormalization", "Relu_1",
            "pool2.AveragePool", "res_conv1.Conv", "res_bn1.BatchNormalization", "Relu_2", "res_conv2.Conv", "Add", "Relu_3",
            "gap.GlobalAveragePool", "fc.Gemm", "Softmax",
        ])
        XCTAssertEqual(layers.map(\.outputShape), [
            [8, 20, 20], [8, 20, 20], [8, 20, 20], [8, 10, 10], [12, 5, 5], [12, 5, 5], [12, 5, 5], [12, 5, 5],
            [12, 5, 5], [12, 5, 5], [12, 5, 5], [12, 5, 5], [12, 5, 5], [12, 5, 5], [12], [4], [4],
        ])
        XCTAssertEqual(model.graph.inputShape, [3, 20, 20])
        XCTAssertEqual(layers[0].operation, .conv(ConvGeometry(inChannels: 3, outChannels: 8, inHeight: 20, inWidth: 20, kernel: 3,
                                                               stride: 1, padding: 1), bias: true))
        XCTAssertEqual(layers[4].operation, .conv(ConvGeometry(inChannels: 8, outChannels: 12, inHeight: 10, inWidth: 10, kernel: 3,
                                                               stride: 2, padding: 1), bias: false))
        guard case let .batchNorm(_, _, epsilon) = layers[1].operation else { return XCTFail("layer 1 is not a batch norm") }
        XCTAssertEqual(epsilon, 1e-3, accuracy: 1e-9)
        XCTAssertEqual(layers[3].poolGeometry?.stride, 2)
        guard case let .avgPool(pool, countIncludePad) = layers[7].operation else { return XCTFail("layer 7 is not an average pool") }
        XCTAssertEqual(pool.padding, 1)
        XCTAssertFalse(countIncludePad)
        XCTAssertEqual(layers[12].inputs, ["pool2.AveragePool", "res_conv2.Conv"])
        XCTAssertEqual(layers[8].inputs, ["pool2.AveragePool"])
        XCTAssertEqual(model.spec.classes, ["a", "b", "c", "d"])
        XCTAssertEqual(model.spec.name, "tiny_cnn")
        XCTAssertEqual(model.spec.metadata?["source"], "tiny_cnn.onnx")
        XCTAssertEqual(model.spec.metadata?["onnxOpset"], "17")
        XCTAssertEqual(model.spec.metadata?["onnxProducer"]?.hasPrefix("pytorch"), true)
        XCTAssertNil(model.spec.metadata?["appendedSoftmax"])
        XCTAssertEqual(model.parameter(layer: 15, "weight")?.count, 4 * 12)
    }

    func testMatMulDepthwiseLayersAndAppendedSoftmax() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.path("matmul_depthwise.onnx"), name: "dw",
                                                 mean: [0.5, 0.5], std: [0.25, 0.25])
        let layers = model.graph.layers
        XCTAssertEqual(layers.map(\.op), [.conv, .relu, .conv, .relu, .avgpool, .flatten, .dense, .softmax])
        XCTAssertEqual(layers.map(\.outputShape), [[6, 12, 12], [6, 12, 12], [6, 6, 6], [6, 6, 6], [6, 4, 4], [96], [3], [3]])
        XCTAssertEqual(layers[2].convGeometry?.groups, 6)
        XCTAssertEqual(layers[2].parameter("weight")?.shape, [6, 1, 3, 3])
        XCTAssertEqual(layers[4].operation, .avgPool(PoolGeometry(channels: 6, inHeight: 6, inWidth: 6, kernel: 2, stride: 2, padding: 1),
                                                     countIncludePad: true))
        XCTAssertEqual(layers[6].operation, .dense(inFeatures: 96, outFeatures: 3, bias: true), "the Add after MatMul becomes the dense bias")
        XCTAssertEqual(layers[6].parameter("weight")?.shape, [3, 96])
        XCTAssertEqual(layers[7].name, "softmax")
        XCTAssertEqual(model.spec.metadata?["appendedSoftmax"], "true")
        XCTAssertEqual(model.spec.classes, ["class0", "class1", "class2"])
        XCTAssertEqual(model.spec.input.mean, [0.5, 0.5])
        XCTAssertEqual(model.spec.name, "dw")
    }

    func testImportedModelRoundTripsThroughModelFiles() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.path("tiny_cnn.onnx"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-onnx-roundtrip-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.write(to: dir)
        let loaded = try Model.load(from: dir)
        XCTAssertEqual(loaded.spec.layers, model.spec.layers)
        XCTAssertEqual(loaded.weights, model.weights)
    }

    func testUnsupportedOperatorIsNamed() {
        let path = ONNXFixtures.path("unsupported_sigmoid.onnx")
        XCTAssertThrowsError(try ONNXImporter.importModel(contentsOf: path)) { error in
            XCTAssertEqual(error as? ONNXImportError, .unsupportedOperator(path: path, node: "/Sigmoid", op: "Sigmoid"))
            let text = "\(error)"
            XCTAssertTrue(text.contains("node '/Sigmoid' uses operator 'Sigmoid', which Loupe does not import"), text)
            XCTAssertTrue(text.contains("supported: Add, AveragePool, BatchNormalization"), text)
            XCTAssertTrue(text.hasPrefix(path), text)
        }
    }

    func testMissingFile() {
        XCTAssertThrowsError(try ONNXImporter.importModel(contentsOf: "/nonexistent/model.onnx")) { error in
            XCTAssertEqual(error as? ONNXImportError, .fileMissing(path: "/nonexistent/model.onnx"))
        }
    }

    func testGarbageFile() throws {
        let path = try ONNXFixtures.temporaryFile(Data("this is not a protobuf, just some text\n".utf8), name: "garbage.onnx")
        XCTAssertThrowsError(try ONNXImporter.importModel(contentsOf: path)) { error in
            XCTAssertTrue("\(error)".contains("not an ONNX model"), "\(error)")
            XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
        }
        let empty = try ONNXFixtures.temporaryFile(Data(), name: "empty.onnx")
        XCTAssertThrowsError(try ONNXImporter.importModel(contentsOf: empty)) { error in
            XCTAssertEqual(error as? ONNXImportError, .noGraph(path: empty))
        }
    }

    func testTruncatedFile() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ONNXFixtures.path("tiny_cnn.onnx")))
        for length in [bytes.count / 2, bytes.count - 1, 40] {
            let path = try ONNXFixtures.temporaryFile(bytes.prefix(length), name: "truncated.onnx")
            XCTAssertThrowsError(try ONNXImporter.importModel(contentsOf: path), "\(length) bytes") { error in
                guard case .notONNX? = error as? ONNXImportError else { return XCTFail("\(length) bytes: \(error)") }
                XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
            }
        }
    }

    func testBadOptions() {
        let path = ONNXFixtures.path("tiny_cnn.onnx")
        XCTAssertThrowsError(try ONNXImporter.importModel(contentsOf: path, classes: ["good", "bad"])) { error in
            XCTAssertEqual(error as? ONNXImportError,
                           .badOption(path: path, option: "classes", reason: "2 names given, the network has 4 outputs"))
        }
        XCTAssertThrowsError(try ONNXImporter.importModel(contentsOf: path, mean: [0.5])) { error in
            guard case .badOption(_, "mean", _)? = error as? ONNXImportError else { return XCTFail("\(error)") }
        }
    }
}
