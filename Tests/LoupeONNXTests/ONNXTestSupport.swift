import Foundation
import LoupeONNX
import XCTest

/// Committed fixtures in `Tests/Fixtures/onnx/` (made by `Benchmarks/scripts/make_onnx_fixtures.py`).
enum ONNXFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/onnx").path

    static func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// A raw float32 little-endian file.
    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// A fresh temporary file holding `bytes`.
    static func temporaryFile(_ bytes: Data, name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-onnx-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }
}

/// Builds small ONNX graphs in code, for cases no exporter produces on purpose.
enum ONNXTestGraph {
    static func tensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map { Int64($0) }
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.floatData = values
        return t
    }

    static func int64Tensor(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = [Int64(values.count)]
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.int64Data = values
        return t
    }

    static func node(_ op: String, _ inputs: [String], _ output: String, name: String = "",
                     ints: [String: [Int]] = [:], int: [String: Int] = [:], tensor: Onnx_TensorProto? = nil) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name
        n.input = inputs
        n.output = [output]
        for (key, values) in ints.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = key
            a.type = .ints
            a.ints = values.map { Int64($0) }
            n.attribute.append(a)
        }
        for (key, value) in int.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = key
            a.type = .int
            a.i = Int64(value)
            n.attribute.append(a)
        }
        if let tensor {
            var a = Onnx_AttributeProto()
            a.name = "value"
            a.type = .tensor
            a.t = tensor
            n.attribute.append(a)
        }
        return n
    }

    static func valueInfo(_ name: String, dims: [Int64]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        for d in dims {
            var dim = Onnx_TensorShapeProto.Dimension()
            if d < 0 { dim.dimParam = "N" } else { dim.dimValue = d }
            tensorType.shape.dim.append(dim)
        }
        v.type.tensorType = tensorType
        return v
    }

    /// A serialised model with one input "x" of shape `[N, inputDims...]` (N symbolic).
    static func model(_ nodes: [Onnx_NodeProto], initializers: [Onnx_TensorProto], input: [Int64],
                      outputs: [String] = ["y"]) throws -> Data {
        var graph = Onnx_GraphProto()
        graph.name = "test"
        graph.node = nodes
        graph.initializer = initializers
        graph.input = [valueInfo("x", dims: [-1] + input)]
        graph.output = outputs.map { valueInfo($0, dims: []) }
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "loupe-tests"
        model.opsetImport = [opset]
        model.graph = graph
        return try model.serializedData()
    }

    /// Imports `data` and returns the error it throws (failing the test if none).
    static func importError(_ data: Data, file: StaticString = #filePath, line: UInt = #line) -> ONNXImportError? {
        do {
            _ = try ONNXImporter.importModel(serialized: data, source: "test.onnx")
            XCTFail("import succeeded, expected an error", file: file, line: line)
        } catch let error as ONNXImportError {
            return error
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
        }
        return nil
    }
}
