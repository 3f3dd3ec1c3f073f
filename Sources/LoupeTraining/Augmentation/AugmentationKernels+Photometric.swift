import LoupeModel
import LoupeTensor

// MARK: - Pixel-wise operations (in place over `count` Floats)

extension AugmentationKernels {
    /// `min(max(v, 0), 1)` per lane, bit for bit like the scalar form (−0 → +0, NaN kept). Masks,
    /// not `clamped`/`pointwiseMax`, which the optimiser can leave as generic calls.
    @inline(__always) static func clamp01(_ v: V) -> V {
        let low = v.replacing(with: 0, where: v .<= 0)
        return low.replacing(with: 1, where: low .> 1)
    }
    @inline(__always) static func clamp01(_ v: Float) -> Float { min(max(v, 0), 1) }

    /// Σ values, in four SIMD16 Float accumulators. Relative error ≤ ~1e-6 for 300x300 images of
    /// [0, 1] pixels against ``sumReference(_:count:)`` (Double); used for the contrast mean.
    public static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        var i = 0
        while i + 64 <= count {
            a0 += load(values + i); a1 += load(values + i + 16); a2 += load(values + i + 32); a3 += load(values + i + 48)
            i += 64
        }
        while i + 16 <= count { a0 += load(values + i); i += 16 }
        var total = ((a0 + a1) + (a2 + a3)).sum()
        while i < count { total += values[i]; i += 1 }
        return total
    }

    public static func sumReference(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var total = 0.0
        for i in 0..<count { total += Double(values[i]) }
        return Float(total)
    }

    /// `x ← clamp01(offset + x·scale)` with one fused multiply-add (the twin fuses it too, so they
    /// agree bit for bit). Brightness b and contrast c around mean m: scale c, offset m(1 − c) + b.
    public static func affineClamp(_ values: UnsafeMutablePointer<Float>, count: Int, scale: Float, offset: Float) {
        let s = V(repeating: scale), o = V(repeating: offset)
        var i = 0
        while i + 16 <= count {
            store(clamp01(o.addingProduct(load(values + i), s)), values + i)
            i += 16
        }
        while i < count { values[i] = clamp01(offset.addingProduct(values[i], scale)); i += 1 }
    }

    public static func affineClampReference(_ values: UnsafeMutablePointer<Float>, count: Int, scale: Float, offset: Float) {
        for i in 0..<count { values[i] = min(max(offset.addingProduct(values[i], scale), 0), 1) }
    }

    /// `x ← clamp01(x + σ·z)`, z ≈ N(0, 1) per pixel: z = √3·(u₁ + u₂ + u₃ + u₄ − 2), an Irwin–Hall
    /// sum of four uniforms with a normal's mean and variance, bounded at ±2√3. Pixel i's four
    /// uniforms are the four 16-bit fields of the (i+1)-th output of `SplitMix64(seed:)`; the SIMD
    /// path computes that output directly from the counter (SplitMix64 is a hash of
    /// `seed + (i+1)·φ`), eight pixels per `SIMD8<UInt64>`, so it matches the twin, which just calls
    /// `next()`, bit for bit.
    public static func addNoiseClamp(_ values: UnsafeMutablePointer<Float>, count: Int, sigma: Float, seed: UInt64) {
        let scale = noiseScale(sigma)
        let phi: UInt64 = 0x9E37_79B9_7F4A_7C15
        var state = SIMD8<UInt64>(1, 2, 3, 4, 5, 6, 7, 8) &* phi &+ seed
        let step = SIMD8<UInt64>(repeating: 8 &* phi)
        let s = V(repeating: scale)
        var i = 0
        while i + 16 <= count {
            let low = fieldSums(splitMixHash(state)); state &+= step
            let high = fieldSums(splitMixHash(state)); state &+= step
            let k = SIMD16<Int32>(lowHalf: SIMD8<Int32>(truncatingIfNeeded: low), highHalf: SIMD8<Int32>(truncatingIfNeeded: high)) &- 131_070
            store(clamp01(load(values + i) + exactFloat(k) * s), values + i)
            i += 16
        }
        while i < count {
            var rng = SplitMix64(seed: seed &+ UInt64(i) &* phi)  // its first output is pixel i's
            values[i] = clamp01(values[i] + Float(Int32(fieldSum(rng.next())) - 131_070) * scale)
            i += 1
        }
    }

    public static func addNoiseClampReference(_ values: UnsafeMutablePointer<Float>, count: Int, sigma: Float, seed: UInt64) {
        let scale = noiseScale(sigma)
        var rng = SplitMix64(seed: seed)
        for i in 0..<count {
            let bits = rng.next()
            var sum: Int32 = 0
            for field in 0..<4 { sum += Int32((bits >> (16 * UInt64(field))) & 0xFFFF) }
            values[i] = min(max(values[i] + Float(sum - 131_070) * scale, 0), 1)
        }
    }

    /// σ·√3 / 65536: with u_k = (b_k + ½)/65536 for 16-bit fields b_k, Σu_k − 2 = (Σb_k − 131070)/65536.
    static func noiseScale(_ sigma: Float) -> Float { sigma * Float(3).squareRoot() / 65536 }

    /// SplitMix64's output function, lane-wise (`vpmullq` with AVX-512DQ).
    @inline(__always) static func splitMixHash(_ state: SIMD8<UInt64>) -> SIMD8<UInt64> {
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    @inline(__always) static func fieldSums(_ h: SIMD8<UInt64>) -> SIMD8<UInt64> {
        (h & 0xFFFF) &+ ((h &>> 16) & 0xFFFF) &+ ((h &>> 32) & 0xFFFF) &+ (h &>> 48)
    }

    @inline(__always) static func fieldSum(_ h: UInt64) -> UInt64 {
        (h & 0xFFFF) + ((h >> 16) & 0xFFFF) + ((h >> 32) & 0xFFFF) + (h >> 48)
    }

    /// Int32 → Float for |k| < 2²²: add into the mantissa of 1.5·2²³ and subtract it again. Exact,
    /// and two vector ops where the generic SIMD conversion is an out-of-line call.
    @inline(__always) static func exactFloat(_ k: SIMD16<Int32>) -> V {
        unsafeBitCast(k &+ 0x4B40_0000, to: V.self) - V(repeating: 12_582_912)
    }
}
