import LoupeModel
import LoupeTensor

/// Applies an ``AugmentationConfig`` to training images of one size, on the fly.
///
/// Images are `(channels, height, width)` Float planes with pixels in [0, 1], before mean/std
/// normalisation. All random choices come from a `SplitMix64` seeded with the seed you pass, so
/// the same seed gives the same output bit for bit: pass
/// ``sampleSeed(runSeed:epoch:sampleIndex:)`` and a resumed run reproduces an uninterrupted one.
///
/// One scratch image is allocated in `init`; ``apply(_:into:seed:)`` allocates nothing. The class
/// is not thread-safe (the scratch is shared): give each worker thread its own `Augmenter`.
///
/// ```swift
/// let augmenter = try Augmenter(config: .inspectionDefault, channels: 1, height: 300, width: 300)
/// augmenter.apply(cached, into: batchSlot, seed: Augmenter.sampleSeed(runSeed: 7, epoch: e, sampleIndex: i))
/// ```
public final class Augmenter {
    public let config: AugmentationConfig
    public let channels: Int, height: Int, width: Int
    /// Floats per image.
    public var count: Int { channels * height * width }
    /// `(channels, height, width)`: the intermediate of a two-pass geometry or of an in-place one.
    private let scratch: UnsafeMutablePointer<Float>

    /// - Throws: ``TrainingError/invalidAugmentation(field:value:expected:)`` for an out-of-range
    ///   config field or a non-positive image size.
    public init(config: AugmentationConfig, channels: Int, height: Int, width: Int) throws {
        try config.validate()
        for (name, value) in [("channels", channels), ("height", height), ("width", width)] where value < 1 {
            throw TrainingError.invalidAugmentation(field: name, value: "\(value)", expected: "a positive image size")
        }
        self.config = config
        self.channels = channels
        self.height = height
        self.width = width
        scratch = UnsafeMutableRawPointer.allocate(byteCount: channels * height * width * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: channels * height * width)
    }

    deinit { scratch.deallocate() }

    /// A per-image seed from the run's seed, the epoch and the sample's index in the dataset
    /// (not its position in the shuffled order), mixed so nearby inputs give unrelated streams.
    public static func sampleSeed(runSeed: UInt64, epoch: Int, sampleIndex: Int) -> UInt64 {
        var mixer = SplitMix64(seed: runSeed ^ (UInt64(truncatingIfNeeded: epoch) &* 0xD1B5_4A32_D192_ED03)
                                   ^ (UInt64(truncatingIfNeeded: sampleIndex) &* 0xA24B_AED4_963E_E407))
        _ = mixer.next()
        return mixer.next()
    }

    /// The choices `apply(…, seed: seed)` makes.
    public func draw(seed: UInt64) -> AugmentationDraw {
        AugmentationDraw(config: config, height: height, width: width, seed: seed)
    }

    /// Augments `image` in place. Returns what was drawn.
    @discardableResult
    public func apply(_ image: UnsafeMutablePointer<Float>, seed: UInt64) -> AugmentationDraw {
        let d = draw(seed: seed)
        apply(image, into: image, draw: d)
        return d
    }

    /// Writes the augmented `source` into `destination` (e.g. a cached decoded image into its
    /// batch slot); `source` is left unchanged. Both `(channels, height, width)`; they may be the
    /// same pointer but must not otherwise overlap. Returns what was drawn.
    @discardableResult
    public func apply(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, seed: UInt64) -> AugmentationDraw {
        let d = draw(seed: seed)
        apply(source, into: destination, draw: d)
        return d
    }

    /// Applies given choices: flips and rotation folded into one pass, then the shift, then the
    /// pixel-wise operations in place on `destination` (see ``AugmentationConfig`` for the order).
    public func apply(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, draw: AugmentationDraw) {
        typealias K = AugmentationKernels
        let o = draw.orientation
        let orients = o.transposed || o.reverseRows || o.reverseColumns
        let shifts = draw.shiftX != 0 || draw.shiftY != 0
        // Each pass reads `current` and writes the destination when it is the last pass (and the
        // destination is not also the source), otherwise whichever of scratch/destination it is not
        // reading. A lone in-place pass therefore goes to scratch and is copied back.
        let inPlace = source == UnsafePointer(destination)
        var current = source
        if orients {
            let target = !shifts && !inPlace ? destination : scratch
            K.orient(current, into: target, planes: channels, height: height, width: width,
                     transposed: o.transposed, reverseRows: o.reverseRows, reverseColumns: o.reverseColumns)
            current = UnsafePointer(target)
        }
        if shifts {
            let target = current == UnsafePointer(scratch) || !inPlace ? destination : scratch
            K.shift(current, into: target, planes: channels, height: height, width: width,
                    dx: draw.shiftX, dy: draw.shiftY, fill: config.shiftFill)
            current = UnsafePointer(target)
        }
        if current != UnsafePointer(destination) { destination.update(from: current, count: count) }
        photometric(destination, draw: draw, reference: false)
    }

    /// The oracle: every step applied literally by the scalar twins (flip H, flip V, rotation,
    /// shift, mean in Double, affine, `powf`, noise). Allocates; for tests, not for training.
    public func applyReference(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, draw: AugmentationDraw) {
        typealias K = AugmentationKernels
        var a = Array(UnsafeBufferPointer(start: source, count: count))
        var b = a
        func step(_ op: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
            a.withUnsafeBufferPointer { from in b.withUnsafeMutableBufferPointer { to in op(from.baseAddress!, to.baseAddress!) } }
            swap(&a, &b)
        }
        let (c, h, w) = (channels, height, width)
        if draw.flipHorizontal { step { K.flipHorizontalReference($0, into: $1, planes: c, height: h, width: w) } }
        if draw.flipVertical { step { K.flipVerticalReference($0, into: $1, planes: c, height: h, width: w) } }
        if draw.quarterTurns & 3 != 0 {
            step { K.rotate90Reference($0, into: $1, planes: c, height: h, width: w, quarterTurns: draw.quarterTurns) }
        }
        step { K.shiftReference($0, into: $1, planes: c, height: h, width: w, dx: draw.shiftX, dy: draw.shiftY, fill: config.shiftFill) }
        destination.update(from: a, count: count)
        photometric(destination, draw: draw, reference: true)
    }

    /// Brightness/contrast, gamma, noise — each skipped when its draw is the identity.
    private func photometric(_ image: UnsafeMutablePointer<Float>, draw: AugmentationDraw, reference: Bool) {
        typealias K = AugmentationKernels
        let n = count
        if draw.contrast != 1 || draw.brightness != 0 {
            let mean = (reference ? K.sumReference(image, count: n) : K.sum(image, count: n)) / Float(n)
            let offset = mean * (1 - draw.contrast) + draw.brightness
            if reference {
                K.affineClampReference(image, count: n, scale: draw.contrast, offset: offset)
            } else {
                K.affineClamp(image, count: n, scale: draw.contrast, offset: offset)
            }
        }
        if draw.gamma != 1 {
            if reference { K.gammaReference(image, count: n, gamma: draw.gamma) } else { K.gammaPolynomial(image, count: n, gamma: draw.gamma) }
        }
        if draw.noiseSigma > 0 {
            if reference {
                K.addNoiseClampReference(image, count: n, sigma: draw.noiseSigma, seed: draw.noiseSeed)
            } else {
                K.addNoiseClamp(image, count: n, sigma: draw.noiseSigma, seed: draw.noiseSeed)
            }
        }
    }
}
