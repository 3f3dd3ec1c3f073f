#include "loupe_capture_kernels.h"

#include <immintrin.h>

int loupe_capture_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

__attribute__((target("avx512f")))
void loupe_resample_row_avx512(const float *row, const loupe_resample_block *blocks, int32_t block_count,
                               const int32_t *left, const int32_t *right, const float *weights,
                               float *out, int32_t map, float m, float o, float s, float bias) {
    const __m512 mv = _mm512_set1_ps(m), ov = _mm512_set1_ps(o), sv = _mm512_set1_ps(s), bv = _mm512_set1_ps(bias);
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    for (int32_t i = 0; i < block_count; i++) {
        const float *window = row + blocks[i].base;
        const __m512 low = _mm512_loadu_ps(window), high = _mm512_loadu_ps(window + 16);
        const __m512 a = _mm512_permutex2var_ps(low, _mm512_loadu_si512(left + 16 * i), high);
        const __m512 c = _mm512_permutex2var_ps(low, _mm512_loadu_si512(right + 16 * i), high);
        __m512 v = _mm512_fmadd_ps(_mm512_sub_ps(c, a), _mm512_loadu_ps(weights + 16 * i), a);
        if (map) {
            v = _mm512_min_ps(_mm512_max_ps(_mm512_fmadd_ps(v, mv, ov), zero), one);
            v = _mm512_fmadd_ps(v, sv, bv);
        }
        const __mmask16 lanes = (__mmask16)((1u << blocks[i].count) - 1u);
        _mm512_mask_storeu_ps(out, lanes, v);
        out += blocks[i].count;
    }
}
