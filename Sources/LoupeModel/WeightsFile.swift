import Foundation
import LoupeTensor

/// The binary half of a Loupe model: `weights.bin`.
///
/// Layout (little-endian): 8-byte magic `LOUPEWTS`, UInt32 format version (1), UInt32 header
/// size in bytes (24), UInt64 float count, then that many IEEE-754 float32 values in the
/// order the layers and their parameters appear in the spec. The SHA-256 of the whole file
/// is recorded in `model.json`.
public enum WeightsFile {
    public static let magic: [UInt8] = Array("LOUPEWTS".utf8)
    public static let version: UInt32 = 1
    public static let headerSize = 24

    /// Serialises `weights` into the file format.
    public static func encode(_ weights: [Float]) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(headerSize + 4 * weights.count)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        put(version)
        put(UInt32(headerSize))
        put(UInt64(weights.count))
        for w in weights { put(w.bitPattern) }
        return bytes
    }

    /// Parses and checks a weights file against what the spec expects.
    /// - Throws: ``ModelError`` for a bad header, truncation, extra bytes or a checksum mismatch.
    public static func decode(_ bytes: [UInt8], path: String, expectedCount: Int, sha256 expected: String) throws -> [Float] {
        guard bytes.count >= headerSize else {
            throw ModelError.weightsTruncated(path: path, expectedBytes: headerSize + 4 * expectedCount, actualBytes: bytes.count)
        }
        guard Array(bytes[0..<8]) == magic else {
            throw ModelError.badWeightsHeader(path: path, reason: "magic is \(String(decoding: bytes[0..<8], as: UTF8.self).debugDescription), expected \"LOUPEWTS\"")
        }
        func read<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
            var v: T = 0
            for i in 0..<MemoryLayout<T>.size { v |= T(bytes[at + i]) << (8 * i) }
            return v
        }
        let version = read(8, UInt32.self)
        guard version == Self.version else { throw ModelError.badWeightsHeader(path: path, reason: "version \(version), expected \(Self.version)") }
        guard read(12, UInt32.self) == UInt32(headerSize) else { throw ModelError.badWeightsHeader(path: path, reason: "header size \(read(12, UInt32.self)), expected \(headerSize)") }
        let count = read(16, UInt64.self)
        guard count == UInt64(expectedCount) else {
            throw ModelError.badWeightsHeader(path: path, reason: "holds \(count) floats, the architecture needs \(expectedCount)")
        }
        let needed = headerSize + 4 * expectedCount
        if bytes.count < needed { throw ModelError.weightsTruncated(path: path, expectedBytes: needed, actualBytes: bytes.count) }
        if bytes.count > needed { throw ModelError.weightsTooLong(path: path, expectedBytes: needed, actualBytes: bytes.count) }
        if !expected.isEmpty {
            let actual = SHA256.hex(bytes)
            guard actual == expected.lowercased() else { throw ModelError.checksumMismatch(path: path, expected: expected, actual: actual) }
        }
        return bytes.withUnsafeBytes { raw in
            (0..<expectedCount).map { i in Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: headerSize + 4 * i, as: UInt32.self))) }
        }
    }
}
