import LoupeKernels

/// 2-D convolution for training: forward and backward over a batch in NCHW, groups = 1.
///
/// Fast path: per image, im2col + ``Gemm/sgemm`` (forward `Y = W·col`, backward
/// `dW += dY·colᵀ`, `dcol = Wᵀ·dY` then col2im). The scalar twins ``forwardReference`` and
/// ``backwardReference`` are direct loops: the oracle for tests and the fallback.
/// Scratch (im2col buffers, one ``GemmWorkspace``) is allocated once per call, not per image;
/// a workspace planned once per network is the next step (docs/training.md).
public enum ConvLayer {
    /// `output = conv(input, weights) + bias`.
    /// - Parameters:
    ///   - g: per-image geometry; `g.isValid` and `g.groups == 1` (preconditions).
    ///   - input: `(B, Cin, H, W)`. weights: `(Cout, Cin, k, k)`. bias: `(Cout)` or nil.
    ///   - output: `(B, Cout, OH, OW)`, overwritten.
    public static func forward(_ g: ConvGeometry, batch: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvLayer.forward: needs a valid ungrouped geometry, got \(g)")
        let n = g.outHeight * g.outWidth, kk = g.inChannels * g.kernel * g.kernel
        let direct = isPointwise(g)
        let col = UnsafeMutablePointer<Float>.allocate(capacity: direct ? 1 : kk * n) // (K, OH*OW)
        defer { col.deallocate() }
        let workspace = GemmWorkspace()
        for b in 0..<batch {
            let x = input + b * g.inputCount        // (Cin, H, W)
            let y = output + b * g.outputCount      // (Cout, OH, OW)
            if !direct { im2col(g, input: x, col: col) }
            Gemm.sgemm(m: g.outChannels, n: n, k: kk, a: weights, lda: kk, b: direct ? x : UnsafePointer(col), ldb: n,
                       c: y, ldc: n, accumulate: false, workspace: workspace)
            if let bias {
                for oc in 0..<g.outChannels {
                    let row = y + oc * n
                    let v = bias[oc]
                    for i in 0..<n { row[i] += v }
                }
            }
        }
    }

    /// Accumulates (`+=`) the gradients of ``forward``: `dInput` (optional, e.g. skipped for
    /// the first layer), `dWeights`, `dBias` (optional).
    /// - Parameters:
    ///   - dInput: `(B, Cin, H, W)` or nil. dWeights: `(Cout, Cin, k, k)`. dBias: `(Cout)` or nil.
    ///   - dOutput: `(B, Cout, OH, OW)`. input: `(B, Cin, H, W)`. weights: `(Cout, Cin, k, k)`.
    public static func backward(_ g: ConvGeometry, batch: Int, dInput: UnsafeMutablePointer<Float>?, dWeights: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>?, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                weights: UnsafePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvLayer.backward: needs a valid ungrouped geometry, got \(g)")
        let n = g.outHeight * g.outWidth, kk = g.inChannels * g.kernel * g.kernel, cout = g.outChannels
        let direct = isPointwise(g)
        let colT = UnsafeMutablePointer<Float>.allocate(capacity: n * kk)                  // (OH*OW, K)
        let dCol = UnsafeMutablePointer<Float>.allocate(capacity: direct ? 1 : kk * n)      // (K, OH*OW)
        let wT = UnsafeMutablePointer<Float>.allocate(capacity: kk * cout)                  // (K, Cout)
        defer { colT.deallocate(); dCol.deallocate(); wT.deallocate() }
        let workspace = GemmWorkspace()
        for oc in 0..<cout { for p in 0..<kk { wT[p * cout + oc] = weights[oc * kk + p] } }
        for b in 0..<batch {
            let x = input + b * g.inputCount        // (Cin, H, W)
            let dy = dOutput + b * g.outputCount    // (Cout, OH*OW)
            if let dBias {
                for oc in 0..<cout {
                    var s: Float = 0
                    for i in 0..<n { s += dy[oc * n + i] }
                    dBias[oc] += s
                }
            }
            im2colTransposed(g, input: x, colT: colT)
            // dW (Cout, K) += dY (Cout, N) · colᵀ (N, K)
            Gemm.sgemm(m: cout, n: kk, k: n, a: dy, lda: n, b: colT, ldb: kk, c: dWeights, ldc: kk, accumulate: true, workspace: workspace)
            if let dInput {
                let dx = dInput + b * g.inputCount  // (Cin, H, W)
                if direct {
                    // dX (Cin, H*W) += Wᵀ (Cin, Cout) · dY (Cout, N)
                    Gemm.sgemm(m: kk, n: n, k: cout, a: wT, lda: cout, b: dy, ldb: n, c: dx, ldc: n, accumulate: true, workspace: workspace)
                } else {
                    // dcol (K, N) = Wᵀ (K, Cout) · dY (Cout, N), then scattered back onto the image.
                    Gemm.sgemm(m: kk, n: n, k: cout, a: wT, lda: cout, b: dy, ldb: n, c: dCol, ldc: n, accumulate: false, workspace: workspace)
                    col2imAccumulate(g, col: dCol, dInput: dx)
                }
            }
        }
    }

    /// Scalar twin of ``forward``: direct loops.
    public static func forwardReference(_ g: ConvGeometry, batch: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvLayer.forwardReference: needs a valid ungrouped geometry, got \(g)")
        for b in 0..<batch {
            ReferenceKernels.conv2d(g, input: input + b * g.inputCount, weights: weights, bias: bias, activation: .none,
                                    output: output + b * g.outputCount)
        }
    }

    /// Scalar twin of ``backward``: direct loops, same accumulate contract.
    public static func backwardReference(_ g: ConvGeometry, batch: Int, dInput: UnsafeMutablePointer<Float>?,
                                         dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                                         dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, weights: UnsafePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvLayer.backwardReference: needs a valid ungrouped geometry, got \(g)")
        let oh = g.outHeight, ow = g.outWidth, k = g.kernel, h = g.inHeight, w = g.inWidth
        for b in 0..<batch {
            let x = input + b * g.inputCount, dy = dOutput + b * g.outputCount
            for oc in 0..<g.outChannels {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let d = dy[(oc * oh + oy) * ow + ox]
                        dBias?[oc] += d
                        for ic in 0..<g.inChannels {
                            for ky in 0..<k {
                                let iy = oy * g.stride - g.padding + ky
                                if iy < 0 || iy >= h { continue }
                                for kx in 0..<k {
                                    let ix = ox * g.stride - g.padding + kx
                                    if ix < 0 || ix >= w { continue }
                                    let wi = ((oc * g.inChannels + ic) * k + ky) * k + kx
                                    let xi = (ic * h + iy) * w + ix
                                    dWeights[wi] += d * x[xi]
                                    dInput?[b * g.inputCount + xi] += d * weights[wi]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// 1x1, stride 1, no padding: the image already is the column matrix.
    static func isPointwise(_ g: ConvGeometry) -> Bool { g.kernel == 1 && g.stride == 1 && g.padding == 0 }

    /// `col[(ic, ky, kx), (oy, ox)] = x[ic, oy*s - p + ky, ox*s - p + kx]` (0 outside): `(K, OH*OW)`.
    static func im2col(_ g: ConvGeometry, input x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>) {
        let oh = g.outHeight, ow = g.outWidth, k = g.kernel, h = g.inHeight, w = g.inWidth, n = oh * ow
        for ic in 0..<g.inChannels {
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = col + ((ic * k + ky) * k + kx) * n
                    for oy in 0..<oh {
                        let iy = oy * g.stride - g.padding + ky
                        for ox in 0..<ow {
                            let ix = ox * g.stride - g.padding + kx
                            row[oy * ow + ox] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[(ic * h + iy) * w + ix] : 0
                        }
                    }
                }
            }
        }
    }

    /// The transpose of ``im2col``: `(OH*OW, K)`, each output position's receptive field contiguous.
    static func im2colTransposed(_ g: ConvGeometry, input x: UnsafePointer<Float>, colT: UnsafeMutablePointer<Float>) {
        let oh = g.outHeight, ow = g.outWidth, k = g.kernel, h = g.inHeight, w = g.inWidth
        let kk = g.inChannels * k * k
        for oy in 0..<oh {
            for ox in 0..<ow {
                let row = colT + (oy * ow + ox) * kk
                for ic in 0..<g.inChannels {
                    for ky in 0..<k {
                        let iy = oy * g.stride - g.padding + ky
                        for kx in 0..<k {
                            let ix = ox * g.stride - g.padding + kx
                            row[(ic * k + ky) * k + kx] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[(ic * h + iy) * w + ix] : 0
                        }
                    }
                }
            }
        }
    }

    /// Adjoint of ``im2col``: `dInput[ic, iy, ix] += col[(ic, ky, kx), (oy, ox)]` for every tap that read it.
    static func col2imAccumulate(_ g: ConvGeometry, col: UnsafePointer<Float>, dInput dx: UnsafeMutablePointer<Float>) {
        let oh = g.outHeight, ow = g.outWidth, k = g.kernel, h = g.inHeight, w = g.inWidth, n = oh * ow
        for ic in 0..<g.inChannels {
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = col + ((ic * k + ky) * k + kx) * n
                    for oy in 0..<oh {
                        let iy = oy * g.stride - g.padding + ky
                        if iy < 0 || iy >= h { continue }
                        for ox in 0..<ow {
                            let ix = ox * g.stride - g.padding + kx
                            if ix < 0 || ix >= w { continue }
                            dx[(ic * h + iy) * w + ix] += row[oy * ow + ox]
                        }
                    }
                }
            }
        }
    }
}
