/// Elementwise loops of the training layers on `SIMD16<Float>` (zmm with `-target-cpu native`),
/// each with its scalar tail in the same function. The layers' `...Reference` functions keep the
/// plain scalar loops as the oracle (`TrainingSpeedPathTests` compares them at tile-edge lengths).
///
/// A `mask` argument is a ReLU's output: where it is `<= 0` the ReLU blocked the gradient, so the
/// loop uses `dy = 0` there (ReLU backward fused into the next loop).
enum SIMDKernels {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self) }

    /// `dy` where `mask > 0`, else 0.
    @inline(__always)
    static func masked(_ dy: V, _ mask: V) -> V { dy.replacing(with: 0, where: mask .<= 0) }

    /// `Σ x[i]` (Float, two vector accumulators).
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var a = V(), b = V()
        var i = 0
        while i + 32 <= count { a += load(x, i); b += load(x, i + 16); i += 32 }
        if i + 16 <= count { a += load(x, i); i += 16 }
        var s = (a + b).sum()
        while i < count { s += x[i]; i += 1 }
        return s
    }

    /// `Σ (x[i] - center)²`.
    static func squaredDeviations(_ x: UnsafePointer<Float>, count: Int, center: Float) -> Float {
        let m = V(repeating: center)
        var a = V(), b = V()
        var i = 0
        while i + 32 <= count {
            let d0 = load(x, i) - m, d1 = load(x, i + 16) - m
            a = a.addingProduct(d0, d0); b = b.addingProduct(d1, d1)
            i += 32
        }
        if i + 16 <= count { let d = load(x, i) - m; a = a.addingProduct(d, d); i += 16 }
        var s = (a + b).sum()
        while i < count { let d = x[i] - center; s = s.addingProduct(d, d); i += 1 }
        return s
    }

    /// `y = x * scale + shift`, then `max(·, 0)` when `relu`. `y` may alias `x`.
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float, relu: Bool) {
        let s = V(repeating: scale), t = V(repeating: shift)
        var i = 0
        if relu {
            while i + 16 <= count {
                let v = t.addingProduct(load(x, i), s)
                store(v.replacing(with: 0, where: v .< 0), y, i)
                i += 16
            }
            while i < count { y[i] = max(shift.addingProduct(x[i], scale), 0); i += 1 }
        } else {
            while i + 16 <= count { store(t.addingProduct(load(x, i), s), y, i); i += 16 }
            while i < count { y[i] = shift.addingProduct(x[i], scale); i += 1 }
        }
    }

    /// `dx (=|+=) dy` where `y > 0`.
    static func reluBackward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, y: UnsafePointer<Float>, count: Int, accumulate: Bool) {
        var i = 0
        if accumulate {
            while i + 16 <= count { store(load(dx, i) + masked(load(dy, i), load(y, i)), dx, i); i += 16 }
            while i < count { if y[i] > 0 { dx[i] += dy[i] }; i += 1 }
        } else {
            while i + 16 <= count { store(masked(load(dy, i), load(y, i)), dx, i); i += 16 }
            while i < count { dx[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
        }
    }

    /// `dst (=|+=) src`.
    static func add(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int, accumulate: Bool) {
        if !accumulate { dst.update(from: src, count: count); return }
        var i = 0
        while i + 16 <= count { store(load(dst, i) + load(src, i), dst, i); i += 16 }
        while i < count { dst[i] += src[i]; i += 1 }
    }

    /// Batch-norm backward sums over one channel plane: `(Σ dz, Σ dz * (x - mean))` with
    /// `dz = dy` (masked by the fused ReLU's output when `mask` is given).
    static func gradientSums(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, mask: UnsafePointer<Float>?, count: Int,
                             mean: Float) -> (Float, Float) {
        let m = V(repeating: mean)
        var s0 = V(), s1 = V(), t0 = V(), t1 = V()
        var i = 0
        if let mask {
            while i + 32 <= count {
                let d0 = masked(load(dy, i), load(mask, i)), d1 = masked(load(dy, i + 16), load(mask, i + 16))
                s0 += d0; s1 += d1
                t0 = t0.addingProduct(d0, load(x, i) - m); t1 = t1.addingProduct(d1, load(x, i + 16) - m)
                i += 32
            }
        } else {
            while i + 32 <= count {
                let d0 = load(dy, i), d1 = load(dy, i + 16)
                s0 += d0; s1 += d1
                t0 = t0.addingProduct(d0, load(x, i) - m); t1 = t1.addingProduct(d1, load(x, i + 16) - m)
                i += 32
            }
        }
        var sum = (s0 + s1).sum(), dot = (t0 + t1).sum()
        while i < count {
            let d = (mask.map { $0[i] > 0 } ?? true) ? dy[i] : 0
            sum += d
            dot = dot.addingProduct(d, x[i] - mean)
            i += 1
        }
        return (sum, dot)
    }

    /// Batch-norm input gradient over one channel plane: `dx (=|+=) alpha * dz - beta - gammaX * (x - mean)`
    /// (`dz` as in ``gradientSums(dy:x:mask:count:mean:)``).
    static func applyGradient(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                              count: Int, mean: Float, alpha: Float, beta: Float, gammaX: Float, accumulate: Bool) {
        let a = V(repeating: alpha), nb = V(repeating: -beta), g = V(repeating: -gammaX), m = V(repeating: mean)
        var i = 0
        while i + 16 <= count {
            var dz = load(dy, i)
            if let mask { dz = masked(dz, load(mask, i)) }
            var v = nb.addingProduct(a, dz).addingProduct(g, load(x, i) - m)
            if accumulate { v += load(dx, i) }
            store(v, dx, i)
            i += 16
        }
        while i < count {
            let dz = (mask.map { $0[i] > 0 } ?? true) ? dy[i] : 0
            let v = (-beta).addingProduct(alpha, dz).addingProduct(-gammaX, x[i] - mean)
            dx[i] = accumulate ? dx[i] + v : v
            i += 1
        }
    }
}
