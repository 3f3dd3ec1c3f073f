/// Convolution as GEMM, per group: `output[Mg, OH*OW] = W[Mg, Kg] x im2col[Kg, OH*OW]` with
/// `Mg = outChannels/groups`, `Kg = (inChannels/groups)*k*k`. Rows of C are output channels, so
/// bias is one broadcast per tile row and the residual has C's layout: both fuse into the store.
///
/// Work is split by 32-pixel panels: each worker packs one B panel `[Kg][32]` into its own
/// scratch slice and sweeps all A panels over it (B stays in L1/L2, A is small and shared).
import LoupeTensor
extension Conv2D {
    /// Output pixels per B panel (the micro-kernel's column count).
    var gemmPanelCount: Int { (geometry.outHeight * geometry.outWidth + gemmTileCols - 1) / gemmTileCols }
    var gemmDepth: Int { geometry.channelsPerGroup * geometry.kernel * geometry.kernel }
    /// One B panel `[Kg][32]` plus the SIMD packer's store slack, rounded to a cache line so worker
    /// slices stay 64-byte aligned.
    var gemmScratchPerWorker: Int {
        if usesDirectStem { return roundUp(directStemScratchPerWorker, 16) }
        if usesStride2Bands { return stride2BandScratchPerWorker }
        return roundUp(gemmDepth * gemmTileCols + im2colPanelSlack, 16) + gemmRunTableFloats
    }
    /// The SIMD packer's run table (Ints) at the end of each worker slice, in Float-sized units.
    var gemmRunTableFloats: Int { im2colSIMDSupports(geometry) ? roundUp(2 * im2colRunTableCount(geometry), 16) : 0 }
    /// 1x1 stride-1 unpadded convs: the input `[Cin, H*W]` already is the B matrix.
    var gemmReadsInputDirectly: Bool { geometry.kernel == 1 && geometry.stride == 1 && geometry.padding == 0 }

    /// A panels for the GEMM, or for the direct stem kernel (``usesDirectStem``) the weights as given.
    static func packGemmWeights(_ g: ConvGeometry, _ weights: UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        if directStemSupports(g) {
            let raw = UnsafeMutablePointer<Float>(alignedFloats: g.weightCount)
            raw.initialize(from: weights, count: g.weightCount)
            return raw
        }
        let mg = g.outChannels / g.groups, kg = g.channelsPerGroup * g.kernel * g.kernel
        let perGroup = roundUp(mg, gemmTileRows) * kg
        let packed = UnsafeMutablePointer<Float>(alignedFloats: g.groups * perGroup)
        for group in 0..<g.groups {
            Gemm.packAPanels(rows: mg, depth: kg, a: weights + group * mg * kg, lda: kg, into: packed + group * perGroup)
        }
        return packed
    }

    func forwardGemm(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                     scratch: UnsafeMutablePointer<Float>, threads: Int) {
        if usesDirectStem {
            forwardDirectStem(input: input, output: output, residual: residual, scratch: scratch, threads: threads)
            return
        }
        if usesStride2Bands {
            forwardGemmStride2Bands(input: input, output: output, residual: residual, scratch: scratch, threads: threads)
            return
        }
        Parallel.forEachChunk(count: gemmPanelCount, chunks: threads * Parallel.chunksPerThread, threads: threads,
                              work: ConvSlices(conv: self, path: .gemm, input: input, output: output, residual: residual,
                                               scratch: scratch, threads: threads))
    }

    /// One worker's share of ``forwardGemm(input:output:residual:scratch:threads:)``: the items in `panels`.
    func forwardGemmItems(_ call: ConvSlices, worker: Int, panels: Range<Int>) {
        let input = call.input, output = call.output, residual = call.residual, scratch = call.scratch
        let g = geometry
        let n = g.outHeight * g.outWidth
        let mg = g.outChannels / g.groups, cpg = g.channelsPerGroup, kg = gemmDepth
        let aGroupStride = roundUp(mg, gemmTileRows) * kg
        let direct = gemmReadsInputDirectly
        let relu = activation == .relu
        let perWorker = gemmScratchPerWorker
        let simdPacker = im2colSIMDSupports(g)
        let inputEnd = input + g.inputCount
        let weightsA = UnsafePointer(packedWeights), biasPtr = UnsafePointer(packedBias)
        let bBuffer = scratch + worker * perWorker
        let runTable = UnsafeMutableRawPointer(bBuffer + roundUp(kg * gemmTileCols + im2colPanelSlack, 16))
            .assumingMemoryBound(to: Int.self)
        for panel in panels {
            let q0 = panel * gemmTileCols
            let cols = min(gemmTileCols, n - q0)
            for group in 0..<g.groups {
                let groupInput = input + group * cpg * g.inHeight * g.inWidth
                let (b, bStride) = im2colPanel(g, channels: cpg, input: groupInput, inputEnd: inputEnd, firstPixel: q0, cols: cols,
                                               pointwise: direct, simd: simdPacker, panel: bBuffer, table: runTable)
                for ir in stride(from: 0, to: mg, by: gemmTileRows) {
                    let oc0 = group * mg + ir
                    let epilogue = GemmEpilogue(accumulate: false, bias: biasPtr + oc0,
                                                residual: residual.map { $0 + oc0 * n + q0 }, relu: relu)
                    gemmTile(kc: kg, a: weightsA + group * aGroupStride + ir * kg, b: b, bStride: bStride,
                                        c: output + oc0 * n + q0, ldc: n, rows: min(gemmTileRows, mg - ir), cols: cols,
                                        epilogue: epilogue)
                }
            }
        }
    }
}
