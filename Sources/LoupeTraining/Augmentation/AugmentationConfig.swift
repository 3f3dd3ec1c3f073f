/// How strongly training images are perturbed, per image, by ``Augmenter``.
///
/// Every field is a *range*: each image draws its own values from it (``AugmentationDraw``).
/// The operations run in this order on a `(C, H, W)` image with pixels in [0, 1], before mean/std
/// normalisation:
///
/// 1. **Orientation** — horizontal flip, vertical flip (each with probability ½), then a
///    counter-clockwise rotation by k quarter turns (k uniform in 0…3 for square images, in {0, 2}
///    for non-square ones, so the shape never changes).
/// 2. **Shift** — translate by (dx, dy), each uniform in −maxShift…maxShift pixels; pixels shifted
///    in from outside are filled as ``shiftFill`` says. (A shift is a random crop padded back to
///    the original size.)
/// 3. **Brightness and contrast** — `y = clamp01((x − m)·c + m + b)` where m is the mean of the
///    whole image (all channels) after steps 1–2, c is uniform in [1 − contrast, 1 + contrast] and
///    b uniform in [−brightness, brightness]. Scaling around the image's own mean keeps contrast
///    jitter from also changing its brightness; brightness is the separate knob.
/// 4. **Gamma** — `y = x^γ` with ln γ uniform in [−gamma, gamma] (γ = 1 keeps the image).
/// 5. **Noise** — `y = clamp01(x + σ·z)`, z ≈ N(0, 1) independent per pixel, σ uniform in
///    [0, noise] (so some images stay clean). z is an Irwin–Hall sum of four uniforms: the mean
///    and variance of a standard normal, bounded at ±3.46.
///
/// Each of steps 3–5 ends with a clamp to [0, 1]; a step whose draw is the identity is skipped, so
/// ``none`` leaves an image bit for bit unchanged (even outside [0, 1]).
public struct AugmentationConfig: Codable, Sendable, Equatable {
    /// How pixels shifted in from outside the image are filled.
    public enum ShiftFill: Codable, Sendable, Equatable {
        /// Repeat the nearest edge pixel (no artificial border the network could learn).
        case replicateEdge
        /// A constant value, e.g. 0 for black like the surroundings of a cropped EL cell.
        case constant(Float)
    }

    /// Random horizontal and vertical flips.
    public var flips: Bool
    /// Random quarter-turn rotations (only half turns for non-square images).
    public var rotate90: Bool
    /// Largest shift in pixels along each axis (0 = none).
    public var maxShift: Int
    /// Fill for pixels shifted in from outside.
    public var shiftFill: ShiftFill
    /// Largest brightness offset, in pixel units (0.1 = a tenth of full scale).
    public var brightness: Float
    /// Largest relative contrast change (0.2 → factor in [0.8, 1.2]); must be < 1.
    public var contrast: Float
    /// Largest |ln γ| (0.2 → γ in [0.82, 1.22]); at most 1.
    public var gamma: Float
    /// Largest noise standard deviation, in pixel units.
    public var noise: Float

    public init(flips: Bool = false, rotate90: Bool = false, maxShift: Int = 0, shiftFill: ShiftFill = .replicateEdge,
                brightness: Float = 0, contrast: Float = 0, gamma: Float = 0, noise: Float = 0) {
        self.flips = flips
        self.rotate90 = rotate90
        self.maxShift = maxShift
        self.shiftFill = shiftFill
        self.brightness = brightness
        self.contrast = contrast
        self.gamma = gamma
        self.noise = noise
    }

    /// No augmentation: images pass through unchanged.
    public static let none = AugmentationConfig()

    /// For inspection images such as EL solar cells (300x300): the 8 flips/rotations (a defect has
    /// no preferred orientation), shifts up to 8 px with edge replication, ±0.1 brightness, ±20 %
    /// contrast, γ in [0.82, 1.22] and noise up to σ = 0.02 (≈ 5 grey levels of 255).
    public static let inspectionDefault = AugmentationConfig(
        flips: true, rotate90: true, maxShift: 8, shiftFill: .replicateEdge,
        brightness: 0.1, contrast: 0.2, gamma: 0.2, noise: 0.02)

    /// Checks every range, as a config read from a file or the command line must be.
    /// - Throws: ``TrainingError/invalidAugmentation(field:value:expected:)`` naming the first bad field.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ value: Any, _ expected: String) throws {
            if !ok { throw TrainingError.invalidAugmentation(field: field, value: "\(value)", expected: expected) }
        }
        try check(maxShift >= 0 && maxShift <= 1 << 20, "maxShift", maxShift, "an integer in 0...1048576")
        if case let .constant(value) = shiftFill {
            try check(value.isFinite, "shiftFill", value, "a finite constant")
        }
        try check(brightness >= 0 && brightness <= 1, "brightness", brightness, "a value in [0, 1]")
        try check(contrast >= 0 && contrast < 1, "contrast", contrast, "a value in [0, 1)")
        try check(gamma >= 0 && gamma <= 1, "gamma", gamma, "a value in [0, 1] (largest |ln γ|)")
        try check(noise >= 0 && noise <= 1, "noise", noise, "a value in [0, 1]")
    }
}
