/// Vector twin of ``im2colPackedPanel(_:channels:input:firstPixel:cols:panel:)`` for stride 1 and 2
/// (`f32-im2col-s1s2-avx512-32`): the same panel `[channels*k*k][32]`, bit for bit.
///
/// Stride 2 deinterleaves: one unaligned `SIMD32` load of 32 consecutive input floats, `evenHalf`
/// keeps taps `ix0, ix0+2, ..., ix0+30` (two loads + `vpermt2ps` with `-target-cpu znver4`; see
/// `neverMask` for how the load is kept whole). Stride 1 is a
/// plain `SIMD16` copy. The scalar packer moved one float per iteration; this moves 16.
///
/// Runs are written 16 floats at a time *without masking*: a chunk may spill up to 15 floats past
/// its run's end. Every panel position is written in increasing address order (zero prefix, taps,
/// zero suffix, next run, next row), so a spill only ever lands on floats written again later —
/// except after the panel's last row, hence ``im2colPanelSlack`` extra floats in the destination.
/// Loads read up to 31 floats past a run's last tap; a chunk whose load would pass `inputEnd` falls
/// back to scalar copies.
import LoupeTensor

/// Floats a panel buffer needs beyond `channels*k*k*32` for ``im2colPackedPanelSIMD``'s unmasked stores.
let im2colPanelSlack = 16

/// Whether ``im2colPackedPanelSIMD`` handles geometry `g` (otherwise use the scalar packer).
@inline(__always)
func im2colSIMDSupports(_ g: ConvGeometry) -> Bool { g.stride == 1 || g.stride == 2 }

/// Ints of run table ``im2colPackedPanelSIMD`` needs: 4 per (tap, output-row segment); a 32-pixel
/// panel touches at most `min(32, outHeight)` output rows.
func im2colRunTableCount(_ g: ConvGeometry) -> Int { 4 * g.kernel * g.kernel * min(gemmTileCols, g.outHeight) }

/// Fills one B panel `[channels*k*k][32]` for output pixels `firstPixel ..< firstPixel + cols`;
/// padded taps and columns `cols..<32` become 0.
///
/// The panel's geometry (which output-row segments it spans, and per tap which positions are
/// padding) is the same for every channel, so it is worked out once per panel into `table`
/// (per tap and segment: first tap position, end of taps, end of segment, source offset) and the
/// channel loop only copies.
///
/// - Parameters:
///   - input: the group's first input channel, `[channels, inHeight, inWidth]`.
///   - inputEnd: one past the last float that may be read (at least the end of the group's channels).
///   - panel: destination, `channels * k * k * 32 + im2colPanelSlack` floats.
///   - table: `im2colRunTableCount(g)` Ints of work space.
@inline(__always)
func im2colPackedPanelSIMD(_ g: ConvGeometry, channels: Int, input: UnsafePointer<Float>, inputEnd: UnsafePointer<Float>,
                           firstPixel: Int, cols: Int, panel: UnsafeMutablePointer<Float>, table: UnsafeMutablePointer<Int>) {
    typealias V = SIMD16<Float>
    let k = g.kernel, s = g.stride, pad = g.padding
    let inH = g.inHeight, inW = g.inWidth, outW = g.outWidth
    precondition(s == 1 || s == 2, "im2colPackedPanelSIMD: stride \(s)")
    // Run table: entry (lo, hi, end, offset) per (tap, segment); panel positions lo..<hi of the
    // segment read plane[offset + position * s], positions start..<lo and hi..<end are padding.
    var segments = 0
    do {
        let firstY = firstPixel / outW, firstX = firstPixel % outW
        var e = table
        for ky in 0..<k {
            for kx in 0..<k {
                var j = 0, oy = firstY, ox = firstX
                segments = 0
                while j < cols {
                    let seg = min(cols - j, outW - ox)
                    let iy = oy * s - pad + ky
                    let ix0 = ox * s - pad + kx
                    var lo = seg, hi = seg  // whole segment padding
                    if iy >= 0 && iy < inH {
                        lo = ix0 >= 0 ? 0 : min(seg, (-ix0 + s - 1) / s)
                        hi = ix0 > inW - 1 ? lo : max(lo, min(seg, (inW - 1 - ix0) / s + 1))
                    }
                    e[0] = j + lo
                    e[1] = j + hi
                    e[2] = j + seg
                    e[3] = iy * inW + ix0 - j * s
                    e += 4
                    segments += 1
                    j += seg
                    ox = 0
                    oy += 1
                }
            }
        }
    }
    let zero = V()
    // Loads of a chunk starting at `from` touch from ..< from + loadSpan.
    let loadSpan = s == 2 ? 32 : 16
    let lastSafeLoad = inputEnd - loadSpan
    let taps = k &* k
    // An all-false mask the optimiser cannot prove false (padding < 2^62). Blending `oddHalf` in
    // under it keeps all 32 loaded floats live: with only `evenHalf` used, LLVM narrowed the
    // SIMD32 load into 16 scalar loads + 19 inserts instead of 2 loads + one vpermt2ps.
    let neverMask = SIMD16<Int32>(repeating: Int32(truncatingIfNeeded: pad &>> 62)) .!= 0
    let planeSize = inH &* inW
    var row = UnsafeMutableRawPointer(panel)
    for c in 0..<channels {
        let plane = input + c &* planeSize
        var e = UnsafePointer(table)
        for _ in 0..<taps {
            var start = 0
            for _ in 0..<segments {
                let lo = e[0], hi = e[1], end = e[2]
                let base = plane + e[3]
                var t = start
                while t < lo {
                    row.storeBytes(of: zero, toByteOffset: t &* 4, as: V.self)
                    t &+= 16
                }
                t = lo
                while t < hi {
                    let from = base + t &* s
                    if from <= lastSafeLoad {
                        let raw = UnsafeRawPointer(from)
                        let v: V
                        if s == 2 {
                            let pair = raw.loadUnaligned(as: SIMD32<Float>.self)
                            v = pair.evenHalf.replacing(with: pair.oddHalf, where: neverMask)
                        } else {
                            v = raw.loadUnaligned(as: V.self)
                        }
                        row.storeBytes(of: v, toByteOffset: t &* 4, as: V.self)
                    } else {
                        let dst = row.assumingMemoryBound(to: Float.self)
                        for u in t..<min(hi, t &+ 16) { dst[u] = base[u &* s] }
                    }
                    t &+= 16
                }
                t = hi
                while t < end {
                    row.storeBytes(of: zero, toByteOffset: t &* 4, as: V.self)
                    t &+= 16
                }
                start = end
                e += 4
            }
            var t = cols
            while t < gemmTileCols {
                row.storeBytes(of: zero, toByteOffset: t &* 4, as: V.self)
                t &+= 16
            }
            row += gemmTileCols &* 4
        }
    }
}

/// Lanes 0, 2, ..., 30 of the 32 floats `a ++ b` (one `vpermt2ps`). Written out element by element
/// rather than `SIMD32.evenHalf`: in a large function the optimiser left the stdlib's `evenHalf`
/// as a call (clobbering every zmm); explicit lanes always become one shuffle.
@inline(__always)
func evenLanes(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14], b[0], b[2], b[4], b[6], b[8], b[10], b[12], b[14])
}

/// Lanes 1, 3, ..., 31 of the 32 floats `a ++ b` (one `vpermt2ps`); see ``evenLanes(_:_:)``.
@inline(__always)
func oddLanes(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[1], a[3], a[5], a[7], a[9], a[11], a[13], a[15], b[1], b[3], b[5], b[7], b[9], b[11], b[13], b[15])
}
