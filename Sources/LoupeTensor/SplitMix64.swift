#if canImport(Glibc)
import Glibc
#endif

/// Loupe's one seeded random generator: SplitMix64 (Steele, Lea & Flood 2014). Tiny, fast and
/// reproducible: initial weights, data splits, augmentation, synthetic cells and every test
/// draw from it, so a seed means the same numbers everywhere.
@frozen
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    @inlinable
    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 24 random bits.
    @inlinable
    public mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Uniform in [low, high).
    @inlinable
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniform() }

    /// Uniform in [0, 1) as a double, 53 random bits.
    @inlinable
    public mutating func unitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal as a double (Box–Muller on two 53-bit uniforms).
    @inlinable
    public mutating func normalDouble() -> Double {
        let u1 = unitDouble(), u2 = unitDouble()
        return (-2 * log1p(-u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Standard normal (Box–Muller).
    @inlinable
    public mutating func normal() -> Float {
        let u1 = max(uniform(), 1e-7), u2 = uniform()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
    }
}
