#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Gamma: x ← clamp01(x)^γ

extension AugmentationKernels {
    /// `x ← clamp01(x)^γ` as 2^(γ·log2 x) with polynomials (Cephes `logf`/`exp2f` coefficients),
    /// 16 pixels per step; x below the smallest normal Float gives 0.
    ///
    /// Accuracy against `pow` in Double, for γ in [e⁻¹, e] (``AugmentationConfig/gamma`` ≤ 1):
    /// absolute error ≤ 1e-7 — measured 8.1e-8, about 1.4 ulp of 1.0, on every 8-bit level, 2²⁰
    /// evenly spaced points of [0, 1] and tiny values, for 21 γ (`AugmentationKernelTests.
    /// testGammaPolynomialErrorBound`); the `powf` twin measured 3.0e-8 there. Speed on 300x300
    /// (`loupe-bench augmentation`): 61 µs, vs 162 µs for ``gammaTable(_:count:gamma:table:)`` and
    /// 460 µs for `powf`.
    public static func gammaPolynomial(_ values: UnsafeMutablePointer<Float>, count: Int, gamma: Float) {
        var i = 0
        while i + 16 <= count {
            store(powUnit(clamp01(load(values + i)), gamma: gamma), values + i)
            i += 16
        }
        if i < count {  // the tail through the same vector code, on a padded copy
            var tail = V(repeating: 1)
            for lane in 0..<(count - i) { tail[lane] = values[i + lane] }
            let out = powUnit(clamp01(tail), gamma: gamma)
            for lane in 0..<(count - i) { values[i + lane] = out[lane] }
        }
    }

    /// The twin: `powf` per pixel.
    public static func gammaReference(_ values: UnsafeMutablePointer<Float>, count: Int, gamma: Float) {
        for i in 0..<count { values[i] = powf(min(max(values[i], 0), 1), gamma) }
    }

    /// The measured alternative: a table of `(i/4096)^γ`, i = 0…4096, built per call with `powf`
    /// into `table` (4097 Floats, caller-owned), read with linear interpolation. Its error is
    /// largest near 0 when γ < 1, where the curve is steepest: measured 1.7e-2 at γ = e⁻¹
    /// (≈ 7e-5 at γ = 0.82). Building the table costs 4097 `powf` per call, and the lookups are
    /// scalar gathers: ``gammaPolynomial(_:count:gamma:)`` is more accurate and 2.6x faster on
    /// 300x300 images (`loupe-bench augmentation`), so ``Augmenter`` uses that.
    public static func gammaTable(_ values: UnsafeMutablePointer<Float>, count: Int, gamma: Float,
                                  table: UnsafeMutablePointer<Float>) {
        for k in 0...4096 { table[k] = powf(Float(k) / 4096, gamma) }
        for i in 0..<count {
            let u = clamp01(values[i]) * 4096
            let k = min(Int(u), 4095)
            let f = u - Float(k)
            values[i] = table[k].addingProduct(f, table[k + 1] - table[k])
        }
    }

    /// x^γ for x in [0, 1] (lanes), γ > 0.
    @inline(__always) static func powUnit(_ x: V, gamma: Float) -> V {
        typealias I = SIMD16<Int32>
        // x = 2^e · m, m in [√½, √2): split the exponent off the bit pattern.
        let bits = unsafeBitCast(x, to: I.self)
        var e = (bits &>> 23) &- 127
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: V.self)  // [1, 2)
        let high = m .> V(repeating: 1.414_213_5)
        m.replace(with: m * 0.5, where: high)
        e.replace(with: e &+ 1, where: high)
        // ln m = t − t²/2 + t³·P(t), t = m − 1 in [−0.29, 0.42] (Cephes logf).
        let t = m - 1, t2 = t * t
        var p = V(repeating: 7.037_683_629_2e-2)
        p = V(repeating: -1.151_461_031_0e-1).addingProduct(p, t)
        p = V(repeating: 1.167_699_874_0e-1).addingProduct(p, t)
        p = V(repeating: -1.242_014_084_6e-1).addingProduct(p, t)
        p = V(repeating: 1.424_932_278_7e-1).addingProduct(p, t)
        p = V(repeating: -1.666_805_766_5e-1).addingProduct(p, t)
        p = V(repeating: 2.000_071_476_5e-1).addingProduct(p, t)
        p = V(repeating: -2.499_999_399_3e-1).addingProduct(p, t)
        p = V(repeating: 3.333_333_117_4e-1).addingProduct(p, t)
        let lnM = t + (V(repeating: -0.5) * t2).addingProduct(p * t, t2)
        let log2x = exactFloat(e).addingProduct(lnM, V(repeating: 1.442_695_04))
        // 2^y, y = γ·log2 x ≤ 0, as 2^n · 2^f with n = round(y), f in [−½, ½] (Cephes exp2f).
        var y = V(repeating: gamma) * log2x  // ≤ 0 up to rounding
        y.replace(with: -126, where: y .< -126)
        y.replace(with: 0, where: y .> 0)
        let shifted = y + V(repeating: 12_582_912)  // 1.5·2²³: rounds y to an integer in the mantissa
        let n = shifted - V(repeating: 12_582_912)
        let f = y - n
        var q = V(repeating: 1.535_336_188_319_500e-4)
        q = V(repeating: 1.339_887_440_266_574e-3).addingProduct(q, f)
        q = V(repeating: 9.618_437_357_674_640e-3).addingProduct(q, f)
        q = V(repeating: 5.550_332_471_162_809e-2).addingProduct(q, f)
        q = V(repeating: 2.402_264_791_363_012e-1).addingProduct(q, f)
        q = V(repeating: 6.931_472_028_550_421e-1).addingProduct(q, f)
        let twoF = V(repeating: 1).addingProduct(q, f)
        let twoN = unsafeBitCast((unsafeBitCast(shifted, to: I.self) &- 0x4B40_0000 &+ 127) &<< 23, to: V.self)
        var result = twoF * twoN
        result.replace(with: 0, where: x .< V(repeating: .leastNormalMagnitude))
        return result
    }
}
