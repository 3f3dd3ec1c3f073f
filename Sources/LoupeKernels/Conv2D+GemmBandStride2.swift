/// 3x3 stride-2 convolution as GEMM over bands of output rows (`f32-conv3x3-s2p1-band-im2col-avx512`).
///
/// The panel packer (``im2colPackedPanelSIMD``) builds each 32-pixel B panel tap row by tap row:
/// for a 16->32 channel layer that was ~35 % of the layer's time. Here a band of whole output
/// rows is im2col'd at once into `B[Cin*9][bandPixels]` (row stride `ldb`): each input row is
/// copied once into a zero-padded buffer, and one pair of 16-float loads at `2*ox0` gives, via
/// ``evenLanes(_:_:)``/``oddLanes(_:_:)``, the kx = 1 and kx = 2 taps of 16 outputs; the kx = 0 taps
/// are the odd lanes two floats earlier. Three vector stores per 16 outputs, no per-tap bounds
/// logic. The micro-kernel then reads 32-pixel panels straight out of B (`bStride = ldb`); band
/// pixels are consecutive in the output plane, so panels span output rows without waste.
///
/// Runs inside ``ConvAlgorithm/gemm`` for 3x3 / stride 2 / padding 1 / ungrouped convs that the
/// direct stem kernel does not take (Cin > 4). Work is split by bands across threads.
extension Conv2D {
    var usesStride2Bands: Bool {
        let g = geometry
        return g.kernel == 3 && g.stride == 2 && g.padding == 1 && g.groups == 1 && !usesDirectStem
    }

    /// Output rows per band: B (`Cin*9` x band pixels) kept to ~256 KB so it stays in L2 next to A.
    var stride2BandRows: Int {
        let k = geometry.inChannels * 9
        return max(1, min(geometry.outHeight, (65_536 / k) / geometry.outWidth))
    }

    /// Row stride of B: room for the band's pixels rounded up to whole panels, plus 16 floats of
    /// store spill after the last row segment.
    var stride2BandLeading: Int {
        let cols = stride2BandRows * geometry.outWidth
        return max(roundUp(cols, gemmTileCols), roundUp(cols, 16) + 16)
    }

    /// Padded input row: 2 leading zeros (columns -2, -1), the row, zeros up to `2*roundUp(OW,16) + 2`.
    var stride2RowBufferFloats: Int { roundUp(2 * roundUp(geometry.outWidth, 16) + 4, 16) }

    var stride2BandScratchPerWorker: Int {
        roundUp(geometry.inChannels * 9 * stride2BandLeading, 16) + stride2RowBufferFloats
    }

    func forwardGemmStride2Bands(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                                 scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let bands = (geometry.outHeight + stride2BandRows - 1) / stride2BandRows
        Parallel.forEachChunk(count: bands, chunks: bands, threads: threads,
                              work: ConvSlices(conv: self, path: .gemmStride2Bands, input: input, output: output, residual: residual,
                                               scratch: scratch, threads: threads))
    }

    /// One worker's share of ``forwardGemmStride2Bands(input:output:residual:scratch:threads:)``: the items in `bandRange`.
    func forwardGemmStride2BandsItems(_ call: ConvSlices, worker: Int, bandRange: Range<Int>) {
        let input = call.input, output = call.output, residual = call.residual, scratch = call.scratch
        typealias V = SIMD16<Float>
        let g = geometry
        let cin = g.inChannels, cout = g.outChannels
        let h = g.inHeight, w = g.inWidth, oh = g.outHeight, ow = g.outWidth
        let n = oh * ow, k = cin * 9
        let bandRows = stride2BandRows, ldb = stride2BandLeading
        let rowFloats = stride2RowBufferFloats
        let chunks16 = (ow + 15) / 16
        let perWorker = gemmScratchPerWorker
        let weightsA = UnsafePointer(packedWeights), biasPtr = UnsafePointer(packedBias)
        let relu = activation == .relu
        let b = scratch + worker * perWorker                      // [Cin*9][ldb]
        let row = b + roundUp(k * ldb, 16)                        // padded input row
        let rowRaw = UnsafeRawPointer(row)
        for band in bandRange {
            let oy0 = band * bandRows, oy1 = min(oh, oy0 + bandRows)
            let bandCols = (oy1 - oy0) * ow
            // im2col of the band: rows (c, ky, kx) in the A panels' depth order.
            for c in 0..<cin {
                let plane = input + c * h * w
                for ky in 0..<3 {
                    let dst0 = UnsafeMutableRawPointer(b + (c * 9 + ky * 3) * ldb)
                    let dst1 = dst0 + ldb * 4, dst2 = dst1 + ldb * 4
                    for oy in oy0..<oy1 {
                        let iy = 2 * oy - 1 + ky
                        let col = (oy - oy0) * ow * 4  // byte offset of this output row in the band
                        if iy < 0 || iy >= h {
                            for q in 0..<chunks16 {
                                dst0.storeBytes(of: V(), toByteOffset: col + 64 * q, as: V.self)
                                dst1.storeBytes(of: V(), toByteOffset: col + 64 * q, as: V.self)
                                dst2.storeBytes(of: V(), toByteOffset: col + 64 * q, as: V.self)
                            }
                            continue
                        }
                        // Padded copy: row[2 + x] = in[iy][x], zeros elsewhere.
                        let src = plane + iy * w
                        row[0] = 0
                        row[1] = 0
                        var x = 0
                        while x + 16 <= w {
                            UnsafeMutableRawPointer(row + 2 + x).storeBytes(of: UnsafeRawPointer(src + x).loadUnaligned(as: V.self), as: V.self)
                            x += 16
                        }
                        while x < w { row[2 + x] = src[x]; x += 1 }
                        x += 2
                        while x < rowFloats { row[x] = 0; x += 1 }
                        for q in 0..<chunks16 {
                            // Input columns 2*ox - 1 + kx for ox = 16q ..< 16q+16: buffer index 2*ox + 1 + kx.
                            let at = 128 * q  // bytes: 2 * 16q floats
                            let a0 = rowRaw.loadUnaligned(fromByteOffset: at, as: V.self)
                            let a1 = rowRaw.loadUnaligned(fromByteOffset: at + 64, as: V.self)
                            let c0 = rowRaw.loadUnaligned(fromByteOffset: at + 8, as: V.self)
                            let c1 = rowRaw.loadUnaligned(fromByteOffset: at + 72, as: V.self)
                            dst0.storeBytes(of: oddLanes(a0, a1), toByteOffset: col + 64 * q, as: V.self)   // 2ox - 1
                            dst1.storeBytes(of: evenLanes(c0, c1), toByteOffset: col + 64 * q, as: V.self)  // 2ox
                            dst2.storeBytes(of: oddLanes(c0, c1), toByteOffset: col + 64 * q, as: V.self)   // 2ox + 1
                        }
                    }
                }
            }
            // GEMM over the band's 32-pixel panels.
            let p0 = oy0 * ow
            for q0 in stride(from: 0, to: bandCols, by: gemmTileCols) {
                let cols = min(gemmTileCols, bandCols - q0)
                for ir in stride(from: 0, to: cout, by: gemmTileRows) {
                    let epilogue = GemmEpilogue(accumulate: false, bias: biasPtr + ir,
                                                residual: residual.map { $0 + ir * n + p0 + q0 }, relu: relu)
                    gemmTile(kc: k, a: weightsA + ir * k, b: UnsafePointer(b + q0), bStride: ldb,
                                        c: output + ir * n + p0 + q0, ldc: n, rows: min(gemmTileRows, cout - ir), cols: cols,
                                        epilogue: epilogue)
                }
            }
        }
    }
}
