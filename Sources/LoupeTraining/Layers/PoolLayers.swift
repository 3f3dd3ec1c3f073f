import LoupeKernels
import LoupeTensor

/// Max pooling over a batch (NCHW, floor mode); padded positions never win.
public enum MaxPoolLayer {
    /// Writes each window's maximum and where it came from (the first of equal values).
    /// - Parameters:
    ///   - g: per-image geometry (`g.channels` = C).
    ///   - input: `(B, C, H, W)`. output: `(B, C, OH, OW)`.
    ///   - argmax: `(B, C, OH, OW)`, the winner's index `iy * W + ix` within its input plane.
    public static func forward(_ g: PoolGeometry, batch: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                               argmax: UnsafeMutablePointer<Int32>) {
        precondition(g.isValid, "MaxPoolLayer.forward: invalid geometry \(g)")
        let oh = g.outHeight, ow = g.outWidth, h = g.inHeight, w = g.inWidth
        for plane in 0..<(batch * g.channels) {
            let x = input + plane * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity
                    var at = -1
                    for ky in 0..<g.kernel {
                        let iy = oy * g.stride - g.padding + ky
                        if iy < 0 || iy >= h { continue }
                        for kx in 0..<g.kernel {
                            let ix = ox * g.stride - g.padding + kx
                            if ix < 0 || ix >= w { continue }
                            if at < 0 || x[iy * w + ix] > best { best = x[iy * w + ix]; at = iy * w + ix }
                        }
                    }
                    let o = (plane * oh + oy) * ow + ox
                    output[o] = best
                    argmax[o] = Int32(at)
                }
            }
        }
    }

    /// Routes each output gradient to its window's argmax: `dInput[argmax] += dOutput`.
    /// dInput: `(B, C, H, W)`. dOutput, argmax: `(B, C, OH, OW)`.
    public static func backward(_ g: PoolGeometry, batch: Int, dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
                                argmax: UnsafePointer<Int32>) {
        let outPlane = g.outHeight * g.outWidth, inPlane = g.inHeight * g.inWidth
        for plane in 0..<(batch * g.channels) {
            for o in 0..<outPlane {
                dInput[plane * inPlane + Int(argmax[plane * outPlane + o])] += dOutput[plane * outPlane + o]
            }
        }
    }
}

/// Average pooling over a batch (NCHW, floor mode); `countIncludePad` as in ONNX/PyTorch.
public enum AvgPoolLayer {
    /// input: `(B, C, H, W)`. output: `(B, C, OH, OW)`.
    public static func forward(_ g: PoolGeometry, batch: Int, countIncludePad: Bool, input: UnsafePointer<Float>,
                               output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid, "AvgPoolLayer.forward: invalid geometry \(g)")
        let image = g.channels * g.inHeight * g.inWidth, outImage = g.channels * g.outHeight * g.outWidth
        for b in 0..<batch {
            ReferenceKernels.avgPool2d(g, countIncludePad: countIncludePad, input: input + b * image, output: output + b * outImage)
        }
    }

    /// Spreads each output gradient evenly over its window: `dInput[tap] += dOutput / divisor`.
    /// dInput: `(B, C, H, W)`. dOutput: `(B, C, OH, OW)`.
    public static func backward(_ g: PoolGeometry, batch: Int, countIncludePad: Bool, dInput: UnsafeMutablePointer<Float>,
                                dOutput: UnsafePointer<Float>) {
        let oh = g.outHeight, ow = g.outWidth, h = g.inHeight, w = g.inWidth, k = g.kernel
        for plane in 0..<(batch * g.channels) {
            let dx = dInput + plane * h * w
            for oy in 0..<oh {
                let y0 = oy * g.stride - g.padding
                let kyLo = max(0, -y0), kyHi = min(k, h - y0)
                for ox in 0..<ow {
                    let x0 = ox * g.stride - g.padding
                    let kxLo = max(0, -x0), kxHi = min(k, w - x0)
                    let real = max(0, kyHi - kyLo) * max(0, kxHi - kxLo)
                    let d = dOutput[(plane * oh + oy) * ow + ox] / Float(countIncludePad ? k * k : max(real, 1))
                    for ky in kyLo..<max(kyLo, kyHi) {
                        for kx in kxLo..<max(kxLo, kxHi) { dx[(y0 + ky) * w + x0 + kx] += d }
                    }
                }
            }
        }
    }
}

/// Mean over each channel's spatial positions: `(B, C, spatial) -> (B, C)`.
public enum GlobalAvgPoolLayer {
    /// input: `(B, C, spatial)`. output: `(B, C)`.
    public static func forward(batch: Int, channels: Int, spatial: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        Kernels.globalAveragePool(channels: batch * channels, spatial: spatial, input: input, output: output)
    }

    /// `dInput[b, c, i] += dOutput[b, c] / spatial`. dInput: `(B, C, spatial)`. dOutput: `(B, C)`.
    public static func backward(batch: Int, channels: Int, spatial: Int, dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>) {
        let inv = 1 / Float(spatial)
        for bc in 0..<(batch * channels) {
            let d = dOutput[bc] * inv
            let dx = dInput + bc * spatial
            for i in 0..<spatial { dx[i] += d }
        }
    }
}
