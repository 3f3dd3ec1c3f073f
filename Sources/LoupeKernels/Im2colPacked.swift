/// im2col written straight into the micro-kernel's B-panel layout, one 32-pixel panel at a time,
/// so the convolution never materialises the full `[Cin*k*k, OH*OW]` matrix (performance.md:
/// packing directly is worth ~30 % over im2col + pack).
import LoupeTensor

/// Fills one B panel `[channels*k*k][32]` for output pixels `firstPixel ..< firstPixel + cols`
/// (row-major over `[outHeight, outWidth]`); padded taps and columns `cols..<32` become 0.
///
/// - Parameters:
///   - input: the group's first input channel, `[channels, inHeight, inWidth]`.
///   - panel: destination, `channels * k * k * 32` floats.
@inline(__always)
func im2colPackedPanel(_ g: ConvGeometry, channels: Int, input: UnsafePointer<Float>, firstPixel: Int, cols: Int,
                       panel: UnsafeMutablePointer<Float>) {
    let k = g.kernel, s = g.stride, pad = g.padding
    let inH = g.inHeight, inW = g.inWidth, outW = g.outWidth
    let firstY = firstPixel / outW, firstX = firstPixel % outW
    var row = panel
    for c in 0..<channels {
        let plane = input + c * inH * inW
        for ky in 0..<k {
            for kx in 0..<k {
                // Walk the panel's pixels one output-row segment at a time: within a segment
                // the input taps are `stride` apart on one input row.
                var j = 0, oy = firstY, ox = firstX
                while j < cols {
                    let seg = min(cols - j, outW - ox)
                    let iy = oy * s - pad + ky
                    let dst = row + j
                    if iy < 0 || iy >= inH {
                        for t in 0..<seg { dst[t] = 0 }
                    } else {
                        let src = plane + iy * inW
                        let ix0 = ox * s - pad + kx
                        // Taps t in lo..<hi land inside the row; the rest are padding.
                        let lo = ix0 >= 0 ? 0 : min(seg, (-ix0 + s - 1) / s)
                        let hi = ix0 > inW - 1 ? lo : max(lo, min(seg, (inW - 1 - ix0) / s + 1))
                        // Inline copies, not memcpy/memset: the runs are <= 32 floats and a
                        // library call per run cost more than the copy.
                        for t in 0..<lo { dst[t] = 0 }
                        if s == 1 && hi - lo == gemmTileCols {
                            let from = UnsafeRawPointer(src + ix0), to = UnsafeMutableRawPointer(dst)
                            to.storeBytes(of: from.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                            to.storeBytes(of: from.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self), toByteOffset: 64,
                                          as: SIMD16<Float>.self)
                        } else if s == 1 {
                            for t in lo..<hi { dst[t] = src[ix0 + t] }
                        } else {
                            for t in lo..<hi { dst[t] = src[ix0 + t * s] }
                        }
                        for t in hi..<seg { dst[t] = 0 }
                    }
                    j += seg
                    ox = 0
                    oy += 1
                }
                for t in cols..<gemmTileCols { row[t] = 0 }
                row += gemmTileCols
            }
        }
    }
}

/// The B panel of output pixels `firstPixel ..< firstPixel + cols` for the 8x32 micro-kernel, and
/// its row stride: a pointwise conv's input `(channels, OH*OW)` read in place when the panel is
/// full, otherwise packed into `panel` (by the SIMD packer with its run `table` when `simd`).
@inline(__always)
func im2colPanel(_ g: ConvGeometry, channels: Int, input: UnsafePointer<Float>, inputEnd: UnsafePointer<Float>, firstPixel q0: Int,
                 cols: Int, pointwise: Bool, simd: Bool, panel: UnsafeMutablePointer<Float>,
                 table: UnsafeMutablePointer<Int>) -> (UnsafePointer<Float>, Int) {
    if pointwise && cols == gemmTileCols { return (input + q0, g.outHeight * g.outWidth) }
    if simd {
        im2colPackedPanelSIMD(g, channels: channels, input: input, inputEnd: inputEnd, firstPixel: q0, cols: cols, panel: panel, table: table)
    } else {
        im2colPackedPanel(g, channels: channels, input: input, firstPixel: q0, cols: cols, panel: panel)
    }
    return (UnsafePointer(panel), gemmTileCols)
}
