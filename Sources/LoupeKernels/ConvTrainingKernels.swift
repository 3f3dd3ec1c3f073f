/// Per-image convolution kernels for training (`LoupeTraining`): forward, input gradient and
/// weight gradient on the 8x32 micro-kernel, with caller-provided scratch (no allocation) and
/// weights packed by the caller once per step (they change every step, unlike ``Conv2D``'s).
///
/// One call handles one image on one thread; a training step spreads images over threads.
/// Nothing here depends on which thread runs which image, so results are the same bits for
/// any thread count. Shapes: input `(Cin, H, W)`, weights `(Cout, Cin, k, k)`, output
/// `(Cout, OH, OW)`, `K = Cin*k*k`, `N = OH*OW`; groups must be 1.
///
/// - Forward (`f32-conv-im2colpanel-avx512-8x32`): im2col written straight into 32-pixel B panels
///   (the inference packer), `Y = W·col`.
/// - Input gradient, stride 1 and `padding <= k-1`: a forward convolution of `dY` with the weights
///   transposed and flipped (``inputGradientGeometry(_:)``), so no col2im at all.
///   Otherwise (stride 2 and others): per 32-pixel panel `dcol = Wᵀ·dY` then scattered (col2im).
/// - Weight gradient (`f32-conv-dw-nhwc-avx512-8x32`): the image is copied once into a padded
///   channels-last buffer; then for a fixed kernel row `ky` and output pixel, the taps
///   `(kx, ic)` are `k*Cin` consecutive floats, and for consecutive output pixels of a row they
///   sit `stride*Cin` floats apart. The micro-kernel therefore runs with depth = output pixels,
///   A = 8 rows of `dY` (broadcast straight from NCHW), B = those strips (read in place, no
///   packing), C = an 8 x 32 tile of a per-image partial `(Cout, k, S)`, `S = roundUp(k*Cin, 32)`.
///   ``reduceWeightGradients`` sums the partials over images in image order.
public enum ConvTrainingKernels {
    // MARK: forward

    /// Floats of ``packWeights(_:weights:into:)``'s output: `roundUp(Cout, 8) * K`.
    public static func packedWeightsCount(_ g: ConvGeometry) -> Int { roundUp(g.outChannels, gemmTileRows) * depth(g) }

    /// Packs weights `(Cout, K)` into the micro-kernel's 8-row A panels.
    public static func packWeights(_ g: ConvGeometry, weights: UnsafePointer<Float>, into packed: UnsafeMutablePointer<Float>) {
        precondition(g.groups == 1, "ConvTrainingKernels.packWeights: groups must be 1")
        Gemm.packAPanels(rows: g.outChannels, depth: depth(g), a: weights, lda: depth(g), into: packed)
    }

    /// Floats of scratch ``forward(_:input:packedWeights:bias:output:accumulate:scratch:)`` needs.
    public static func forwardScratchCount(_ g: ConvGeometry) -> Int {
        roundUp(depth(g) * gemmTileCols + im2colPanelSlack, 16) + (im2colSIMDSupports(g) ? roundUp(2 * im2colRunTableCount(g), 16) : 0)
    }

    /// `output (=|+=) conv(input, W) + bias` for one image.
    /// - Parameters:
    ///   - input: `(Cin, H, W)`. packedWeights: from ``packWeights(_:weights:into:)``. bias: `(Cout)` or nil.
    ///   - output: `(Cout, OH, OW)`; overwritten, or added to when `accumulate`.
    ///   - scratch: ``forwardScratchCount(_:)`` floats.
    public static func forward(_ g: ConvGeometry, input: UnsafePointer<Float>, packedWeights: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, accumulate: Bool,
                               scratch: UnsafeMutablePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvTrainingKernels.forward: needs a valid ungrouped geometry, got \(g)")
        let n = g.outHeight * g.outWidth, kk = depth(g), cout = g.outChannels
        let direct = g.kernel == 1 && g.stride == 1 && g.padding == 0
        let simd = im2colSIMDSupports(g)
        let table = UnsafeMutableRawPointer(scratch + roundUp(kk * gemmTileCols + im2colPanelSlack, 16)).assumingMemoryBound(to: Int.self)
        let inputEnd = input + g.inputCount
        for q0 in stride(from: 0, to: n, by: gemmTileCols) {
            let cols = min(gemmTileCols, n - q0)
            let (b, bStride) = im2colPanel(g, channels: g.inChannels, input: input, inputEnd: inputEnd, firstPixel: q0, cols: cols,
                                           pointwise: direct, simd: simd, panel: scratch, table: table)
            for ir in stride(from: 0, to: cout, by: gemmTileRows) {
                let epilogue = GemmEpilogue(accumulate: accumulate, bias: bias.map { $0 + ir })
                gemmMicrokernel8x32(kc: kk, a: packedWeights + ir * kk, b: b, bStride: bStride, c: output + ir * n + q0, ldc: n,
                                    rows: min(gemmTileRows, cout - ir), cols: cols, epilogue: epilogue)
            }
        }
    }

    // MARK: input gradient

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
                gemmMicrokernel8x32(kc: cout, a: packedWeights + ir * cout, b: b, bStride: bStride, c: dCol + ir * gemmTileCols,
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
                gemmMicrokernel8x32(kc: cout, a: packedWeights + ir * cout, b: b, bStride: bStride, c: dCol + ir * n + q0,
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

    // MARK: weight gradient

    /// Floats per kernel row in a weight-gradient partial: `S = roundUp(k*Cin, 32)`.
    public static func weightGradientStrip(_ g: ConvGeometry) -> Int { roundUp(g.kernel * g.inChannels, gemmTileCols) }

    /// Floats of one image's weight-gradient partial `(Cout, k, S)`.
    public static func weightGradientPartialCount(_ g: ConvGeometry) -> Int { g.outChannels * g.kernel * weightGradientStrip(g) }

    /// Padded channels-last image: columns `W + 2p + extra` so a strip read never leaves its row.
    static func paddedWidth(_ g: ConvGeometry) -> Int {
        let strip = weightGradientStrip(g)
        return g.inWidth + 2 * g.padding + max(0, (strip + g.inChannels - 1) / g.inChannels - g.kernel)
    }

    /// Floats of scratch ``weightGradient(_:dOutput:input:partial:scratch:)`` needs: the padded
    /// channels-last image plus one zero row of `dY` (for a last block of fewer than 8 channels).
    public static func weightGradientScratchCount(_ g: ConvGeometry) -> Int {
        roundUp((g.inHeight + 2 * g.padding) * paddedWidth(g) * g.inChannels, 16) + roundUp(g.outHeight * g.outWidth, 16)
    }

    /// Output pixels per block of the weight-gradient sweep: the block's `dY` rows and input
    /// strips stay in L2 while every (channel block, kernel row, strip panel) tile passes over them.
    static let weightGradientBlockPixels = 2048

    /// One image's weight-gradient partial, overwritten: `partial[oc][ky][kx*Cin + ic] =
    /// Σ_pixels dY[oc, pixel] * x[ic, oy*s - p + ky, ox*s - p + kx]` (columns past `k*Cin` are junk).
    /// - Parameters:
    ///   - dOutput: `(Cout, OH, OW)`. input: `(Cin, H, W)`.
    ///   - partial: ``weightGradientPartialCount(_:)`` floats.
    ///   - scratch: ``weightGradientScratchCount(_:)`` floats.
    public static func weightGradient(_ g: ConvGeometry, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                      partial: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvTrainingKernels.weightGradient: needs a valid ungrouped geometry, got \(g)")
        let cin = g.inChannels, cout = g.outChannels, k = g.kernel, s = g.stride, pad = g.padding
        let h = g.inHeight, oh = g.outHeight, ow = g.outWidth, n = oh * ow
        let wp = paddedWidth(g), hp = h + 2 * pad, strip = weightGradientStrip(g)
        let image = scratch
        let zeroRow = scratch + roundUp(hp * wp * cin, 16)
        zeroRow.update(repeating: 0, count: n)
        toPaddedChannelsLast(g, input: input, paddedWidth: wp, into: image)
        let rowsPerBlock = max(1, weightGradientBlockPixels / ow)
        let pixelStep = s * cin, rowStep = s * wp * cin
        for oy0 in stride(from: 0, to: oh, by: rowsPerBlock) {
            let rows = min(rowsPerBlock, oh - oy0)
            for oc0 in stride(from: 0, to: cout, by: gemmTileRows) {
                let valid = min(gemmTileRows, cout - oc0)
                let a = UnsafePointer(dOutput + oc0 * n + oy0 * ow)
                for ky in 0..<k {
                    for j in stride(from: 0, to: strip, by: gemmTileCols) {
                        let b = UnsafePointer(image + ((oy0 * s + ky) * wp) * cin + j)
                        let c = partial + (oc0 * k + ky) * strip + j
                        weightGradientTile(a: a, aRowStride: n, validRows: valid, zeroRow: UnsafePointer(zeroRow),
                                           b: b, rows: rows, cols: ow, pixelStep: pixelStep, rowStep: rowStep,
                                           c: c, ldc: k * strip, accumulate: oy0 > 0)
                    }
                }
            }
        }
    }

    /// `x (Cin, H, W)` into `(H + 2p, paddedWidth, Cin)` with zero borders.
    static func toPaddedChannelsLast(_ g: ConvGeometry, input: UnsafePointer<Float>, paddedWidth wp: Int, into out: UnsafeMutablePointer<Float>) {
        let cin = g.inChannels, pad = g.padding, h = g.inHeight, w = g.inWidth, plane = h * w
        for r in 0..<(h + 2 * pad) {
            let row = out + r * wp * cin
            let iy = r - pad
            if iy < 0 || iy >= h {
                row.update(repeating: 0, count: wp * cin)
                continue
            }
            row.update(repeating: 0, count: pad * cin)
            let src = input + iy * w
            var dst = row + pad * cin
            if cin == 1 {
                dst.update(from: src, count: w)
            } else {
                for ix in 0..<w {
                    for ic in 0..<cin { dst[ic] = src[ic &* plane &+ ix] }
                    dst += cin
                }
            }
            (row + (pad + w) * cin).update(repeating: 0, count: (wp - pad - w) * cin)
        }
    }

    /// `C[8][32] (+)= Σ_{row, col} A[r][row*cols + col] * B[row*rowStep + col*pixelStep + 0..<32]`:
    /// the 8x32 micro-kernel with a two-level depth (output rows x pixels), A broadcast from 8
    /// rows `aRowStride` apart (rows `validRows...` read `zeroRow`), B read in place.
    @inline(__always)
    static func weightGradientTile(a: UnsafePointer<Float>, aRowStride: Int, validRows: Int, zeroRow: UnsafePointer<Float>,
                                   b: UnsafePointer<Float>, rows: Int, cols: Int, pixelStep: Int, rowStep: Int,
                                   c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        typealias V = SIMD16<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        // Row pointers advanced in lock step; missing rows read zeros (offset so the same index works).
        func row(_ r: Int) -> UnsafePointer<Float> { r < validRows ? a + r * aRowStride : zeroRow }
        let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5), a6 = row(6), a7 = row(7)
        let pixelBytes = pixelStep &* 4
        for y in 0..<rows {
            var bp = UnsafeRawPointer(b + y &* rowStep)
            var i = y &* cols
            let end = i &+ cols
            while i < end {
                let b0 = bp.loadUnaligned(as: V.self)
                let b1 = bp.loadUnaligned(fromByteOffset: 64, as: V.self)
                var x = V(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
                x = V(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
                x = V(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
                x = V(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
                x = V(repeating: a4[i]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
                x = V(repeating: a5[i]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
                x = V(repeating: a6[i]); c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
                x = V(repeating: a7[i]); c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
                bp += pixelBytes
                i &+= 1
            }
        }
        let tile = (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71)
        withUnsafeBytes(of: tile) { raw in
            let t = raw.baseAddress!
            for r in 0..<validRows {
                let out = UnsafeMutableRawPointer(c + r * ldc)
                var v0 = t.loadUnaligned(fromByteOffset: r * 128, as: V.self)
                var v1 = t.loadUnaligned(fromByteOffset: r * 128 + 64, as: V.self)
                if accumulate {
                    v0 += out.loadUnaligned(as: V.self)
                    v1 += out.loadUnaligned(fromByteOffset: 64, as: V.self)
                }
                out.storeBytes(of: v0, as: V.self)
                out.storeBytes(of: v1, toByteOffset: 64, as: V.self)
            }
        }
    }

    /// `dWeights[oc][ic][ky][kx] += Σ_b partial_b[oc][ky][kx*Cin + ic]` for `oc` in `channels`,
    /// summing images in order `0, 1, ...` (so the result does not depend on which thread made which partial).
    /// - Parameters:
    ///   - partials: `images` partials, `partialStride` floats apart. dWeights: `(Cout, Cin, k, k)`.
    public static func reduceWeightGradients(_ g: ConvGeometry, partials: UnsafePointer<Float>, partialStride: Int, images: Int,
                                             dWeights: UnsafeMutablePointer<Float>, channels: Range<Int>) {
        let cin = g.inChannels, k = g.kernel, strip = weightGradientStrip(g)
        for oc in channels {
            for ky in 0..<k {
                for kx in 0..<k {
                    let from = partials + (oc * k + ky) * strip + kx * cin
                    for ic in 0..<cin {
                        var sum: Float = 0
                        var p = from + ic
                        for _ in 0..<images {
                            sum += p[0]
                            p += partialStride
                        }
                        dWeights[((oc * cin + ic) * k + ky) * k + kx] += sum
                    }
                }
            }
        }
    }

    @inline(__always)
    static func depth(_ g: ConvGeometry) -> Int { g.inChannels * g.kernel * g.kernel }
}

extension Parallel {
    /// Calls `body(worker, range)` over `0..<count` in contiguous ranges of `grain` items,
    /// claimed dynamically by up to `threads` threads; `worker` (in `0..<threads`) identifies the
    /// thread, for per-thread scratch. Which thread runs which item varies between calls: use it
    /// only for work whose result does not depend on that (per-item outputs, per-item partials).
    public static func forEachItem(count: Int, threads: Int, grain: Int = 1, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = (count + max(1, grain) - 1) / max(1, grain)
        forEachChunk(count: count, chunks: chunks, threads: threads, body)
    }
}
