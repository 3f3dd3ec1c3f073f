import Foundation
import LoupeModel
import LoupeONNX
import XCTest

/// Hand-built graphs for attribute variants and errors the exported fixtures do not cover.
final class ONNXGraphEdgeCaseTests: XCTestCase {
    typealias G = ONNXTestGraph

    /// Conv 2→2 k1 on a [N, 2, 2, 2] input, with `convAttributes` and weight tensor `weight`.
    private func convModel(ints: [String: [Int]] = [:], weight: Onnx_TensorProto? = nil, bias: String? = nil,
                           initializers extra: [Onnx_TensorProto] = []) throws -> Data {
        let w = weight ?? G.tensor("w", [2, 2, 1, 1], [1, 0, 0, 1])
        let inputs = ["x", "w"] + (bias.map { [$0] } ?? [])
        return try G.model([G.node("Conv", inputs, "c", name: "conv_0", ints: ints),
                            G.node("GlobalAveragePool", ["c"], "y")],
                           initializers: [w] + extra, input: [2, 2, 2])
    }

    func testGemmWithoutTransposeIsTransposedAndSoftmaxAppended() throws {
        let b: [Float] = (0..<24).map { Float($0) / 10 }   // [8, 3]: in = 8, out = 3
        let data = try G.model([G.node("Flatten", ["x"], "f", int: ["axis": 1]),
                                G.node("Gemm", ["f", "B", "C"], "y", name: "fc")],
                               initializers: [G.tensor("B", [8, 3], b), G.tensor("C", [3], [1, 2, 3])], input: [2, 2, 2])
        let model = try ONNXImporter.importModel(serialized: data, source: "gemm.onnx")
        XCTAssertEqual(model.graph.layers.map(\.op), [.flatten, .dense, .softmax])
        let weight = Array(model.parameter(layer: 1, "weight") ?? [])
        XCTAssertEqual(weight.count, 24)
        for o in 0..<3 { for i in 0..<8 { XCTAssertEqual(weight[o * 8 + i], b[i * 3 + o]) } }
        XCTAssertEqual(Array(model.parameter(layer: 1, "bias") ?? []), [1, 2, 3])
        XCTAssertEqual(model.spec.metadata?["appendedSoftmax"], "true")
        XCTAssertEqual(model.spec.name, "gemm")
    }

    func testReshapeAfterGlobalPoolIsNoOp() throws {
        let data = try G.model([G.node("GlobalAveragePool", ["x"], "g"),
                                G.node("Constant", [], "shape", tensor: G.int64Tensor("", [0, -1])),
                                G.node("Reshape", ["g", "shape"], "r"),
                                G.node("Dropout", ["r"], "d"),
                                G.node("Softmax", ["d"], "y", int: ["axis": -1])],
                               initializers: [], input: [3, 4, 4])
        let model = try ONNXImporter.importModel(serialized: data, source: "reshape.onnx")
        XCTAssertEqual(model.graph.layers.map(\.op), [.globalavgpool, .softmax])
        XCTAssertEqual(model.graph.layers.map(\.name), ["globalaveragepool0", "softmax4"])
    }

    func testReshapeToFourDimensionsIsRejected() throws {
        let data = try G.model([G.node("Reshape", ["x", "s"], "y", name: "rs")],
                               initializers: [], input: [3, 4, 4])
        var withShape = try Onnx_ModelProto(serializedBytes: data)
        withShape.graph.initializer = [G.int64Tensor("s", [0, 3, 2, 8])]
        let error = G.importError(try withShape.serializedData())
        XCTAssertTrue("\(error!)".contains("node 'rs' (Reshape): reshape to [0, 3, 2, 8]"), "\(error!)")
    }

    func testAsymmetricPaddingIsRejected() throws {
        let error = G.importError(try convModel(ints: ["pads": [0, 0, 1, 1]]))
        XCTAssertEqual("\(error!)", "test.onnx: node 'conv_0' (Conv): asymmetric padding pads = [0, 0, 1, 1] (begin ≠ end); Loupe pads both sides equally")
    }

    func testDilationIsRejected() throws {
        let error = G.importError(try convModel(ints: ["dilations": [2, 2]]))
        XCTAssertTrue("\(error!)".contains("dilations = [2, 2]"), "\(error!)")
    }

    func testNonSquareStrideIsRejected() throws {
        let error = G.importError(try convModel(ints: ["strides": [1, 2]]))
        XCTAssertTrue("\(error!)".contains("'strides' is [1, 2]"), "\(error!)")
    }

    func testNonFloatInitializerIsNamed() throws {
        var half = G.tensor("w16", [2, 2, 1, 1], [])
        half.dataType = Int32(Onnx_TensorProto.DataType.float16.rawValue)
        half.rawData = Data(count: 8)
        let data = try G.model([G.node("Conv", ["x", "w16"], "c", name: "conv_0"), G.node("GlobalAveragePool", ["c"], "y")],
                               initializers: [half], input: [2, 2, 2])
        XCTAssertEqual(G.importError(data), .unsupportedTensorType(path: "test.onnx", tensor: "w16", dataType: "FLOAT16"))
    }

    func testRawDataInitializerIsDecodedLittleEndian() throws {
        var w = G.tensor("w", [2, 2, 1, 1], [])
        let values: [Float] = [1.5, -2, 0.25, 3]
        w.rawData = Data(values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })
        let model = try ONNXImporter.importModel(serialized: try convModel(weight: w), source: "raw.onnx")
        XCTAssertEqual(Array(model.parameter(layer: 0, "weight") ?? []), values)
    }

    func testShortRawDataIsReported() throws {
        var w = G.tensor("w", [2, 2, 1, 1], [])
        w.rawData = Data(count: 12)
        let error = G.importError(try convModel(weight: w))
        XCTAssertEqual(error, .malformedTensor(path: "test.onnx", tensor: "w", reason: "raw_data has 12 bytes, its dims [2, 2, 1, 1] need 16"))
    }

    func testMissingInitializerIsNamed() throws {
        let error = G.importError(try convModel(bias: "conv_bias"))
        XCTAssertEqual(error, .missingInitializer(path: "test.onnx", node: "conv_0", tensor: "conv_bias"))
    }

    func testMoreThanOneOutputIsRejected() throws {
        let data = try G.model([G.node("Relu", ["x"], "a"), G.node("Relu", ["a"], "b")], initializers: [], input: [1, 2, 2],
                               outputs: ["a", "b"])
        XCTAssertEqual(G.importError(data), .outputCount(path: "test.onnx", outputs: ["a", "b"]))
    }

    func testGraphWithoutInputIsRejected() throws {
        var proto = try Onnx_ModelProto(serializedBytes: try convModel())
        proto.graph.input = []
        XCTAssertEqual(G.importError(try proto.serializedData()), .noInput(path: "test.onnx"))
    }

    func testInputWithoutFixedImageSizeIsRejected() throws {
        var proto = try Onnx_ModelProto(serializedBytes: try convModel())
        proto.graph.input = [G.valueInfo("x", dims: [-1, 2, -1, -1])]
        let error = G.importError(try proto.serializedData())
        XCTAssertEqual(error, .unsupportedInput(path: "test.onnx", input: "x",
                                                reason: "has shape [N, 2, N, N]; Loupe needs [N, C, H, W] with fixed C, H and W"))
    }

    func testFeatureMapOutputIsRejected() throws {
        let data = try G.model([G.node("Relu", ["x"], "y")], initializers: [], input: [1, 2, 2])
        guard case .unsupportedGraph(_, "y", let reason)? = G.importError(data) else { return XCTFail() }
        XCTAssertTrue(reason.contains("[1, 2, 2]"), reason)
    }

    func testAddWithBroadcastIsRejected() throws {
        let data = try G.model([G.node("GlobalAveragePool", ["x"], "g"), G.node("Flatten", ["g"], "f"),
                                G.node("Add", ["x", "f"], "y", name: "add")], initializers: [], input: [2, 2, 2])
        XCTAssertTrue("\(G.importError(data)!)".contains("adds shapes [2, 2, 2] and [2]"))
    }
}
