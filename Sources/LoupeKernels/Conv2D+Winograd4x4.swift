/// Winograd F(4x4, 3x3) for 3x3 stride-1 ungrouped convolutions (Lavin & Gray 2015).
///
/// Each 4x4 output tile comes from a 6x6 input tile d:  Y = Aᵀ [ Σ_c U_c ⊙ V_c ] A  with
/// U = G g Gᵀ (weights, transformed once in `init`) and V = Bᵀ d B. Per 6x6 position ξ the
/// channel sum is a GEMM  M_ξ[Cout, tiles] = U_ξ[Cout, Cin] x V_ξ[Cin, tiles]: 36 GEMMs doing
/// 36 multiplies per 16 outputs instead of 9 per output (4x fewer FLOPs), on the same 8x32
/// micro-kernel as every other path.
///
/// Work unit: a block of 32 consecutive tiles (row-major over the tile grid). A worker
/// transforms the block's input straight into packed B panels, runs the 36 GEMMs into its own
/// M buffer, and applies the output transform with bias, residual and ReLU fused into the
/// store. Transforms are vectorised across 16 tiles (lane = tile); the input windows are read
/// along input rows with even/odd deinterleaves when the tile grid is at least 16 tiles wide
/// (``winogradInputTransformRows``, else gathered by `winogradInputTransform` below), and outputs
/// are stored 16 floats (4 tiles x 4 columns) at a time (``winogradOutputTransformRows``). Blocks
/// are claimed dynamically by the threads (``Parallel/forEachChunk``). When there are fewer
/// blocks than threads (small images, e.g. 19x19 = 25 tiles), blocks are also split by
/// output-channel panels; each part redoes the (cheap) input transform.
///
/// Accuracy: the transforms have coefficients up to 8 (Aᵀ) and 5 (Bᵀ); on the test shapes the
/// error against the direct reference stays below ~1e-5 relative to the output scale (tests
/// use atol 1e-4 * sqrt(Cin*9) with rtol 1e-3).
import LoupeTensor
extension Conv2D {
    static let winogradTileBlock = 32

    var winogradTilesX: Int { (geometry.outWidth + 3) / 4 }
    var winogradTilesY: Int { (geometry.outHeight + 3) / 4 }
    var winogradCoutPadded: Int { roundUp(geometry.outChannels, gemmTileRows) }
    /// Per worker: V `[36][Cin][32]` (B panels) + M `[CoutPad][36][32]` + two 36x16 transform tiles + a row buffer.
    var winogradScratchPerWorker: Int {
        roundUp(36 * geometry.inChannels * 32 + 36 * winogradCoutPadded * 32 + 2 * 36 * 16 + Conv2D.winogradRowBufferCount, 16)
    }

    /// U_ξ = (G g Gᵀ)[ξ] for every (oc, ic), computed in Double, packed per ξ into 8-row A panels:
    /// `[36][CoutPad/8][Cin][8]`.
    static func packWinogradWeights(_ g: ConvGeometry, _ weights: UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        let G: [[Double]] = [
            [1.0 / 4, 0, 0],
            [-1.0 / 6, -1.0 / 6, -1.0 / 6],
            [-1.0 / 6, 1.0 / 6, -1.0 / 6],
            [1.0 / 24, 1.0 / 12, 1.0 / 6],
            [1.0 / 24, -1.0 / 12, 1.0 / 6],
            [0, 0, 1],
        ]
        let cout = g.outChannels, cin = g.inChannels
        // u: [36][Cout][Cin] row-major, then packed.
        var u = [Float](repeating: 0, count: 36 * cout * cin)
        for oc in 0..<cout {
            for ic in 0..<cin {
                let w = weights + (oc * cin + ic) * 9
                var gw = [[Double]](repeating: [0, 0, 0], count: 6)  // G g: [6][3]
                for i in 0..<6 {
                    for j in 0..<3 {
                        gw[i][j] = (0..<3).reduce(0.0) { $0 + G[i][$1] * Double(w[$1 * 3 + j]) }
                    }
                }
                for i in 0..<6 {
                    for j in 0..<6 {
                        let v = (0..<3).reduce(0.0) { $0 + gw[i][$1] * G[j][$1] }
                        u[((i * 6 + j) * cout + oc) * cin + ic] = Float(v)
                    }
                }
            }
        }
        let perPosition = roundUp(cout, gemmTileRows) * cin
        let packed = UnsafeMutablePointer<Float>(alignedFloats: 36 * perPosition)
        u.withUnsafeBufferPointer { src in
            for xi in 0..<36 {
                Gemm.packAPanels(rows: cout, depth: cin, a: src.baseAddress! + xi * cout * cin, lda: cin,
                                 into: packed + xi * perPosition)
            }
        }
        return packed
    }

    func forwardWinograd(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                         scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let (blocks, splits) = winogradWork(threads: threads)
        Parallel.forEachChunk(count: blocks * splits, chunks: threads * Parallel.chunksPerThread, threads: threads,
                              work: ConvSlices(conv: self, path: .winograd, input: input, output: output, residual: residual,
                                               scratch: scratch, threads: threads))
    }

    /// Tile blocks of 32 tiles, and how many parts each block's output channels are split into
    /// (more than 1 only when there are fewer blocks than threads).
    func winogradWork(threads: Int) -> (blocks: Int, splits: Int) {
        let tileCount = winogradTilesX * winogradTilesY
        let blocks = (tileCount + Conv2D.winogradTileBlock - 1) / Conv2D.winogradTileBlock
        let coutPanels = winogradCoutPadded / gemmTileRows
        return (blocks, blocks >= threads ? 1 : min(coutPanels, (threads + blocks - 1) / blocks))
    }

    /// One worker's share of ``forwardWinograd(input:output:residual:scratch:threads:)``: the items in `items`.
    func forwardWinogradItems(_ call: ConvSlices, worker: Int, items: Range<Int>) {
        let input = call.input, output = call.output, residual = call.residual, scratch = call.scratch
        let cin = geometry.inChannels, cout = geometry.outChannels, coutPad = winogradCoutPadded
        let tilesX = winogradTilesX, tileCount = winogradTilesX * winogradTilesY
        let coutPanels = coutPad / gemmTileRows
        let splits = winogradWork(threads: call.threads).splits
        let perWorker = winogradScratchPerWorker
        let uStride = coutPad * cin
        let weightsU = UnsafePointer(packedWeights), biasPtr = UnsafePointer(packedBias)
        let relu = activation == .relu
        let v = scratch + worker * perWorker             // [36][Cin][32]
        // [CoutPad][36][32]: the output transform reads one channel's 36 rows as 4.5 KB in a row
        // (laid out [36][CoutPad][32] they were 36 strided L2 misses per channel and half).
        let m = v + 36 * cin * 32
        let tile = UnsafeMutableRawPointer(m + 36 * coutPad * 32).assumingMemoryBound(to: SIMD16<Float>.self)  // [36] x 16 lanes
        let tile2 = tile + 36
        let rowBuffer = UnsafeMutableRawPointer(tile2 + 36).assumingMemoryBound(to: Float.self)
        var transformedBlock = -1
        for item in items {
            let block = item / splits, part = item % splits
            let t0 = block * Conv2D.winogradTileBlock
            if block != transformedBlock {
                if tilesX >= 16 {
                    winogradInputTransformRows(input: input, firstTile: t0, tileCount: tileCount, tilesX: tilesX, v: v, d: tile,
                                               rowBuffer: rowBuffer)
                } else {
                    winogradInputTransform(input: input, firstTile: t0, tileCount: tileCount, tilesX: tilesX, v: v, d: tile)
                }
                transformedBlock = block
            }
            let p0 = part * coutPanels / splits, p1 = (part + 1) * coutPanels / splits
            for xi in 0..<36 {
                let b = UnsafePointer(v + xi * cin * 32)
                for p in p0..<p1 {
                    gemmTile(kc: cin, a: weightsU + xi * uStride + p * gemmTileRows * cin, b: b, bStride: 32,
                                        c: m + (p * gemmTileRows * 36 + xi) * 32, ldc: 36 * 32,
                                        rows: gemmTileRows, cols: gemmTileCols, epilogue: .plain)
                }
            }
            winogradOutputTransformRows(m: m, channels: (p0 * gemmTileRows)..<min(cout, p1 * gemmTileRows), firstTile: t0,
                                    tileCount: tileCount, tilesX: tilesX, bias: biasPtr, residual: residual, relu: relu,
                                    output: output, work: tile, work2: tile2)
        }
    }

    /// V = Bᵀ d B for tiles `firstTile ..< firstTile+32` of every input channel, written as B panels
    /// `v[ξ][c][32]` (lane = tile; tiles past `tileCount` become 0). `d` is 36 vectors of work space.
    @inline(__always)
    func winogradInputTransform(input: UnsafePointer<Float>, firstTile: Int, tileCount: Int, tilesX: Int,
                                v: UnsafeMutablePointer<Float>, d: UnsafeMutablePointer<SIMD16<Float>>) {
        let g = geometry
        let h = g.inHeight, w = g.inWidth, pad = g.padding, cin = g.inChannels
        let raw = UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self)  // [36][16]
        for c in 0..<cin {
            let plane = input + c * h * w
            for half in 0..<2 {
                // Gather the 6x6 windows of 16 tiles, lane-major: raw[ξ*16 + lane].
                for lane in 0..<16 {
                    let t = firstTile + half * 16 + lane
                    if t >= tileCount {
                        for xi in 0..<36 { raw[xi * 16 + lane] = 0 }
                        continue
                    }
                    let y0 = (t / tilesX) &* 4 &- pad, x0 = (t % tilesX) &* 4 &- pad
                    if y0 >= 0 && x0 >= 0 && y0 + 6 <= h && x0 + 6 <= w {
                        // Interior tile: 36 unchecked loads (wrapping index math, no overflow traps).
                        var src = plane + (y0 &* w &+ x0)
                        var dst = raw + lane
                        for _ in 0..<6 {
                            dst[0] = src[0]; dst[16] = src[1]; dst[32] = src[2]
                            dst[48] = src[3]; dst[64] = src[4]; dst[80] = src[5]
                            src += w
                            dst += 96
                        }
                    } else {
                        for i in 0..<6 {
                            let y = y0 + i
                            for j in 0..<6 {
                                let x = x0 + j
                                raw[(i * 6 + j) * 16 + lane] = (y >= 0 && y < h && x >= 0 && x < w) ? plane[y * w + x] : 0
                            }
                        }
                    }
                }
                for j in 0..<6 { winogradBT(d, j, 6) }      // columns: Bᵀ d
                for i in 0..<6 { winogradBT(d, 6 * i, 1) }  // rows: (Bᵀ d) B
                let dst = UnsafeMutableRawPointer(v + c * 32 + half * 16)
                for xi in 0..<36 {
                    dst.storeBytes(of: d[xi], toByteOffset: xi * cin * 32 * 4, as: SIMD16<Float>.self)
                }
            }
        }
    }
}

/// In place, 6 vectors at `p[first + i*step]`: the Bᵀ (6x6) input-transform rows.
@inline(__always)
private func winogradBT(_ p: UnsafeMutablePointer<SIMD16<Float>>, _ first: Int, _ step: Int) {
    let d0 = p[first], d1 = p[first + step], d2 = p[first + 2 * step]
    let d3 = p[first + 3 * step], d4 = p[first + 4 * step], d5 = p[first + 5 * step]
    let four = SIMD16<Float>(repeating: 4), five = SIMD16<Float>(repeating: 5), two = SIMD16<Float>(repeating: 2)
    p[first] = (d4 - five * d2).addingProduct(four, d0)
    p[first + step] = (d3 + d4) - four * (d1 + d2)
    p[first + 2 * step] = (d4 - d3).addingProduct(four, d1 - d2)
    p[first + 3 * step] = (d4 - d2).addingProduct(two, d3 - d1)
    p[first + 4 * step] = (d4 - d2) - two * (d3 - d1)
    p[first + 5 * step] = (d5 - five * d3).addingProduct(four, d1)
}
