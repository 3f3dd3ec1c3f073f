import LoupeTensor

// Input gradient: a transposed, flipped forward convolution for stride 1; `dcol = Wᵀ·dY` and col2im otherwise.
extension ConvTrainingKernels {
    /// Whether the input gradient runs as a forward convolution (stride 1, `padding <= k - 1`).
    public static func inputGradientIsConvolution(_ g: ConvGeometry) -> Bool { g.stride == 1 && g.padding <= g.kernel - 1 }

    /// The forward geometry whose output is `dX` when ``inputGradientIsConvolution(_:)``:
    /// `dY (Cout, OH, OW)` convolved with `W'[ic][oc] = flip(W[oc][ic])`, padding `k - 1 - p`.
    public static func inputGradientGeometry(_ g: ConvGeometry) -> ConvGeometry {
        ConvGeometry(inChannels: g.outChannels, outChannels: g.inChannels, inHeight: g.outHeight, inWidth: g.outWidth,
                     kernel: g.kernel, stride: 1, padding: g.kernel - 1 - g.padding)
    }

    /// Floats of ``packInputGradientWeights(_:weights:into:)``'s output.
    public static func packedInputGradientWeightsCount(_ g: ConvGeometry) -> Int {
        roundUp(inputGradientIsConvolution(g) ? g.inChannels : depth(g), gemmTileRows) * (inputGradientIsConvolution(g) ? depth(inputGradientGeometry(g)) : g.outChannels)
    }

    /// Packs the weights for ``inputGradient(_:dOutput:packedWeights:dInput:accumulate:scratch:)``:
    /// flipped and transposed (`Cin` rows of depth `Cout*k*k`) for the convolution form, else
    /// `Wᵀ` (`K` rows of depth `Cout`).
    public static func packInputGradientWeights(_ g: ConvGeometry, weights w: UnsafePointer<Float>, into packed: UnsafeMutablePointer<Float>) {
        precondition(g.groups == 1, "ConvTrainingKernels.packInputGradientWeights: groups must be 1")
        let k = g.kernel, kk = k * k, cin = g.inChannels, cout = g.outChannels
        if inputGradientIsConvolution(g) {
            let depth = cout * kk
            for panel in 0..<((cin + 7) / 8) {
                let out = packed + panel * depth * gemmTileRows
                for d in 0..<depth {
                    let oc = d / kk, tap = d % kk, flipped = kk - 1 - tap
                    for r in 0..<gemmTileRows {
                        let ic = panel * gemmTileRows + r
                        out[d * gemmTileRows + r] = ic < cin ? w[(oc * cin + ic) * kk + flipped] : 0
                    }
                }
            }
        } else {
            let rows = depth(g)
            for panel in 0..<((rows + 7) / 8) {
                let out = packed + panel * cout * gemmTileRows
                for oc in 0..<cout {
                    for r in 0..<gemmTileRows {
                        let p = panel * gemmTileRows + r
                        out[oc * gemmTileRows + r] = p < rows ? w[oc * rows + p] : 0
                    }
                }
            }
        }
    }

    /// Floats of scratch ``inputGradient(_:dOutput:packedWeights:dInput:accumulate:scratch:)`` needs.
    public static func inputGradientScratchCount(_ g: ConvGeometry) -> Int {
        if inputGradientIsConvolution(g) { return forwardScratchCount(inputGradientGeometry(g)) }
        if isStride2Kernel3Padding1(g) { return roundUp(depth(g), gemmTileRows) * g.outHeight * g.outWidth + g.outChannels * gemmTileCols }
        return roundUp(depth(g), gemmTileRows) * gemmTileCols + g.outChannels * gemmTileCols
    }

    /// 3x3, stride 2, padding 1: the downsampling convs, whose col2im has a vector form.
    static func isStride2Kernel3Padding1(_ g: ConvGeometry) -> Bool { g.kernel == 3 && g.stride == 2 && g.padding == 1 }

    /// `dInput (=|+=) ∂/∂input` of one image's convolution, given `dOutput`.
    /// - Parameters:
    ///   - dOutput: `(Cout, OH, OW)`. packedWeights: from ``packInputGradientWeights(_:weights:into:)``.
    ///   - dInput: `(Cin, H, W)`; overwritten, or added to when `accumulate`.
    ///   - scratch: ``inputGradientScratchCount(_:)`` floats.
    public static func inputGradient(_ g: ConvGeometry, dOutput: UnsafePointer<Float>, packedWeights: UnsafePointer<Float>,
                                     dInput: UnsafeMutablePointer<Float>, accumulate: Bool, scratch: UnsafeMutablePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvTrainingKernels.inputGradient: needs a valid ungrouped geometry, got \(g)")
        if inputGradientIsConvolution(g) {
            forward(inputGradientGeometry(g), input: dOutput, packedWeights: packedWeights, bias: nil, output: dInput,
                    accumulate: accumulate, scratch: scratch)
            return
        }
        if !accumulate { dInput.update(repeating: 0, count: g.inputCount) }
        if isStride2Kernel3Padding1(g) {
            inputGradientStride2(g, dOutput: dOutput, packedWeights: packedWeights, dInput: dInput, scratch: scratch)
            return
        }
        let n = g.outHeight * g.outWidth, kk = depth(g), cout = g.outChannels
        let k = g.kernel, s = g.stride, pad = g.padding, h = g.inHeight, w = g.inWidth, ow = g.outWidth
        let dCol = scratch                                         // (roundUp(K, 8), 32)
        let tail = scratch + roundUp(kk, gemmTileRows) * gemmTileCols  // (Cout, 32): the last, partial panel of dY
        for q0 in stride(from: 0, to: n, by: gemmTileCols) {
            let cols = min(gemmTileCols, n - q0)
            let (b, bStride) = dOutputPanel(dOutput, pixels: n, channels: cout, from: q0, count: cols, tail: tail)
            for ir in stride(from: 0, to: kk, by: gemmTileRows) {
                gemmTile(kc: cout, a: packedWeights + ir * cout, b: b, bStride: bStride, c: dCol + ir * gemmTileCols,
                                    ldc: gemmTileCols, rows: gemmTileRows, cols: gemmTileCols, epilogue: .plain)
            }
            // col2im for this panel: tap (ic, ky, kx) of pixel (oy, ox) lands on (oy*s - p + ky, ox*s - p + kx).
            let firstY = q0 / ow, firstX = q0 % ow
            for ic in 0..<g.inChannels {
                let plane = dInput + ic * h * w
                for ky in 0..<k {
                    for kx in 0..<k {
                        let row = dCol + ((ic * k + ky) * k + kx) * gemmTileCols
                        var oy = firstY, ox = firstX
                        for j in 0..<cols {
                            let iy = oy * s - pad + ky, ix = ox * s - pad + kx
                            if iy >= 0 && iy < h && ix >= 0 && ix < w { plane[iy * w + ix] += row[j] }
                            ox += 1
                            if ox == ow { ox = 0; oy += 1 }
                        }
                    }
                }
            }
        }
    }

    /// Columns `q0 ..< q0 + count` of `dY (channels, pixels)` as a B panel for the micro-kernel:
    /// in place when a full 32-column panel, else copied into `tail (channels, 32)` zero-padded.
    static func dOutputPanel(_ dOutput: UnsafePointer<Float>, pixels n: Int, channels: Int, from q0: Int, count cols: Int,
                             tail: UnsafeMutablePointer<Float>) -> (UnsafePointer<Float>, Int) {
        if cols == gemmTileCols { return (dOutput + q0, n) }
        for oc in 0..<channels {
            let row = tail + oc * gemmTileCols
            row.update(from: dOutput + oc * n + q0, count: cols)
            (row + cols).update(repeating: 0, count: gemmTileCols - cols)
        }
        return (UnsafePointer(tail), gemmTileCols)
    }

    /// 3x3 / stride 2 / padding 1 input gradient, accumulated into `dInput`: the whole
    /// `dcol (K, N) = Wᵀ·dY` first, then col2im by input row. For a kernel row `ky` and output
    /// row `oy`, input row `2*oy - 1 + ky` receives at even columns `2j` the `kx = 1` row
    /// (`dcol[.., j]`) and at odd columns `2j + 1` the `kx = 0` and `kx = 2` rows
    /// (`dcol[.., j + 1] + dcol[.., j]`): two vectors, interleaved (`vpermt2ps`) and added.
    static func inputGradientStride2(_ g: ConvGeometry, dOutput: UnsafePointer<Float>, packedWeights: UnsafePointer<Float>,
                                     dInput: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let n = g.outHeight * g.outWidth, kk = depth(g), cout = g.outChannels
        let h = g.inHeight, w = g.inWidth, oh = g.outHeight, ow = g.outWidth
        let dCol = scratch                                   // (roundUp(K, 8), N)
        let tail = scratch + roundUp(kk, gemmTileRows) * n   // (Cout, 32): the last, partial panel of dY
        for q0 in stride(from: 0, to: n, by: gemmTileCols) {
            let cols = min(gemmTileCols, n - q0)
            let (b, bStride) = dOutputPanel(dOutput, pixels: n, channels: cout, from: q0, count: cols, tail: tail)
            for ir in stride(from: 0, to: kk, by: gemmTileRows) {
                gemmTile(kc: cout, a: packedWeights + ir * cout, b: b, bStride: bStride, c: dCol + ir * n + q0,
                                    ldc: n, rows: gemmTileRows, cols: cols, epilogue: .plain)
            }
        }
        for ic in 0..<g.inChannels {
            let plane = dInput + ic * h * w
            for ky in 0..<3 {
                let taps = dCol + (ic * 9 + ky * 3) * n
                for oy in 0..<oh {
                    let iy = 2 * oy - 1 + ky
                    if iy < 0 || iy >= h { continue }
                    let r0 = taps + oy * ow, r1 = r0 + n, r2 = r1 + n
                    let dx = plane + iy * w
                    var j = 0
                    while j + 16 < ow && 2 * j + 32 <= w {
                        let even = UnsafeRawPointer(r1 + j).loadUnaligned(as: V.self)
                        let odd = UnsafeRawPointer(r0 + j + 1).loadUnaligned(as: V.self) + UnsafeRawPointer(r2 + j).loadUnaligned(as: V.self)
                        let out = UnsafeMutableRawPointer(dx + 2 * j)
                        out.storeBytes(of: out.loadUnaligned(as: V.self) + interleaveLow(even, odd), as: V.self)
                        out.storeBytes(of: out.loadUnaligned(fromByteOffset: 64, as: V.self) + interleaveHigh(even, odd),
                                       toByteOffset: 64, as: V.self)
                        j += 16
                    }
                    while j < ow {
                        if 2 * j < w { dx[2 * j] += r1[j] }
                        if 2 * j + 1 < w { dx[2 * j + 1] += (j + 1 < ow ? r0[j + 1] : 0) + r2[j] }
                        j += 1
                    }
                }
            }
        }
    }

    /// Lanes `e0, o0, e1, o1, ..., e7, o7` (one `vpermt2ps`).
    @inline(__always)
    static func interleaveLow(_ e: SIMD16<Float>, _ o: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16(e[0], o[0], e[1], o[1], e[2], o[2], e[3], o[3], e[4], o[4], e[5], o[5], e[6], o[6], e[7], o[7])
    }

    /// Lanes `e8, o8, ..., e15, o15`.
    @inline(__always)
    static func interleaveHigh(_ e: SIMD16<Float>, _ o: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16(e[8], o[8], e[9], o[9], e[10], o[10], e[11], o[11], e[12], o[12], e[13], o[13], e[14], o[14], e[15], o[15])
    }
}
