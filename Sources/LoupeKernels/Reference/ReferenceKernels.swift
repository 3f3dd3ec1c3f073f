#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import LoupeTensor

/// Plain scalar twins of every SIMD kernel: the oracle the tests compare against and
/// the fallback for shapes the fast paths do not take. Written for clarity, not speed.
/// Layouts are CHW for one image; shapes are given by the geometry structs.
public enum ReferenceKernels {
    /// Direct convolution. `bias` may be nil; `residual` (same shape as the output), when
    /// given, is added before the activation (the ResNet "add + ReLU" fused pattern).
    public static func conv2d(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>? = nil,
                              activation: Activation, output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid, "ReferenceKernels.conv2d: invalid geometry \(g)")
        let oh = g.outHeight, ow = g.outWidth, cpg = g.channelsPerGroup, k = g.kernel
        let outPerGroup = g.outChannels / g.groups
        for oc in 0..<g.outChannels {
            let group = oc / outPerGroup
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc: Float = bias?[oc] ?? 0
                    for ic in 0..<cpg {
                        let c = group * cpg + ic
                        for ky in 0..<k {
                            let iy = oy * g.stride - g.padding + ky
                            if iy < 0 || iy >= g.inHeight { continue }
                            for kx in 0..<k {
                                let ix = ox * g.stride - g.padding + kx
                                if ix < 0 || ix >= g.inWidth { continue }
                                acc += input[(c * g.inHeight + iy) * g.inWidth + ix] * weights[((oc * cpg + ic) * k + ky) * k + kx]
                            }
                        }
                    }
                    let o = (oc * oh + oy) * ow + ox
                    if let residual { acc += residual[o] }
                    output[o] = activation == .relu ? max(acc, 0) : acc
                }
            }
        }
    }

    /// Calls `body` with every real (unpadded) input under output `(c, oy, ox)`'s window.
    @inline(__always)
    static func forEachInput(under g: PoolGeometry, channel c: Int, oy: Int, ox: Int, _ input: UnsafePointer<Float>, _ body: (Float) -> Void) {
        for ky in 0..<g.kernel {
            let iy = oy * g.stride - g.padding + ky
            if iy < 0 || iy >= g.inHeight { continue }
            for kx in 0..<g.kernel {
                let ix = ox * g.stride - g.padding + kx
                if ix < 0 || ix >= g.inWidth { continue }
                body(input[(c * g.inHeight + iy) * g.inWidth + ix])
            }
        }
    }

    /// Max pooling; padded positions never win.
    public static func maxPool2d(_ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid, "ReferenceKernels.maxPool2d: invalid geometry \(g)")
        for c in 0..<g.channels {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var best = -Float.infinity
                    forEachInput(under: g, channel: c, oy: oy, ox: ox, input) { best = max(best, $0) }
                    output[(c * g.outHeight + oy) * g.outWidth + ox] = best
                }
            }
        }
    }

    /// Average pooling. `countIncludePad` follows ONNX/PyTorch: when false the divisor is
    /// the number of real (unpadded) inputs under the window.
    public static func avgPool2d(_ g: PoolGeometry, countIncludePad: Bool, input: UnsafePointer<Float>,
                                 output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid, "ReferenceKernels.avgPool2d: invalid geometry \(g)")
        for c in 0..<g.channels {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var sum: Float = 0
                    var n = 0
                    forEachInput(under: g, channel: c, oy: oy, ox: ox, input) { sum += $0; n += 1 }
                    let divisor = countIncludePad ? g.kernel * g.kernel : max(n, 1)
                    output[(c * g.outHeight + oy) * g.outWidth + ox] = sum / Float(divisor)
                }
            }
        }
    }

    /// Mean over each channel's `spatial` values: `[channels, spatial] -> [channels]`.
    public static func globalAveragePool(channels: Int, spatial: Int, input: UnsafePointer<Float>,
                                         output: UnsafeMutablePointer<Float>) {
        for c in 0..<channels {
            var sum: Float = 0
            for i in 0..<spatial { sum += input[c * spatial + i] }
            output[c] = sum / Float(spatial)
        }
    }

    /// Fully connected: `output[b, o] = act(bias[o] + sum_i input[b, i] * weights[o, i])`.
    /// input `[batch, inFeatures]`, weights `[outFeatures, inFeatures]`, output `[batch, outFeatures]`.
    public static func dense(batch: Int, inFeatures: Int, outFeatures: Int, input: UnsafePointer<Float>,
                             weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation,
                             output: UnsafeMutablePointer<Float>) {
        for b in 0..<batch {
            for o in 0..<outFeatures {
                var acc: Float = bias?[o] ?? 0
                for i in 0..<inFeatures { acc += input[b * inFeatures + i] * weights[o * inFeatures + i] }
                output[b * outFeatures + o] = activation == .relu ? max(acc, 0) : acc
            }
        }
    }

    /// Numerically stable softmax over each row of `[rows, width]`.
    public static func softmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            var m = -Float.infinity
            for i in 0..<width { m = max(m, input[r * width + i]) }
            var sum: Float = 0
            for i in 0..<width {
                let e = (input[r * width + i] - m).exp
                output[r * width + i] = e
                sum += e
            }
            for i in 0..<width { output[r * width + i] /= sum }
        }
    }

    /// `output = act(a + b)` elementwise; `output` may alias `a` or `b`.
    public static func add(count: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, activation: Activation,
                           output: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let s = a[i] + b[i]
            output[i] = activation == .relu ? max(s, 0) : s
        }
    }

    /// `output = max(input, 0)`; may run in place.
    public static func relu(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for i in 0..<count { output[i] = max(input[i], 0) }
    }

    /// `C[m, n] (+)= sum_k A[m, k] * B[k, n]`, row-major with leading dimensions.
    public static func sgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        for i in 0..<m {
            for j in 0..<n {
                var acc: Float = accumulate ? c[i * ldc + j] : 0
                for p in 0..<k { acc += a[i * lda + p] * b[p * ldb + j] }
                c[i * ldc + j] = acc
            }
        }
    }
}

extension Float {
    /// e^self via the C library (the same `expf` every kernel uses, so twins agree).
    @inline(__always) var exp: Float { expf(self) }
}
