/// The one SGEMM micro-kernel every fast path (``Gemm``, GEMM convolution, Winograd) runs on:
/// an 8x32 register tile of C held in 16 `SIMD16<Float>` accumulators (zmm registers with
/// `-target-cpu native` on AVX-512), updated by one rank-1 update per k step:
/// 2 vector loads of B, 8 broadcasts of A, 16 FMAs.
///
/// 8x32 rather than 6x32/4x48: 16 accumulators + 2 B vectors + 1 broadcast fit the 32 zmm
/// registers with room to spare, and 8 rows match the 16/32/64/128-channel convs exactly.

/// Rows of C one micro-kernel call produces (A panels are packed 8 rows wide).
let gemmTileRows = 8
/// Columns of C one micro-kernel call produces (B panels are packed 32 columns wide).
let gemmTileCols = 32

/// What the micro-kernel does with the finished 8x32 tile before storing it.
/// Order: `acc (+ C if accumulate) + bias[row] + residual`, then the activation.
struct GemmEpilogue {
    /// Add the current contents of C (beta = 1) instead of overwriting it.
    var accumulate: Bool = false
    /// One value per tile row (already offset to the tile's first row), or nil.
    var bias: UnsafePointer<Float>? = nil
    /// Same layout as C (already offset to the tile origin, leading dimension `ldc`), or nil.
    var residual: UnsafePointer<Float>? = nil
    var relu: Bool = false

    static let plain = GemmEpilogue()
}

/// `C[0..<rows, 0..<cols] = epilogue(A x B)` for one 8x32 tile.
///
/// - Parameters:
///   - kc: depth of the product.
///   - a: A panel, `[kc][8]` (row index fastest), rows beyond `rows` zero-padded.
///   - b: B panel, `[kc][bStride]` with the tile's 32 columns first in each row; columns
///     beyond `cols` must be readable (their values are ignored).
///   - c: tile origin in C, row-major with leading dimension `ldc`.
///   - rows, cols: the valid part of the tile (`1...8`, `1...32`); the rest is not written.
@inline(__always)
func gemmMicrokernel8x32(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
                         c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                         epilogue: GemmEpilogue) {
    typealias V = SIMD16<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
    var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
    var ap = a
    var bp = UnsafeRawPointer(b)
    let bStep = bStride * MemoryLayout<Float>.stride
    for _ in 0..<kc {
        let b0 = bp.loadUnaligned(as: V.self)
        let b1 = bp.loadUnaligned(fromByteOffset: 64, as: V.self)
        var x = V(repeating: ap[0]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
        x = V(repeating: ap[1]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
        x = V(repeating: ap[2]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
        x = V(repeating: ap[3]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
        x = V(repeating: ap[4]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
        x = V(repeating: ap[5]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
        x = V(repeating: ap[6]); c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
        x = V(repeating: ap[7]); c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
        ap += 8
        bp += bStep
    }
    if cols == gemmTileCols {
        // Full-width tile: plain stores straight from registers (no spill, which costs as much
        // as the whole k loop when Cin = 16), then the epilogue as a second pass over the rows
        // while they are in L1. The hot function must contain no calls: a call clobbers every
        // zmm and spills all 16 accumulators.
        let c0 = UnsafeMutableRawPointer(c)
        let rowBytes = ldc * MemoryLayout<Float>.stride
        if rows == gemmTileRows && !epilogue.accumulate {
            c0.storeBytes(of: c00, as: V.self); c0.storeBytes(of: c01, toByteOffset: 64, as: V.self)
            let c1 = c0 + rowBytes
            c1.storeBytes(of: c10, as: V.self); c1.storeBytes(of: c11, toByteOffset: 64, as: V.self)
            let c2 = c1 + rowBytes
            c2.storeBytes(of: c20, as: V.self); c2.storeBytes(of: c21, toByteOffset: 64, as: V.self)
            let c3 = c2 + rowBytes
            c3.storeBytes(of: c30, as: V.self); c3.storeBytes(of: c31, toByteOffset: 64, as: V.self)
            let c4 = c3 + rowBytes
            c4.storeBytes(of: c40, as: V.self); c4.storeBytes(of: c41, toByteOffset: 64, as: V.self)
            let c5 = c4 + rowBytes
            c5.storeBytes(of: c50, as: V.self); c5.storeBytes(of: c51, toByteOffset: 64, as: V.self)
            let c6 = c5 + rowBytes
            c6.storeBytes(of: c60, as: V.self); c6.storeBytes(of: c61, toByteOffset: 64, as: V.self)
            let c7 = c6 + rowBytes
            c7.storeBytes(of: c70, as: V.self); c7.storeBytes(of: c71, toByteOffset: 64, as: V.self)
            if epilogue.bias != nil || epilogue.residual != nil || epilogue.relu {
                gemmEpiloguePass(c, ldc: ldc, rows: rows, epilogue: epilogue)
            }
            return
        }
    }
    // Partial tile: spill    // Partial tile: spill to the stack once (after the hot loop) and store element by element.
    var tile = (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71)
    withUnsafeBytes(of: &tile) { raw in
        gemmStoreTile(raw.baseAddress!.assumingMemoryBound(to: Float.self), c: c, ldc: ldc, rows: rows, cols: cols,
                      epilogue: epilogue)
    }
}

/// Applies the epilogue to row `r` of a full-width tile (`v0` = columns 0..<16, `v1` = 16..<32) and stores it.
@inline(__always)
func gemmStoreRow(_ c: UnsafeMutablePointer<Float>, _ r: Int, _ acc0: SIMD16<Float>, _ acc1: SIMD16<Float>,
                  _ epilogue: GemmEpilogue, _ ldc: Int) {
    typealias V = SIMD16<Float>
    var v0 = acc0, v1 = acc1
    let out = UnsafeMutableRawPointer(c + r * ldc)
    if epilogue.accumulate {
        v0 += out.loadUnaligned(as: V.self)
        v1 += out.loadUnaligned(fromByteOffset: 64, as: V.self)
    }
    if let bias = epilogue.bias {
        let s = V(repeating: bias[r])
        v0 += s
        v1 += s
    }
    if let residual = epilogue.residual {
        let res = UnsafeRawPointer(residual + r * ldc)
        v0 += res.loadUnaligned(as: V.self)
        v1 += res.loadUnaligned(fromByteOffset: 64, as: V.self)
    }
    if epilogue.relu {
        v0 = relu16(v0)
        v1 = relu16(v1)
    }
    out.storeBytes(of: v0, as: V.self)
    out.storeBytes(of: v1, toByteOffset: 64, as: V.self)
}

/// Applies the epilogue to a finished tile `[8][32]` (row-major) and stores its valid part.
@inline(__always)
func gemmStoreTile(_ tile: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                   epilogue: GemmEpilogue) {
    typealias V = SIMD16<Float>
    if cols == gemmTileCols {
        for r in 0..<rows {
            let t = UnsafeRawPointer(tile + r * gemmTileCols)
            gemmStoreRow(c, r, t.loadUnaligned(as: V.self), t.loadUnaligned(fromByteOffset: 64, as: V.self), epilogue, ldc)
        }
    } else {
        for r in 0..<rows {
            let bias: Float = epilogue.bias?[r] ?? 0
            for j in 0..<cols {
                var v = tile[r * gemmTileCols + j]
                if epilogue.accumulate { v += c[r * ldc + j] }
                v += bias
                if let residual = epilogue.residual { v += residual[r * ldc + j] }
                if epilogue.relu { v = max(v, 0) }
                c[r * ldc + j] = v
            }
        }
    }
}

/// `max(v, 0)` per lane (one vmaxps). Not `pointwiseMax`: inside the big micro-kernel the
/// optimiser left that generic as a call, and a call clobbers every zmm, spilling all 16 accumulators.
@inline(__always)
func relu16(_ v: SIMD16<Float>) -> SIMD16<Float> { v.replacing(with: 0, where: v .< 0) }

/// Bias, residual and ReLU applied in place to `rows` full-width (32-column) rows of C.
@inline(never)
func gemmEpiloguePass(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, epilogue: GemmEpilogue) {
    typealias V = SIMD16<Float>
    for r in 0..<rows {
        let out = UnsafeMutableRawPointer(c + r * ldc)
        var v0 = out.loadUnaligned(as: V.self)
        var v1 = out.loadUnaligned(fromByteOffset: 64, as: V.self)
        if let bias = epilogue.bias {
            let s = V(repeating: bias[r])
            v0 += s
            v1 += s
        }
        if let residual = epilogue.residual {
            let res = UnsafeRawPointer(residual + r * ldc)
            v0 += res.loadUnaligned(as: V.self)
            v1 += res.loadUnaligned(fromByteOffset: 64, as: V.self)
        }
        if epilogue.relu {
            v0 = relu16(v0)
            v1 = relu16(v1)
        }
        out.storeBytes(of: v0, as: V.self)
        out.storeBytes(of: v1, toByteOffset: 64, as: V.self)
    }
}
