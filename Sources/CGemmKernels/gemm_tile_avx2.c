// AVX2 + FMA: 16 ymm registers. The 8x32 tile (32 ymm of C) cannot live in registers, so it
// is computed in three register blocks over the same packed panels:
//   rows 0-5 x columns 0-15   (12 accumulators + 2 B vectors + 1 broadcast = 15 registers)
//   rows 0-5 x columns 16-31  (the same)
//   rows 6-7 x columns 0-31   (8 accumulators + 4 B vectors + 1 broadcast = 13 registers)
// Each block re-reads its slice of the panels from L1. 12 independent chains cover the
// FMA latency (4 cycles) on two pipes with room to spare.
#include "loupe_gemm_kernels.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))

// acc[r*nv + v] += a[r] * b[v*8 ..]: R rows starting at row r0, NV vectors starting at column j0.
#define GEMM_BLOCK(R, NV)                                                                           \
    AVX2 void gemm_block_##R##x##NV(int64_t kc, const float *a, int r0, const float *b, int64_t bs, \
                                    int j0, __m256 *acc) {                                         \
        for (int i = 0; i < (R) * (NV); i++) acc[i] = _mm256_setzero_ps();                         \
        const float *ap = a + r0;                                                                  \
        const float *bp = b + j0;                                                                  \
        _Pragma("clang loop unroll_count(4)") for (int64_t p = 0; p < kc; p++) {                 \
            __m256 bv[NV];                                                                         \
            for (int v = 0; v < (NV); v++) bv[v] = _mm256_loadu_ps(bp + 8 * v);                    \
            for (int r = 0; r < (R); r++) {                                                        \
                const __m256 x = _mm256_broadcast_ss(ap + r);                                      \
                for (int v = 0; v < (NV); v++) acc[r * (NV) + v] = _mm256_fmadd_ps(x, bv[v], acc[r * (NV) + v]); \
            }                                                                                      \
            ap += 8;                                                                               \
            bp += bs;                                                                              \
        }                                                                                          \
    }

GEMM_BLOCK(6, 2)
GEMM_BLOCK(2, 4)

// Stores R x NV vectors at (r0, j0) of `out` (leading dimension ldo), adding what is there if `add`.
#define STORE_BLOCK(R, NV)                                                                          \
    AVX2 void store_block_##R##x##NV(const __m256 *acc, float *out, int64_t ldo, int r0, int j0, int add) { \
        for (int r = 0; r < (R); r++) {                                                            \
            float *row = out + (r0 + r) * ldo + j0;                                                \
            for (int v = 0; v < (NV); v++) {                                                       \
                __m256 x = acc[r * (NV) + v];                                                      \
                if (add) x = _mm256_add_ps(x, _mm256_loadu_ps(row + 8 * v));                       \
                _mm256_storeu_ps(row + 8 * v, x);                                                  \
            }                                                                                      \
        }                                                                                          \
    }

STORE_BLOCK(6, 2)
STORE_BLOCK(2, 4)

// Bias, residual and ReLU in place over `rows` full 32-column rows of C.
AVX2 void epilogue_full_rows(float *c, int64_t ldc, int rows, const loupe_gemm_epilogue *e) {
    const __m256 zero = _mm256_setzero_ps();
    for (int r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        const __m256 bias = _mm256_set1_ps(e->bias ? e->bias[r] : 0.0f);
        for (int v = 0; v < 4; v++) {
            __m256 x = _mm256_add_ps(_mm256_loadu_ps(row + 8 * v), bias);
            if (e->residual) x = _mm256_add_ps(x, _mm256_loadu_ps(e->residual + r * ldc + 8 * v));
            if (e->relu) x = _mm256_max_ps(x, zero);
            _mm256_storeu_ps(row + 8 * v, x);
        }
    }
}

// The valid part of a finished [8][32] tile into C, with the whole epilogue, element by element.
static void store_partial(const float *tile, float *c, int64_t ldc, int rows, int cols, const loupe_gemm_epilogue *e) {
    for (int r = 0; r < rows; r++) {
        const float bias = e->bias ? e->bias[r] : 0.0f;
        for (int j = 0; j < cols; j++) {
            float v = tile[r * 32 + j];
            if (e->accumulate) v += c[r * ldc + j];
            v += bias;
            if (e->residual) v += e->residual[r * ldc + j];
            if (e->relu && v < 0) v = 0;
            c[r * ldc + j] = v;
        }
    }
}

__attribute__((target("avx2,fma")))
void loupe_gemm_tile8x32_avx2(int64_t kc, const float *a, const float *b, int64_t b_stride,
                              float *c, int64_t ldc, int32_t rows, int32_t cols, const loupe_gemm_epilogue *epilogue) {
    const int full = rows == 8 && cols == 32;
    float tile[8 * 32] __attribute__((aligned(32)));
    float *out = full ? c : tile;
    const int64_t ldo = full ? ldc : 32;
    const int add = full && epilogue->accumulate;
    __m256 acc[12];
    gemm_block_6x2(kc, a, 0, b, b_stride, 0, acc);
    store_block_6x2(acc, out, ldo, 0, 0, add);
    gemm_block_6x2(kc, a, 0, b, b_stride, 16, acc);
    store_block_6x2(acc, out, ldo, 0, 16, add);
    if (full || rows > 6) {
        gemm_block_2x4(kc, a, 6, b, b_stride, 0, acc);
        store_block_2x4(acc, out, ldo, 6, 0, add);
    }
    if (!full) {
        store_partial(tile, c, ldc, rows, cols, epilogue);
    } else if (epilogue->bias || epilogue->residual || epilogue->relu) {
        epilogue_full_rows(c, ldc, 8, epilogue);
    }
}

// Weight gradient: A rows broadcast from 8 row pointers, B read in place pixel by pixel.
#define WGRAD_BLOCK(R, NV)                                                                          \
    AVX2 void wgrad_block_##R##x##NV(const float *const *arow, int r0, const float *b, int64_t rows, \
                                     int64_t cols, int64_t pixel_step, int64_t row_step, int j0, __m256 *acc) { \
        for (int i = 0; i < (R) * (NV); i++) acc[i] = _mm256_setzero_ps();                         \
        for (int64_t y = 0; y < rows; y++) {                                                       \
            const float *bp = b + y * row_step + j0;                                               \
            const int64_t start = y * cols;                                                        \
            _Pragma("clang loop unroll_count(4)") for (int64_t i = start; i < start + cols; i++) { \
                __m256 bv[NV];                                                                     \
                for (int v = 0; v < (NV); v++) bv[v] = _mm256_loadu_ps(bp + 8 * v);                \
                for (int r = 0; r < (R); r++) {                                                    \
                    const __m256 x = _mm256_broadcast_ss(arow[r0 + r] + i);                        \
                    for (int v = 0; v < (NV); v++) acc[r * (NV) + v] = _mm256_fmadd_ps(x, bv[v], acc[r * (NV) + v]); \
                }                                                                                  \
                bp += pixel_step;                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

WGRAD_BLOCK(6, 2)
WGRAD_BLOCK(2, 4)

__attribute__((target("avx2,fma")))
void loupe_wgrad_tile8x32_avx2(const float *a, int64_t a_row_stride, int32_t valid_rows, const float *zero_row,
                               const float *b, int64_t rows, int64_t cols, int64_t pixel_step, int64_t row_step,
                               float *c, int64_t ldc, int32_t accumulate) {
    const float *arow[8];
    for (int r = 0; r < 8; r++) arow[r] = r < valid_rows ? a + r * a_row_stride : zero_row;
    float tile[8 * 32] __attribute__((aligned(32)));
    __m256 acc[12];
    wgrad_block_6x2(arow, 0, b, rows, cols, pixel_step, row_step, 0, acc);
    store_block_6x2(acc, tile, 32, 0, 0, 0);
    wgrad_block_6x2(arow, 0, b, rows, cols, pixel_step, row_step, 16, acc);
    store_block_6x2(acc, tile, 32, 0, 16, 0);
    if (valid_rows > 6) {
        wgrad_block_2x4(arow, 6, b, rows, cols, pixel_step, row_step, 0, acc);
        store_block_2x4(acc, tile, 32, 6, 0, 0);
    }
    for (int r = 0; r < valid_rows; r++) {
        for (int v = 0; v < 4; v++) {
            __m256 x = _mm256_load_ps(tile + r * 32 + 8 * v);
            if (accumulate) x = _mm256_add_ps(x, _mm256_loadu_ps(c + r * ldc + 8 * v));
            _mm256_storeu_ps(c + r * ldc + 8 * v, x);
        }
    }
}

__attribute__((target("avx2,fma")))
void loupe_fma_chains_avx2(float *raw, int64_t iterations) {
    __m256 acc[12];
    for (int i = 0; i < 12; i++) acc[i] = _mm256_loadu_ps(raw + 8 * i);
    const __m256 x = _mm256_mul_ps(_mm256_loadu_ps(raw + 96), _mm256_set1_ps(0.999f));
    const __m256 y = _mm256_mul_ps(_mm256_loadu_ps(raw + 104), _mm256_set1_ps(1e-7f));
    for (int64_t n = 0; n < iterations; n++) {
        for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    }
    for (int i = 0; i < 12; i++) _mm256_storeu_ps(raw + 8 * i, acc[i]);
}
