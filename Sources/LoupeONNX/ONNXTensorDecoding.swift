import Foundation

/// Decodes ONNX `TensorProto` constants (initializers and `Constant` values).
enum ONNXTensorDecoding {
    /// The tensor's dimensions as `Int`s.
    static func dims(_ t: Onnx_TensorProto) -> [Int] { t.dims.map { Int($0) } }

    /// The values of a float32 tensor, from `raw_data` (little-endian) or `float_data`.
    /// - Throws: ``ONNXImportError`` naming the tensor if it is not float32, lives in an
    ///   external file, or holds the wrong number of values for its dims.
    static func floats(_ t: Onnx_TensorProto, path: String) throws -> [Float] {
        guard t.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw ONNXImportError.unsupportedTensorType(path: path, tensor: t.name, dataType: dataTypeName(t.dataType))
        }
        let count = try checkedCount(t, path: path)
        if t.hasRawData {
            let bits: [UInt32] = try littleEndian(t, count: count, path: path)
            return bits.map { Float(bitPattern: $0) }
        }
        guard t.floatData.count == count else {
            throw ONNXImportError.malformedTensor(path: path, tensor: t.name, reason: "holds \(t.floatData.count) values, its dims \(t.dims) need \(count)")
        }
        return t.floatData
    }

    /// The values of an int64 tensor (e.g. a `Reshape` target shape).
    static func int64s(_ t: Onnx_TensorProto, path: String) throws -> [Int64] {
        guard t.dataType == Int32(Onnx_TensorProto.DataType.int64.rawValue) else {
            throw ONNXImportError.malformedTensor(path: path, tensor: t.name, reason: "is \(dataTypeName(t.dataType)), expected int64")
        }
        let count = try checkedCount(t, path: path)
        if t.hasRawData {
            let bits: [UInt64] = try littleEndian(t, count: count, path: path)
            return bits.map { Int64(bitPattern: $0) }
        }
        guard t.int64Data.count == count else {
            throw ONNXImportError.malformedTensor(path: path, tensor: t.name, reason: "holds \(t.int64Data.count) values, its dims \(t.dims) need \(count)")
        }
        return t.int64Data
    }

    /// The ONNX name of a `TensorProto.DataType` code, e.g. "FLOAT16".
    static func dataTypeName(_ code: Int32) -> String {
        guard let type = Onnx_TensorProto.DataType(rawValue: Int(code)) else { return "unknown (\(code))" }
        return "\(type)".uppercased()
    }

    private static func checkedCount(_ t: Onnx_TensorProto, path: String) throws -> Int {
        guard t.dataLocation != .external else {
            throw ONNXImportError.malformedTensor(path: path, tensor: t.name,
                                                  reason: "its data is in an external file, which Loupe does not read (export the model as one file)")
        }
        guard t.dims.allSatisfy({ $0 >= 0 }) else {
            throw ONNXImportError.malformedTensor(path: path, tensor: t.name, reason: "negative dims \(t.dims)")
        }
        return t.dims.reduce(1) { $0 * Int($1) }
    }

    private static func littleEndian<T: FixedWidthInteger>(_ t: Onnx_TensorProto, count: Int, path: String) throws -> [T] {
        let size = MemoryLayout<T>.size
        guard t.rawData.count == count * size else {
            throw ONNXImportError.malformedTensor(path: path, tensor: t.name,
                                                  reason: "raw_data has \(t.rawData.count) bytes, its dims \(t.dims) need \(count * size)")
        }
        return t.rawData.withUnsafeBytes { raw in
            (0..<count).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self)) }
        }
    }
}
