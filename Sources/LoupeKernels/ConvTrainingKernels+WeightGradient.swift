import CGemmKernels
import LoupeTensor

// Weight gradient: per-image partials over a padded channels-last copy, reduced in image order.
extension ConvTrainingKernels {
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
                        weightGradientTileDispatch(a: a, aRowStride: n, validRows: valid, zeroRow: UnsafePointer(zeroRow),
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

    /// ``weightGradientTile(a:aRowStride:validRows:zeroRow:b:rows:cols:pixelStep:rowStep:c:ldc:accumulate:)``
    /// in the active ``KernelVariant`` (that Swift tile is the portable one).
    @inline(__always)
    static func weightGradientTileDispatch(a: UnsafePointer<Float>, aRowStride: Int, validRows: Int, zeroRow: UnsafePointer<Float>,
                                           b: UnsafePointer<Float>, rows: Int, cols: Int, pixelStep: Int, rowStep: Int,
                                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        switch KernelVariant.active {
        case .portable:
            weightGradientTile(a: a, aRowStride: aRowStride, validRows: validRows, zeroRow: zeroRow, b: b, rows: rows, cols: cols,
                               pixelStep: pixelStep, rowStep: rowStep, c: c, ldc: ldc, accumulate: accumulate)
        case .avx2:
            loupe_wgrad_tile8x32_avx2(a, Int64(aRowStride), Int32(validRows), zeroRow, b, Int64(rows), Int64(cols),
                                      Int64(pixelStep), Int64(rowStep), c, Int64(ldc), accumulate ? 1 : 0)
        case .avx512:
            loupe_wgrad_tile8x32_avx512(a, Int64(aRowStride), Int32(validRows), zeroRow, b, Int64(rows), Int64(cols),
                                        Int64(pixelStep), Int64(rowStep), c, Int64(ldc), accumulate ? 1 : 0)
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
                    // 8 input channels at a time (contiguous in a partial), each lane summed in
                    // image order from 0 like the scalar tail, so the result is the same bits.
                    var ic = 0
                    while ic + 8 <= cin {
                        var sum = SIMD8<Float>()
                        var p = UnsafeRawPointer(from + ic)
                        for _ in 0..<images {
                            sum += p.loadUnaligned(as: SIMD8<Float>.self)
                            p += partialStride * MemoryLayout<Float>.stride
                        }
                        for lane in 0..<8 { dWeights[((oc * cin + ic + lane) * k + ky) * k + kx] += sum[lane] }
                        ic += 8
                    }
                    for ic in ic..<cin {
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
}
