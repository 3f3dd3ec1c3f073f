import LoupeTensor

// Forward: im2col written straight into 32-pixel B panels, `Y = W·col`.
extension ConvTrainingKernels {
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
                gemmTile(kc: kk, a: packedWeights + ir * kk, b: b, bStride: bStride, c: output + ir * n + q0, ldc: n,
                                    rows: min(gemmTileRows, cout - ir), cols: cols, epilogue: epilogue)
            }
        }
    }
}
