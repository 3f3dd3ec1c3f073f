import CGemmKernels
import LoupeTensor

/// The 8x32 register tile every fast path (``Gemm``, GEMM convolution, Winograd, training)
/// runs on, in the ``KernelVariant`` that is active. Same contract as
/// ``gemmMicrokernel8x32(kc:a:b:bStride:c:ldc:rows:cols:epilogue:)``, the portable variant.
@inline(__always)
func gemmTile(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
              c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, epilogue: GemmEpilogue) {
    switch KernelVariant.active {
    case .portable:
        gemmMicrokernel8x32(kc: kc, a: a, b: b, bStride: bStride, c: c, ldc: ldc, rows: rows, cols: cols, epilogue: epilogue)
    case .avx2:
        var e = epilogue.c
        loupe_gemm_tile8x32_avx2(Int64(kc), a, b, Int64(bStride), c, Int64(ldc), Int32(rows), Int32(cols), &e)
    case .avx512:
        var e = epilogue.c
        loupe_gemm_tile8x32_avx512(Int64(kc), a, b, Int64(bStride), c, Int64(ldc), Int32(rows), Int32(cols), &e)
    }
}

extension GemmEpilogue {
    /// The same epilogue for the C tiles.
    @inline(__always)
    var c: loupe_gemm_epilogue {
        loupe_gemm_epilogue(accumulate: accumulate ? 1 : 0, relu: relu ? 1 : 0, bias: bias, residual: residual)
    }
}
