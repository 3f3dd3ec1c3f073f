// AVX-512: 32 zmm registers hold the whole 8x32 tile: 16 accumulators + 2 B vectors + 1
// broadcast. One pass over the panels, 16 independent chains.
#include "loupe_gemm_kernels.h"

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx2,fma"))) static inline __attribute__((always_inline))

AVX512 void store_tile(const __m512 *acc, float *out, int64_t ldo, int add) {
    for (int r = 0; r < 8; r++) {
        for (int v = 0; v < 2; v++) {
            __m512 x = acc[2 * r + v];
            if (add) x = _mm512_add_ps(x, _mm512_loadu_ps(out + r * ldo + 16 * v));
            _mm512_storeu_ps(out + r * ldo + 16 * v, x);
        }
    }
}

// The valid part of a finished [8][32] tile into C with the whole epilogue; lanes past `cols` masked.
AVX512 void store_epilogue(const float *tile, int64_t ldt, float *c, int64_t ldc, int rows, int cols,
                           int add, const loupe_gemm_epilogue *e) {
    const __m512 zero = _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
        const __m512 bias = _mm512_set1_ps(e->bias ? e->bias[r] : 0.0f);
        for (int v = 0; v < 2; v++) {
            const int left = cols - 16 * v;
            if (left <= 0) break;
            const __mmask16 lanes = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
            float *out = c + r * ldc + 16 * v;
            __m512 x = _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, tile + r * ldt + 16 * v), bias);
            if (add) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(lanes, out));
            if (e->residual) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(lanes, e->residual + r * ldc + 16 * v));
            if (e->relu) x = _mm512_max_ps(x, zero);
            _mm512_mask_storeu_ps(out, lanes, x);
        }
    }
}

__attribute__((target("avx512f,avx2,fma")))
void loupe_gemm_tile8x32_avx512(int64_t kc, const float *a, const float *b, int64_t b_stride,
                                float *c, int64_t ldc, int32_t rows, int32_t cols, const loupe_gemm_epilogue *epilogue) {
    __m512 acc[16];
    for (int i = 0; i < 16; i++) acc[i] = _mm512_setzero_ps();
    const float *ap = a, *bp = b;
    for (int64_t p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
        for (int r = 0; r < 8; r++) {
            const __m512 x = _mm512_set1_ps(ap[r]);
            acc[2 * r] = _mm512_fmadd_ps(x, b0, acc[2 * r]);
            acc[2 * r + 1] = _mm512_fmadd_ps(x, b1, acc[2 * r + 1]);
        }
        ap += 8;
        bp += b_stride;
    }
    const int extras = epilogue->bias || epilogue->residual || epilogue->relu;
    if (rows == 8 && cols == 32) {
        store_tile(acc, c, ldc, epilogue->accumulate);
        if (extras) {
            const loupe_gemm_epilogue rest = {0, epilogue->relu, epilogue->bias, epilogue->residual};
            store_epilogue(c, ldc, c, ldc, 8, 32, 0, &rest);
        }
        return;
    }
    float tile[8 * 32] __attribute__((aligned(64)));
    store_tile(acc, tile, 32, 0);
    store_epilogue(tile, 32, c, ldc, rows, cols, epilogue->accumulate, epilogue);
}

__attribute__((target("avx512f,avx2,fma")))
void loupe_wgrad_tile8x32_avx512(const float *a, int64_t a_row_stride, int32_t valid_rows, const float *zero_row,
                                 const float *b, int64_t rows, int64_t cols, int64_t pixel_step, int64_t row_step,
                                 float *c, int64_t ldc, int32_t accumulate) {
    const float *arow[8];
    for (int r = 0; r < 8; r++) arow[r] = r < valid_rows ? a + r * a_row_stride : zero_row;
    __m512 acc[16];
    for (int i = 0; i < 16; i++) acc[i] = _mm512_setzero_ps();
    for (int64_t y = 0; y < rows; y++) {
        const float *bp = b + y * row_step;
        const int64_t start = y * cols;
        for (int64_t i = start; i < start + cols; i++) {
            const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
            for (int r = 0; r < 8; r++) {
                const __m512 x = _mm512_set1_ps(arow[r][i]);
                acc[2 * r] = _mm512_fmadd_ps(x, b0, acc[2 * r]);
                acc[2 * r + 1] = _mm512_fmadd_ps(x, b1, acc[2 * r + 1]);
            }
            bp += pixel_step;
        }
    }
    float tile[8 * 32] __attribute__((aligned(64)));
    store_tile(acc, tile, 32, 0);
    const loupe_gemm_epilogue plain = {accumulate, 0, 0, 0};
    store_epilogue(tile, 32, c, ldc, valid_rows, 32, accumulate, &plain);
}

__attribute__((target("avx512f,avx2,fma")))
void loupe_fma_chains_avx512(float *raw, int64_t iterations) {
    __m512 acc[12];
    for (int i = 0; i < 12; i++) acc[i] = _mm512_loadu_ps(raw + 16 * i);
    const __m512 x = _mm512_mul_ps(_mm512_loadu_ps(raw + 192), _mm512_set1_ps(0.999f));
    const __m512 y = _mm512_mul_ps(_mm512_loadu_ps(raw + 208), _mm512_set1_ps(1e-7f));
    for (int64_t n = 0; n < iterations; n++) {
        for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    }
    for (int i = 0; i < 12; i++) _mm512_storeu_ps(raw + 16 * i, acc[i]);
}
