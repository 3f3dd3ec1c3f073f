#ifndef LOUPE_GEMM_KERNELS_H
#define LOUPE_GEMM_KERNELS_H

// Per-ISA register tiles of Loupe's SGEMM, compiled into every build with function target
// attributes and chosen at run time from CPUID (KernelVariant, in LoupeTensor). All variants
// work on the same packed panels as the portable Swift tile (gemmMicrokernel8x32):
//   A panel [kc][8] (row index fastest, missing rows zero-padded),
//   B panel [kc][b_stride] with the tile's 32 columns first in each row.
// docs/kernels.md says why these are C and how each tile uses its register file.

#include <stdint.h>

/// What a tile does with its finished 8x32 block before storing it:
/// `acc (+ C if accumulate) + bias[row] + residual`, then ReLU.
typedef struct {
    int32_t accumulate;
    int32_t relu;
    const float *bias;      ///< one value per tile row, or NULL
    const float *residual;  ///< same layout as C (leading dimension ldc), or NULL
} loupe_gemm_epilogue;

/// `C[0..<rows, 0..<cols] = epilogue(A x B)` for one 8x32 tile; rows in 1...8, cols in 1...32.
void loupe_gemm_tile8x32_avx2(int64_t kc, const float *a, const float *b, int64_t b_stride,
                              float *c, int64_t ldc, int32_t rows, int32_t cols, const loupe_gemm_epilogue *epilogue);
void loupe_gemm_tile8x32_avx512(int64_t kc, const float *a, const float *b, int64_t b_stride,
                                float *c, int64_t ldc, int32_t rows, int32_t cols, const loupe_gemm_epilogue *epilogue);

/// The weight-gradient tile: `C[8][32] (+)= Σ_{y < rows, x < cols} A_r[y*cols + x] * B[y*row_step + x*pixel_step + 0..<32]`
/// with A row r at `a + r*a_row_stride` for r < valid_rows and `zero_row` beyond.
void loupe_wgrad_tile8x32_avx2(const float *a, int64_t a_row_stride, int32_t valid_rows, const float *zero_row,
                               const float *b, int64_t rows, int64_t cols, int64_t pixel_step, int64_t row_step,
                               float *c, int64_t ldc, int32_t accumulate);
void loupe_wgrad_tile8x32_avx512(const float *a, int64_t a_row_stride, int32_t valid_rows, const float *zero_row,
                                 const float *b, int64_t rows, int64_t cols, int64_t pixel_step, int64_t row_step,
                                 float *c, int64_t ldc, int32_t accumulate);

/// `iterations` rounds of 12 independent FMA chains on `acc` (12 vectors, then x and y:
/// 14 x 32 bytes for AVX2, 14 x 64 bytes for AVX-512), for measuring the FMA peak.
void loupe_fma_chains_avx2(float *acc, int64_t iterations);
void loupe_fma_chains_avx512(float *acc, int64_t iterations);

#endif
