import LoupeTensor

/// Test data from the project's one seeded generator, so every "random" input repeats exactly.
extension SplitMix64 {
    /// Uniform in [-1, 1).
    public mutating func signed() -> Float { uniform() * 2 - 1 }

    /// `count` values uniform in [-scale, scale).
    public mutating func floats(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in signed() * scale } }

    /// `count` uniformly random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next() >> 56) } }

    /// `count` distinct values at least `gap` apart, shuffled: max-pool windows never tie,
    /// so a finite-difference step cannot flip the argmax.
    public mutating func distinct(_ count: Int, gap: Float = 0.01) -> [Float] {
        var v = (0..<count).map { Float($0) * gap - Float(count) * gap / 2 }
        v.shuffle(using: &self)
        return v
    }
}

extension AlignedBuffer {
    /// A buffer of `count` floats all set to `fill` (NaN by default in kernel tests, so a
    /// kernel that reads what it never wrote shows up).
    public convenience init(count: Int, fill: Float) {
        self.init(count: count)
        self.fill(fill)
    }
}

extension AlignedBuffer {
    /// `count` zeros.
    public convenience init(zeros count: Int) { self.init(count: count) }
    /// Shorthand for ``pointer`` in kernel calls.
    public var p: UnsafeMutablePointer<Float> { pointer }
    /// The contents widened to Double (for finite-difference references).
    public var doubles: [Double] { array.map(Double.init) }
}

extension AlignedBuffer {
    /// Element `index` (tests only; kernels take ``pointer``).
    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }
}
