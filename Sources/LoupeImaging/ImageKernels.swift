/// SIMD float kernels on image planes, each beside its plain scalar reference twin.
///
/// Layout: planes are CHW — `channels` planes of `height` rows of `width` floats, no
/// padding. Kernels take raw pointers, never allocate, and check shapes with
/// `precondition` only; the throwing API layer (``ImageTransforms``,
/// ``Image/writeNetworkInput(into:capacity:channels:normalization:name:)``) validates
/// first. The `…Reference` twins are the oracle in tests and the portable fallback.
public enum ImageKernels {
    /// Lanes per vector in the SIMD paths (one AVX-512 register of floats).
    public static let vectorWidth = 16
    typealias Vector = SIMD16<Float>

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }
}
