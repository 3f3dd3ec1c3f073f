#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import CGemmKernels
import LoupeTensor

/// Packed single-precision GEMM on the 8x32 register tile (``gemmTile``, in the active ``KernelVariant``).
///
/// Blocking (Goto/BLIS order): for each `nc`-column block of B and `kc`-deep slice, B is packed
/// into 32-column panels; for each `mc`-row block of A, A is packed into 8-row panels; then
/// every (B panel, A panel) pair runs the micro-kernel. With `kc = 256` one B panel
/// (256 x 32 floats = 32 KB) is reused from L1/L2 by all A panels of the block, and the A block
/// (`mc x kc` = 128 KB) stays in the 1 MB L2.
public enum Gemm {
    static let kc = 256
    static let mc = 128
    static let nc = 2048

    /// `C[m, n] (+)= A[m, k] x B[k, n]`, row-major with leading dimensions: the same contract
    /// as ``ReferenceKernels/sgemm(m:n:k:a:lda:b:ldb:c:ldc:accumulate:)``.
    /// Allocates its packing buffers per call; pass a ``GemmWorkspace`` to the overload below
    /// when calling repeatedly (convolutions use ``Conv2D``, which never allocates).
    public static func sgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        sgemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate, workspace: GemmWorkspace())
    }

    /// As above, packing into `workspace` instead of allocating: no allocation per call.
    /// A workspace serves one call at a time (one per thread).
    public static func sgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, workspace: GemmWorkspace) {
        precondition(m >= 0 && n >= 0 && k >= 0 && lda >= k && ldb >= n && ldc >= n, "Gemm.sgemm: bad shape")
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        // A block: [mc/8 panels][kc][8]; B block: [nc/32 panels][kc][32] (workspace holds the largest).
        let aPack = workspace.aPack
        let bPack = workspace.bPack
        for j0 in stride(from: 0, to: n, by: nc) {
            let nb = min(nc, n - j0)
            for p0 in stride(from: 0, to: k, by: kc) {
                let kb = min(kc, k - p0)
                packBPanels(rows: kb, cols: nb, b: b + p0 * ldb + j0, ldb: ldb, into: bPack)
                let epilogue = GemmEpilogue(accumulate: accumulate || p0 > 0)
                for i0 in stride(from: 0, to: m, by: mc) {
                    let mb = min(mc, m - i0)
                    packAPanels(rows: mb, depth: kb, a: a + i0 * lda + p0, lda: lda, into: aPack)
                    for jr in stride(from: 0, to: nb, by: gemmTileCols) {
                        let bPanel = bPack + jr * kb
                        for ir in stride(from: 0, to: mb, by: gemmTileRows) {
                            gemmTile(kc: kb, a: aPack + ir * kb, b: bPanel, bStride: gemmTileCols,
                                                c: c + (i0 + ir) * ldc + j0 + jr, ldc: ldc,
                                                rows: min(gemmTileRows, mb - ir), cols: min(gemmTileCols, nb - jr),
                                                epilogue: epilogue)
                        }
                    }
                }
            }
        }
    }

    /// Packs `A[rows, depth]` (row-major, `lda`) into 8-row panels `[ceil(rows/8)][depth][8]`,
    /// zero-padding the last panel's missing rows so the micro-kernel never branches on them.
    static func packAPanels(rows: Int, depth: Int, a: UnsafePointer<Float>, lda: Int, into dst: UnsafeMutablePointer<Float>) {
        var out = dst
        for i0 in stride(from: 0, to: rows, by: gemmTileRows) {
            let valid = min(gemmTileRows, rows - i0)
            for p in 0..<depth {
                for r in 0..<gemmTileRows {
                    out[p * gemmTileRows + r] = r < valid ? a[(i0 + r) * lda + p] : 0
                }
            }
            out += depth * gemmTileRows
        }
    }

    /// Packs `B[rows, cols]` (row-major, `ldb`) into 32-column panels `[ceil(cols/32)][rows][32]`,
    /// zero-padding the last panel's missing columns.
    static func packBPanels(rows: Int, cols: Int, b: UnsafePointer<Float>, ldb: Int, into dst: UnsafeMutablePointer<Float>) {
        var out = dst
        for j0 in stride(from: 0, to: cols, by: gemmTileCols) {
            let valid = min(gemmTileCols, cols - j0)
            for p in 0..<rows {
                let src = b + p * ldb + j0
                let row = out + p * gemmTileCols
                if valid == gemmTileCols {
                    row.update(from: src, count: gemmTileCols)
                } else {
                    row.update(from: src, count: valid)
                    (row + valid).update(repeating: 0, count: gemmTileCols - valid)
                }
            }
            out += rows * gemmTileCols
        }
    }

    /// Measures this core's FP32 FMA throughput in GFLOPS for `variant`'s instruction set:
    /// 12 independent FMA chains of that ISA's widest vector (enough to cover a 4-cycle latency
    /// on 2 pipes, and few enough to stay in AVX2's 16 registers) for about `seconds` of wall
    /// time, counting 2 FLOP per lane per FMA. The yardstick GEMM numbers are printed against.
    public static func measureFMAPeak(variant: KernelVariant = .active, seconds: Double = 0.2) -> Double {
        // Accumulators live in memory between rounds: with everything in locals the optimiser
        // narrowed the chains to xmm. Lane-varying values for the same reason.
        let lanes = variant == .avx2 ? 8 : 16
        let acc = UnsafeMutableRawPointer.allocate(byteCount: 14 * 64, alignment: 64)
        defer { acc.deallocate() }
        for i in 0..<(14 * 16) { acc.storeBytes(of: 1 + Float(i % 16) * 1e-3, toByteOffset: 4 * i, as: Float.self) }
        let floats = acc.assumingMemoryBound(to: Float.self)
        let inner = 100_000
        var rounds = 0
        let start = MonotonicClock.seconds()
        var elapsed = 0.0
        repeat {
            switch variant {
            case .portable: fmaChains12(acc, iterations: inner)
            case .avx2: loupe_fma_chains_avx2(floats, Int64(inner))
            case .avx512: loupe_fma_chains_avx512(floats, Int64(inner))
            }
            rounds += 1
            elapsed = MonotonicClock.seconds() - start
        } while elapsed < seconds
        if acc.load(as: Float.self).isNaN { print("measureFMAPeak: unexpected NaN") }
        return Double(rounds * inner * 12 * lanes * 2) / elapsed / 1e9
    }

    /// The portable probe: 12 independent FMA chains `acc[i] = acc[i] * x + y` on `SIMD16<Float>`; `raw` holds
    /// 12 accumulators then `x` and `y` (14 x 64 bytes).
    @inline(never)
    static func fmaChains12(_ raw: UnsafeMutableRawPointer, iterations: Int) {
        typealias V = SIMD16<Float>
        let p = raw.assumingMemoryBound(to: V.self)
        let x = p[12] * 0.999, y = p[13] * 1e-7
        var a0 = p[0], a1 = p[1], a2 = p[2], a3 = p[3], a4 = p[4], a5 = p[5]
        var a6 = p[6], a7 = p[7], a8 = p[8], a9 = p[9], a10 = p[10], a11 = p[11]
        for _ in 0..<iterations {
            a0 = y.addingProduct(a0, x); a1 = y.addingProduct(a1, x); a2 = y.addingProduct(a2, x)
            a3 = y.addingProduct(a3, x); a4 = y.addingProduct(a4, x); a5 = y.addingProduct(a5, x)
            a6 = y.addingProduct(a6, x); a7 = y.addingProduct(a7, x); a8 = y.addingProduct(a8, x)
            a9 = y.addingProduct(a9, x); a10 = y.addingProduct(a10, x); a11 = y.addingProduct(a11, x)
        }
        p[0] = a0; p[1] = a1; p[2] = a2; p[3] = a3; p[4] = a4; p[5] = a5
        p[6] = a6; p[7] = a7; p[8] = a8; p[9] = a9; p[10] = a10; p[11] = a11
    }
}

@inline(__always)
func roundUp(_ x: Int, _ multiple: Int) -> Int { (x + multiple - 1) / multiple * multiple }

extension UnsafeMutablePointer where Pointee == Float {
    /// `count` floats, 64-byte aligned (one zmm / cache line), uninitialised.
    init(alignedFloats count: Int) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        self = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }
}

/// Packing buffers for ``Gemm/sgemm(m:n:k:a:lda:b:ldb:c:ldc:accumulate:workspace:)``, sized
/// once for the largest blocks (`mc x kc` of A, `nc x kc` of B: about 2.1 MB), so that repeated
/// calls never allocate. Not thread-safe: one workspace per thread.
public final class GemmWorkspace: @unchecked Sendable {
    /// `[mc/8][kc][8]` A panels.
    let aPack: UnsafeMutablePointer<Float>
    /// `[nc/32][kc][32]` B panels.
    let bPack: UnsafeMutablePointer<Float>

    public init() {
        aPack = UnsafeMutablePointer<Float>(alignedFloats: Gemm.mc * Gemm.kc)
        bPack = UnsafeMutablePointer<Float>(alignedFloats: Gemm.nc * Gemm.kc)
    }

    deinit {
        aPack.deallocate()
        bPack.deallocate()
    }
}
