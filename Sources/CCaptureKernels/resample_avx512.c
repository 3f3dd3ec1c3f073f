#include "loupe_capture_kernels.h"

#include <immintrin.h>

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

__attribute__((target("avx512f")))
void loupe_map_colour3_avx512(const float *v0, const float *v1, const float *v2, float *out, int64_t plane_size,
                              int32_t count, const float *m, const float *o, const float *s, const float *bias) {
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    __m512 mv[9], ov[3], sv[3], bv[3];
    for (int i = 0; i < 9; i++) mv[i] = _mm512_set1_ps(m[i]);
    for (int c = 0; c < 3; c++) {
        ov[c] = _mm512_set1_ps(o[c]);
        sv[c] = _mm512_set1_ps(s[c]);
        bv[c] = _mm512_set1_ps(bias[c]);
    }
    for (int32_t x = 0; x < count; x += 16) {
        const int32_t left = count - x;
        const __mmask16 lanes = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
        const __m512 a = _mm512_maskz_loadu_ps(lanes, v0 + x), b = _mm512_maskz_loadu_ps(lanes, v1 + x),
                     c = _mm512_maskz_loadu_ps(lanes, v2 + x);
        for (int ch = 0; ch < 3; ch++) {
            __m512 v = _mm512_fmadd_ps(a, mv[3 * ch], ov[ch]);
            v = _mm512_fmadd_ps(b, mv[3 * ch + 1], v);
            v = _mm512_fmadd_ps(c, mv[3 * ch + 2], v);
            v = _mm512_min_ps(_mm512_max_ps(v, zero), one);
            _mm512_mask_storeu_ps(out + ch * plane_size + x, lanes, _mm512_fmadd_ps(v, sv[ch], bv[ch]));
        }
    }
}

__attribute__((target("avx512f")))
static inline __m512 lerp16(const uint8_t *top, const uint8_t *bottom, __m512 weight) {
    const __m512 t = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)top)));
    const __m512 b = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)bottom)));
    return _mm512_fmadd_ps(_mm512_sub_ps(b, t), weight, t);
}

__attribute__((target("avx512f")))
int32_t loupe_lerp_packed_yuv_avx512(const uint8_t *top, const uint8_t *bottom, float weight, int32_t pairs,
                                     int32_t y_first, float *y, float *u, float *v) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512i luma = y_first ? odd : even, chroma = y_first ? even : odd;
    const __m512 w = _mm512_set1_ps(weight);
    int32_t p = 0;
    for (; p + 16 <= pairs; p += 16) {
        // 64 samples of pairs p ..< p+16, interleaved as in the frame.
        const __m512 z0 = lerp16(top + 4 * p, bottom + 4 * p, w), z1 = lerp16(top + 4 * p + 16, bottom + 4 * p + 16, w);
        const __m512 z2 = lerp16(top + 4 * p + 32, bottom + 4 * p + 32, w), z3 = lerp16(top + 4 * p + 48, bottom + 4 * p + 48, w);
        _mm512_storeu_ps(y + 2 * p, _mm512_permutex2var_ps(z0, luma, z1));
        _mm512_storeu_ps(y + 2 * p + 16, _mm512_permutex2var_ps(z2, luma, z3));
        if (!u) continue;  // gray output: luma only
        // Chroma of both halves is U V U V ...; split it into U and V.
        const __m512 c0 = _mm512_permutex2var_ps(z0, chroma, z1), c1 = _mm512_permutex2var_ps(z2, chroma, z3);
        _mm512_storeu_ps(u + p, _mm512_permutex2var_ps(c0, even, c1));
        _mm512_storeu_ps(v + p, _mm512_permutex2var_ps(c0, odd, c1));
    }
    return p;
}
