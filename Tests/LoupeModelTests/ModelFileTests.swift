import Foundation
import LoupeModel
import XCTest
import LoupeTestSupport

final class ModelFileTests: XCTestCase {
    func testElpvNetRefHasThePublishedParameterCount() throws {
        let graph = try ModelGraph(ReferenceArchitectures.elpvNetRefSpec())
        let trainable = graph.layers.flatMap(\.parameters).filter { $0.name != "mean" && $0.name != "var" }.map(\.count).reduce(0, +)
        XCTAssertEqual(trainable, 296_306)
        XCTAssertEqual(graph.layers.filter { $0.op == .conv }.count, 9)
        XCTAssertEqual(graph.layers.first { $0.name == "stage4.conv2" }?.outputShape, [128, 19, 19])
        XCTAssertEqual(graph.outputShape, [2])
    }

    func testWriteThenLoadRoundTrips() throws {
        let dir = ModelFixtures.scratchDirectory()
        let model = try ModelFixtures.tinyModel()
        let written = try model.write(to: dir)
        XCTAssertEqual(written.weights.sha256.count, 64)
        let loaded = try Model.load(from: dir)
        XCTAssertEqual(loaded.weights, model.weights)
        XCTAssertEqual(loaded.spec.layers, model.spec.layers)
        XCTAssertEqual(loaded.weightsSHA256, written.weights.sha256)
    }

    // MARK: rejection cases — each must name the file or layer and what is wrong

    private func assertLoadFails(_ dir: String, file: StaticString = #filePath, line: UInt = #line,
                                 _ check: (ModelError) -> Bool) {
        XCTAssertThrowsError(try Model.load(from: dir), file: file, line: line) { error in
            guard let e = error as? ModelError else { return XCTFail("not a ModelError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(e), "unexpected error: \(e)", file: file, line: line)
        }
    }

    private func writeTiny(_ dir: String) throws -> (spec: String, weights: String) {
        try ModelFixtures.tinyModel().write(to: dir)
        return (dir + "/model.json", dir + "/weights.bin")
    }

    private func editSpec(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
    }

    func testMissingDirectory() {
        assertLoadFails("/nonexistent/loupe-model") { $0 == .fileMissing(path: "/nonexistent/loupe-model") }
    }

    func testMalformedJSONNamesTheFile() throws {
        let dir = ModelFixtures.scratchDirectory()
        let paths = try writeTiny(dir)
        try Data("{\"format\": \"loupe-model\", ".utf8).write(to: URL(fileURLWithPath: paths.spec))
        assertLoadFails(dir) { if case let .malformedSpec(path, _) = $0 { return path == paths.spec } else { return false } }
    }

    func testMissingFieldIsNamed() throws {
        let dir = ModelFixtures.scratchDirectory()
        let paths = try writeTiny(dir)
        try editSpec(paths.spec) { $0.removeValue(forKey: "classes") }
        assertLoadFails(dir) { if case let .malformedSpec(_, reason) = $0 { return reason.contains("classes") } else { return false } }
    }

    func testWrongFormatAndVersion() throws {
        let dir = ModelFixtures.scratchDirectory()
        let paths = try writeTiny(dir)
        try editSpec(paths.spec) { $0["format"] = "onnx" }
        assertLoadFails(dir) { $0 == .unsupportedFormat(path: paths.spec, found: "onnx") }
        _ = try writeTiny(dir)
        try editSpec(paths.spec) { $0["version"] = 2 }
        assertLoadFails(dir) { $0 == .unsupportedVersion(path: paths.spec, found: 2, supported: 1) }
    }

    func testUnknownOperatorIsNamed() throws {
        let dir = ModelFixtures.scratchDirectory()
        let paths = try writeTiny(dir)
        try editSpec(paths.spec) { json in
            var layers = json["layers"] as! [[String: Any]]
            layers[2]["op"] = "gelu"
            json["layers"] = layers
        }
        assertLoadFails(dir) { $0 == .unknownOperator(layer: "r1", op: "gelu") }
        XCTAssertTrue(ModelError.unknownOperator(layer: "r1", op: "gelu").description.contains("'gelu'"))
    }

    func testShapeErrors() throws {
        var spec = ModelFixtures.tinySpec()
        spec.classes = ["a", "b", "c"]
        XCTAssertThrowsError(try ModelGraph(spec)) { XCTAssertTrue("\($0)".contains("3 classes"), "\($0)") }
        spec = ModelFixtures.tinySpec()
        spec.layers[0].kernel = 11
        spec.layers[0].padding = 0
        XCTAssertThrowsError(try ModelGraph(spec)) { XCTAssertTrue("\($0)".contains("'c1'"), "\($0)") }
        spec = ModelFixtures.tinySpec()
        spec.layers[4].inputs = ["nothing"]
        XCTAssertThrowsError(try ModelGraph(spec)) { XCTAssertTrue("\($0)".contains("'nothing'"), "\($0)") }
        spec = ModelFixtures.tinySpec()
        spec.layers.insert(LayerSpec(name: "sum", op: .add, inputs: ["r1", "input"]), at: 3)
        XCTAssertThrowsError(try ModelGraph(spec)) { XCTAssertTrue("\($0)".contains("[4, 8, 8] and [1, 8, 8]"), "\($0)") }
    }

    func testTruncatedAndOverlongWeights() throws {
        let dir = ModelFixtures.scratchDirectory()
        let paths = try writeTiny(dir)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: paths.weights))
        for cut in [0, 10, 24, bytes.count - 1] {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: paths.weights))
            assertLoadFails(dir) { if case let .weightsTruncated(path, expected, actual) = $0 {
                return path == paths.weights && expected == bytes.count && actual == cut } else { return false } }
        }
        try (bytes + Data([0, 0, 0, 0])).write(to: URL(fileURLWithPath: paths.weights))
        assertLoadFails(dir) { if case .weightsTooLong = $0 { return true } else { return false } }
    }

    func testChecksumMismatch() throws {
        let dir = ModelFixtures.scratchDirectory()
        let paths = try writeTiny(dir)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: paths.weights)))
        bytes[40] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: paths.weights))
        assertLoadFails(dir) { if case let .checksumMismatch(path, _, _) = $0 { return path == paths.weights } else { return false } }
    }

    func testBadMagic() throws {
        let dir = ModelFixtures.scratchDirectory()
        let paths = try writeTiny(dir)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: paths.weights)))
        bytes[0] = UInt8(ascii: "X")
        try Data(bytes).write(to: URL(fileURLWithPath: paths.weights))
        assertLoadFails(dir) { if case .badWeightsHeader = $0 { return true } else { return false } }
    }

    func testNaNAndInfWeightsAreRejectedWithTheirPlace() throws {
        for bad in [Float.nan, .infinity] {
            var model = try ModelFixtures.tinyModel()
            let conv = model.graph.layers[0].parameter("weight")!
            model.weights[conv.offset + 5] = bad
            let dir = ModelFixtures.scratchDirectory("nan\(bad)")
            try model.write(to: dir) // checksum matches: the values themselves are the problem
            assertLoadFails(dir) { if case let .nonFiniteWeight(layer, tensor, index, _) = $0 {
                return layer == "c1" && tensor == "weight" && index == 5 } else { return false } }
        }
    }

    func testNegativeRunningVarianceIsRejected() throws {
        var model = try ModelFixtures.tinyModel()
        let v = model.graph.layers[1].parameter("var")!
        model.weights[v.offset + 2] = -1
        XCTAssertThrowsError(try Model(spec: model.spec, weights: model.weights)) { XCTAssertTrue("\($0)".contains("variance[2]"), "\($0)") }
    }
}
