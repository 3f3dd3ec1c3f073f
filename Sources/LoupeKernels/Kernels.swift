/// The SIMD kernels other than convolution. Each has a scalar twin of the same name in
/// ``ReferenceKernels``; tests compare the two over tile-edge sizes. Every kernel is a
/// `SIMD16<Float>` body plus a scalar tail; they are a small share of a network's time, so
/// they stay simple (no unrolling, no threads).
import LoupeTensor
public enum Kernels {
    typealias V = SIMD16<Float>

    /// Max pooling; padded positions never win. Vector path: 16 output columns at a time for
    /// stride 1 or 2 where every tap of the 16 windows is inside the row (stride 2 deinterleaves
    /// a 32-float load); other columns go through the scalar window.
    public static func maxPool2d(_ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid, "Kernels.maxPool2d: invalid geometry \(g)")
        pool(g, input: input, output: output, isMax: true, countIncludePad: false)
    }

    /// Average pooling (`countIncludePad` as in ONNX/PyTorch); same vector path as ``maxPool2d(_:input:output:)``.
    public static func avgPool2d(_ g: PoolGeometry, countIncludePad: Bool, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid, "Kernels.avgPool2d: invalid geometry \(g)")
        pool(g, input: input, output: output, isMax: false, countIncludePad: countIncludePad)
    }

    @inline(__always)
    static func pool(_ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, isMax: Bool,
                     countIncludePad: Bool) {
        let oh = g.outHeight, ow = g.outWidth, k = g.kernel, s = g.stride, pad = g.padding
        let h = g.inHeight, w = g.inWidth
        let loadWidth = s == 1 ? 16 : 32
        for c in 0..<g.channels {
            let plane = input + c * h * w
            for oy in 0..<oh {
                let out = output + (c * oh + oy) * ow
                let y0 = oy * s - pad
                let kyLo = max(0, -y0), kyHi = min(k, h - y0)
                var ox = 0
                // Scalar window for one output column (edges, tails, other strides).
                func scalar(_ ox: Int) {
                    let x0 = ox * s - pad
                    let kxLo = max(0, -x0), kxHi = min(k, w - x0)
                    var acc: Float = isMax ? -.infinity : 0
                    for ky in kyLo..<max(kyLo, kyHi) {
                        for kx in kxLo..<max(kxLo, kxHi) {
                            let v = plane[(y0 + ky) * w + x0 + kx]
                            acc = isMax ? max(acc, v) : acc + v
                        }
                    }
                    if !isMax {
                        let n = max(0, kyHi - kyLo) * max(0, kxHi - kxLo)
                        acc /= Float(countIncludePad ? k * k : max(n, 1))
                    }
                    out[ox] = acc
                }
                if s <= 2 {
                    while ox < ow && ox * s - pad < 0 { scalar(ox); ox += 1 }
                    // Vector chunk [ox, ox+16): taps from x0 to x0 + k - 1 + loadWidth - 1 must lie in the row.
                    while ox + 16 <= ow && ox * s - pad + k - 1 + loadWidth - 1 < w {
                        let x0 = ox * s - pad
                        var acc = isMax ? V(repeating: -.infinity) : V()
                        for ky in kyLo..<max(kyLo, kyHi) {
                            let row = UnsafeRawPointer(plane + (y0 + ky) * w + x0)
                            for kx in 0..<k {
                                let v: V = s == 1 ? row.loadUnaligned(fromByteOffset: kx * 4, as: V.self)
                                    : row.loadUnaligned(fromByteOffset: kx * 4, as: SIMD32<Float>.self).evenHalf
                                acc = isMax ? acc.replacing(with: v, where: v .> acc) : acc + v
                            }
                        }
                        if !isMax {
                            acc /= V(repeating: Float(countIncludePad ? k * k : max(1, max(0, kyHi - kyLo) * k)))
                        }
                        UnsafeMutableRawPointer(out + ox).storeBytes(of: acc, as: V.self)
                        ox += 16
                    }
                }
                while ox < ow { scalar(ox); ox += 1 }
            }
        }
    }

    /// Mean over each channel's `spatial` values: `[channels, spatial] -> [channels]`.
    public static func globalAveragePool(channels: Int, spatial: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for c in 0..<channels {
            output[c] = sum(input + c * spatial, count: spatial) / Float(spatial)
        }
    }

    /// Fully connected: input `[batch, inFeatures]`, weights `[outFeatures, inFeatures]`, output `[batch, outFeatures]`.
    public static func dense(batch: Int, inFeatures: Int, outFeatures: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>?, activation: Activation, output: UnsafeMutablePointer<Float>) {
        for b in 0..<batch {
            let x = input + b * inFeatures
            for o in 0..<outFeatures {
                var acc = (bias?[o] ?? 0) + dot(x, weights + o * inFeatures, count: inFeatures)
                if activation == .relu { acc = max(acc, 0) }
                output[b * outFeatures + o] = acc
            }
        }
    }

    /// Numerically stable softmax over each row of `[rows, width]`. `exp` stays scalar (`expf`,
    /// like the twin); max, sum and the division are vectorised.
    public static func softmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let x = input + r * width, y = output + r * width
            var m = -Float.infinity
            var i = 0
            if width >= 16 {
                var mv = V(repeating: -.infinity)
                while i + 16 <= width {
                    let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
                    mv = mv.replacing(with: v, where: v .> mv)
                    i += 16
                }
                m = mv.max()
            }
            while i < width { m = max(m, x[i]); i += 1 }
            for j in 0..<width { y[j] = (x[j] - m).exp }
            let total = sum(UnsafePointer(y), count: width)
            i = 0
            let tv = V(repeating: total)
            while i + 16 <= width {
                let p = UnsafeMutableRawPointer(y + i)
                p.storeBytes(of: p.loadUnaligned(as: V.self) / tv, as: V.self)
                i += 16
            }
            while i < width { y[i] /= total; i += 1 }
        }
    }

    /// `output = act(a + b)` elementwise; `output` may alias `a` or `b`.
    public static func add(count: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, activation: Activation,
                           output: UnsafeMutablePointer<Float>) {
        let relu = activation == .relu
        var i = 0
        while i + 16 <= count {
            var s = UnsafeRawPointer(a + i).loadUnaligned(as: V.self) + UnsafeRawPointer(b + i).loadUnaligned(as: V.self)
            if relu { s = relu16(s) }
            UnsafeMutableRawPointer(output + i).storeBytes(of: s, as: V.self)
            i += 16
        }
        while i < count {
            let s = a[i] + b[i]
            output[i] = relu ? max(s, 0) : s
            i += 1
        }
    }

    /// `output = max(input, 0)`; may run in place.
    public static func relu(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 16 <= count {
            UnsafeMutableRawPointer(output + i).storeBytes(of: relu16(UnsafeRawPointer(input + i).loadUnaligned(as: V.self)), as: V.self)
            i += 16
        }
        while i < count { output[i] = max(input[i], 0); i += 1 }
    }

    /// Sum of `count` floats: 16 lanes, then the lanes, then the tail.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = V()
        var i = 0
        while i + 16 <= count {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            i += 16
        }
        var total = acc.sum()
        while i < count { total += x[i]; i += 1 }
        return total
    }

    /// Dot product of two `count`-float vectors (FMA per 16 lanes, scalar tail).
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var acc = V()
        var i = 0
        while i + 16 <= count {
            acc = acc.addingProduct(UnsafeRawPointer(x + i).loadUnaligned(as: V.self), UnsafeRawPointer(y + i).loadUnaligned(as: V.self))
            i += 16
        }
        var total = acc.sum()
        while i < count { total = total.addingProduct(x[i], y[i]); i += 1 }
        return total
    }
}
