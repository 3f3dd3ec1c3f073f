import CCrypto

/// SHA-256 (FIPS 180-4): checksums model weights, identifies a model in inspection results and
/// an image by its content in labels files. Computed by OpenSSL's libcrypto (SHA extensions
/// where the CPU has them: hashing a 60 kB image takes tens of microseconds).
public struct SHA256 {
    /// The digest state; copied before a write when shared, so `SHA256` behaves as a value.
    private final class Context {
        let pointer: OpaquePointer
        init() {
            pointer = EVP_MD_CTX_new()!
            precondition(EVP_DigestInit_ex(pointer, EVP_sha256(), nil) == 1, "SHA256: libcrypto refused to start a SHA-256 digest")
        }
        init(copying other: Context) {
            pointer = EVP_MD_CTX_new()!
            precondition(EVP_MD_CTX_copy_ex(pointer, other.pointer) == 1, "SHA256: libcrypto could not copy a digest")
        }
        deinit { EVP_MD_CTX_free(pointer) }
    }

    private var context = Context()

    public init() {}

    /// Hex digest of `bytes` in one call.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var h = SHA256()
        h.update(bytes)
        return h.finalizeHex()
    }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(raw: UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { update(raw: $0) } }
    }

    public mutating func update(raw: UnsafeRawBufferPointer) {
        if !isKnownUniquelyReferenced(&context) { context = Context(copying: context) }
        guard let base = raw.baseAddress, raw.count > 0 else { return }
        precondition(EVP_DigestUpdate(context.pointer, base, raw.count) == 1, "SHA256: libcrypto digest update failed")
    }

    /// Finishes the hash and returns the 32-byte digest.
    public mutating func finalize() -> [UInt8] {
        if !isKnownUniquelyReferenced(&context) { context = Context(copying: context) }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context.pointer, &digest, &length) == 1 && length == 32, "SHA256: libcrypto digest final failed")
        return digest
    }

    public mutating func finalizeHex() -> String {
        let hexDigits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in finalize() {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
