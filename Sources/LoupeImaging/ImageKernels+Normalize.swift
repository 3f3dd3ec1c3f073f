extension ImageKernels {
    /// In place `values[i] = (values[i] - mean) / std`, as one FMA with `1/std`.
    ///
    /// - Parameters:
    ///   - values: `count` floats (one plane).
    ///   - std: Must be non-zero.
    public static func normalize(_ values: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float) {
        precondition(std != 0 && count >= 0, "normalize: std must be non-zero and count non-negative")
        let scale = 1 / std, offset = -mean / std
        let scaleVector = Vector(repeating: scale), offsetVector = Vector(repeating: offset)
        var i = 0
        while i + vectorWidth <= count {
            store(offsetVector.addingProduct(load(values + i), scaleVector), values + i)
            i += vectorWidth
        }
        while i < count {
            values[i] = offset.addingProduct(values[i], scale)
            i += 1
        }
    }

    /// Scalar reference twin of ``normalize(_:count:mean:std:)``: the literal formula.
    public static func normalizeReference(_ values: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float) {
        precondition(std != 0 && count >= 0, "normalizeReference: std must be non-zero and count non-negative")
        for i in 0..<count { values[i] = (values[i] - mean) / std }
    }
}
