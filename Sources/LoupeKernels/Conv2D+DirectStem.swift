/// Direct 3x3 stride-2 convolution for few input channels (`f32-conv3x3-s2p1-direct-avx512-16`):
/// the stem of an image network (1 grayscale or 3 colour channels).
///
/// As a GEMM such a layer has depth K = Cin*9 <= 36: the micro-kernel spends more time storing
/// its 8x32 tile than multiplying, and im2col writes 9x the input. Here each input row is split
/// once into its even and odd columns (`E[x] = in[2x]`, `O[x+1] = in[2x+1]`, `O[0] = 0` = the left
/// padding), after which the three taps of a kernel row for 16 consecutive outputs are plain
/// unaligned loads: kx = 0 -> `O[ox]`, kx = 1 -> `E[ox]`, kx = 2 -> `O[ox+1]`. Per 16 outputs and
/// output channel: Cin*9 FMAs with the weight broadcast from memory, then bias, residual, ReLU.
///
/// Runs inside ``ConvAlgorithm/gemm`` (the algorithm names the arithmetic's family for
/// reproducibility; this path computes the same sums in the same tap order as a dot product
/// would) when ``Conv2D/usesDirectStem`` holds.
import LoupeTensor
extension Conv2D {
    /// 3x3, stride 2, padding 1, ungrouped, at most 4 input channels.
    static func directStemSupports(_ g: ConvGeometry) -> Bool {
        g.kernel == 3 && g.stride == 2 && g.padding == 1 && g.groups == 1 && g.inChannels <= 4
    }

    var usesDirectStem: Bool { Conv2D.directStemSupports(geometry) }

    /// Floats in one split row: `roundUp(outWidth, 16) + 16` (the last chunk of 16 outputs reads
    /// up to `O[roundUp(outWidth,16)]`).
    var directStemRowFloats: Int { roundUp(geometry.outWidth, 16) + 16 }
    /// Per worker: `[3 rows][Cin][E, O][rowFloats]`.
    var directStemScratchPerWorker: Int { 3 * geometry.inChannels * 2 * directStemRowFloats }

    func forwardDirectStem(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                           scratch: UnsafeMutablePointer<Float>, threads: Int) {
        Parallel.forEachChunk(count: geometry.outHeight, chunks: threads * Parallel.chunksPerThread, threads: threads,
                              work: ConvSlices(conv: self, path: .directStem, input: input, output: output, residual: residual,
                                               scratch: scratch, threads: threads))
    }

    /// One worker's share of ``forwardDirectStem(input:output:residual:scratch:threads:)``: the items in `rows`.
    func forwardDirectStemItems(_ call: ConvSlices, worker: Int, rows: Range<Int>) {
        let input = call.input, output = call.output, residual = call.residual, scratch = call.scratch
        typealias V = SIMD16<Float>
        let g = geometry
        let cin = g.inChannels, cout = g.outChannels
        let h = g.inHeight, w = g.inWidth, oh = g.outHeight, ow = g.outWidth
        let rowFloats = directStemRowFloats, perWorker = gemmScratchPerWorker
        let chunks = (ow + 15) / 16
        let weights = UnsafePointer(packedWeights)  // raw [Cout][Cin][3][3] on this path
        let biasPtr = UnsafePointer(packedBias)
        let relu = activation == .relu
        // split[r][c][0] = E, split[r][c][1] = O of input row 2*oy - 1 + r.
        let split = scratch + worker * perWorker
        for oy in rows {
            for r in 0..<3 {
                let iy = 2 * oy - 1 + r
                for c in 0..<cin {
                    let e = split + ((r * cin + c) * 2) * rowFloats
                    let o = e + rowFloats
                    if iy < 0 || iy >= h {
                        e.update(repeating: 0, count: rowFloats)
                        o.update(repeating: 0, count: rowFloats)
                        continue
                    }
                    let src = input + (c * h + iy) * w
                    o[0] = 0
                    var x = 0
                    while 2 * x + 32 <= w && x + 16 <= rowFloats - 1 {
                        let from = UnsafeRawPointer(src + 2 * x)
                        let a = from.loadUnaligned(as: V.self), b = from.loadUnaligned(fromByteOffset: 64, as: V.self)
                        UnsafeMutableRawPointer(e + x).storeBytes(of: evenLanes(a, b), as: V.self)
                        UnsafeMutableRawPointer(o + x + 1).storeBytes(of: oddLanes(a, b), as: V.self)
                        x += 16
                    }
                    while x < rowFloats - 1 {
                        let xe = 2 * x, xo = 2 * x + 1
                        e[x] = xe < w ? src[xe] : 0
                        o[x + 1] = xo < w ? src[xo] : 0
                        x += 1
                    }
                    e[rowFloats - 1] = 0
                }
            }
            // Eight output channels at a time share the tap loads and give eight independent
            // FMA chains (one chain of Cin*9 dependent FMAs ran at the FMA latency, not its rate).
            var oc0 = 0
            while oc0 < cout {
                let block = min(8, cout - oc0)
                // Weights of channel oc0+j; a block of fewer than 8 repeats the last channel
                // (in bounds; those results are not stored).
                let stride = cin &* 9
                let w0 = weights + min(oc0, cout - 1) &* stride, w1 = weights + min(oc0 + 1, cout - 1) &* stride
                let w2 = weights + min(oc0 + 2, cout - 1) &* stride, w3 = weights + min(oc0 + 3, cout - 1) &* stride
                let w4 = weights + min(oc0 + 4, cout - 1) &* stride, w5 = weights + min(oc0 + 5, cout - 1) &* stride
                let w6 = weights + min(oc0 + 6, cout - 1) &* stride, w7 = weights + min(oc0 + 7, cout - 1) &* stride
                for chunk in 0..<chunks {
                    let ox0 = chunk &* 16
                    var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
                    var rowE = UnsafeRawPointer(split + ox0)
                    var off = 0
                    for _ in 0..<(3 &* cin) {  // (r, c) pairs in split-buffer order; weights at c*9 + r*3
                        let e = rowE, o = rowE + rowFloats &* 4
                        let t0 = o.loadUnaligned(as: V.self), t1 = e.loadUnaligned(as: V.self)
                        let t2 = o.loadUnaligned(fromByteOffset: 4, as: V.self)
                        a0 = a0.addingProduct(t0, V(repeating: w0[off])).addingProduct(t1, V(repeating: w0[off &+ 1])).addingProduct(t2, V(repeating: w0[off &+ 2]))
                        a1 = a1.addingProduct(t0, V(repeating: w1[off])).addingProduct(t1, V(repeating: w1[off &+ 1])).addingProduct(t2, V(repeating: w1[off &+ 2]))
                        a2 = a2.addingProduct(t0, V(repeating: w2[off])).addingProduct(t1, V(repeating: w2[off &+ 1])).addingProduct(t2, V(repeating: w2[off &+ 2]))
                        a3 = a3.addingProduct(t0, V(repeating: w3[off])).addingProduct(t1, V(repeating: w3[off &+ 1])).addingProduct(t2, V(repeating: w3[off &+ 2]))
                        a4 = a4.addingProduct(t0, V(repeating: w4[off])).addingProduct(t1, V(repeating: w4[off &+ 1])).addingProduct(t2, V(repeating: w4[off &+ 2]))
                        a5 = a5.addingProduct(t0, V(repeating: w5[off])).addingProduct(t1, V(repeating: w5[off &+ 1])).addingProduct(t2, V(repeating: w5[off &+ 2]))
                        a6 = a6.addingProduct(t0, V(repeating: w6[off])).addingProduct(t1, V(repeating: w6[off &+ 1])).addingProduct(t2, V(repeating: w6[off &+ 2]))
                        a7 = a7.addingProduct(t0, V(repeating: w7[off])).addingProduct(t1, V(repeating: w7[off &+ 1])).addingProduct(t2, V(repeating: w7[off &+ 2]))
                        rowE += 2 &* rowFloats &* 4
                        // Next pair: channel c+1 of the same kernel row (+9 weights), or after the
                        // last channel kernel row r+1 of channel 0 (back to c = 0, +3).
                        off &+= 9
                        if off >= stride { off = off &- stride &+ 3 }
                    }
                    let acc = (a0, a1, a2, a3, a4, a5, a6, a7)
                    let valid = min(16, ow - ox0)
                    for j in 0..<block {
                        var v: V
                        switch j {
                        case 0: v = acc.0
                        case 1: v = acc.1
                        case 2: v = acc.2
                        case 3: v = acc.3
                        case 4: v = acc.4
                        case 5: v = acc.5
                        case 6: v = acc.6
                        default: v = acc.7
                        }
                        let oc = oc0 + j
                        v += V(repeating: biasPtr[oc])
                        let at = oc * oh * ow + oy * ow + ox0
                        if valid == 16 {
                            if let residual { v += UnsafeRawPointer(residual + at).loadUnaligned(as: V.self) }
                            if relu { v = relu16(v) }
                            UnsafeMutableRawPointer(output + at).storeBytes(of: v, as: V.self)
                        } else {
                            for l in 0..<valid {
                                var x = v[l]
                                if let residual { x += residual[at + l] }
                                output[at + l] = relu ? max(x, 0) : x
                            }
                        }
                    }
                }
                oc0 += 8
            }
        }
    }
}
