import LoupeModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LoupeTensor

/// The random choices ``Augmenter`` makes for one image, drawn from a `SplitMix64` seeded with
/// the image's seed. Drawing always consumes the same ten values in the same order, whatever the
/// config enables, so switching one operation off does not change the others' draws.
public struct AugmentationDraw: Equatable, Sendable {
    public var flipHorizontal = false
    public var flipVertical = false
    /// Counter-clockwise quarter turns, 0…3 (0 or 2 for non-square images).
    public var quarterTurns = 0
    /// Shift in pixels: output (x, y) shows input (x − shiftX, y − shiftY).
    public var shiftX = 0
    public var shiftY = 0
    /// Added to every pixel.
    public var brightness: Float = 0
    /// Factor around the image mean.
    public var contrast: Float = 1
    /// Exponent: y = x^gamma.
    public var gamma: Float = 1
    /// Noise standard deviation.
    public var noiseSigma: Float = 0
    /// Seeds the per-pixel noise stream.
    public var noiseSeed: UInt64 = 0

    /// The identity: every operation skipped.
    public init() {}

    /// Draws one image's choices.
    /// - Parameters:
    ///   - config: the ranges (assumed valid; ``Augmenter`` validates it).
    ///   - height, width: the image's size (rotations by a quarter turn need a square).
    ///   - seed: the image's seed, e.g. ``Augmenter/sampleSeed(runSeed:epoch:sampleIndex:)``.
    public init(config: AugmentationConfig, height: Int, width: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let flipH = rng.next() >> 63 == 1, flipV = rng.next() >> 63 == 1
        let turns = Int(rng.next() % 4)
        let s = UInt64(config.maxShift)
        let dx = Int(rng.next() % (2 * s + 1)) - config.maxShift
        let dy = Int(rng.next() % (2 * s + 1)) - config.maxShift
        let b = rng.uniform(), c = rng.uniform(), g = rng.uniform(), n = rng.uniform()
        let nSeed = rng.next()

        if config.flips {
            flipHorizontal = flipH
            flipVertical = flipV
        }
        if config.rotate90 { quarterTurns = height == width ? turns : turns & 2 }
        shiftX = dx
        shiftY = dy
        // Disabled operations keep the identity's exact values, so `.none` draws `AugmentationDraw()`.
        if config.brightness > 0 { brightness = (2 * b - 1) * config.brightness }
        if config.contrast > 0 { contrast = 1 + (2 * c - 1) * config.contrast }
        if config.gamma > 0 { gamma = expf((2 * g - 1) * config.gamma) }
        if config.noise > 0 {
            noiseSigma = n * config.noise
            noiseSeed = nSeed
        }
    }

    /// Flips and rotation combined into one pass: output (i, j) reads input
    /// (ρ(a), σ(b)) with (a, b) = `transposed` ? (j, i) : (i, j), ρ(a) = H−1−a when
    /// `reverseRows`, σ(b) = W−1−b when `reverseColumns`.
    var orientation: (transposed: Bool, reverseRows: Bool, reverseColumns: Bool) {
        // Rotation k alone is (k odd, [F,F,T,T][k], [F,T,T,F][k]); flips applied first toggle the
        // input-side reversals (derivation in AugmentationKernels+Geometry.swift, `transpose`).
        let k = quarterTurns & 3
        return (k & 1 == 1, (k >= 2) != flipVertical, (k == 1 || k == 2) != flipHorizontal)
    }

    var changesGeometry: Bool {
        let o = orientation
        return o.transposed || o.reverseRows || o.reverseColumns || shiftX != 0 || shiftY != 0
    }
}
