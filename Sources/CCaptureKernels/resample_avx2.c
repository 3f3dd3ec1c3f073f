// AVX2 twins of the AVX-512 frame-conversion kernels (resample_avx512.c). AVX2 has no
// two-source permute over 16 lanes and no lane masks: the resampling reads its two samples
// per column with gathers from the block's 32-float window, and the tails use maskload/maskstore.
#include "loupe_capture_kernels.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

// Lanes `0 ..< count` set (count 0...8).
AVX2 static inline __m256i lanes8(int32_t count) {
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), index);
}

AVX2 void loupe_resample_row_avx2(const float *row, const loupe_resample_block *blocks, int32_t block_count,
                                  const int32_t *left, const int32_t *right, const float *weights,
                                  float *out, int32_t map, float m, float o, float s, float bias) {
    const __m256 mv = _mm256_set1_ps(m), ov = _mm256_set1_ps(o), sv = _mm256_set1_ps(s), bv = _mm256_set1_ps(bias);
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    for (int32_t i = 0; i < block_count; i++) {
        const float *window = row + blocks[i].base;
        const int32_t count = blocks[i].count;
        for (int32_t half = 0; half < 2 && 8 * half < count; half++) {
            const int32_t at = 16 * i + 8 * half;
            const __m256 a = _mm256_i32gather_ps(window, _mm256_loadu_si256((const __m256i *)(left + at)), 4);
            const __m256 c = _mm256_i32gather_ps(window, _mm256_loadu_si256((const __m256i *)(right + at)), 4);
            __m256 v = _mm256_fmadd_ps(_mm256_sub_ps(c, a), _mm256_loadu_ps(weights + at), a);
            if (map) {
                v = _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(v, mv, ov), zero), one);
                v = _mm256_fmadd_ps(v, sv, bv);
            }
            const int32_t left_in_block = count - 8 * half;
            if (left_in_block >= 8) {
                _mm256_storeu_ps(out + 8 * half, v);
            } else {
                _mm256_maskstore_ps(out + 8 * half, lanes8(left_in_block), v);
            }
        }
        out += count;
    }
}

AVX2 void loupe_map_colour3_avx2(const float *v0, const float *v1, const float *v2, float *out, int64_t plane_size,
                                 int32_t count, const float *m, const float *o, const float *s, const float *bias) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    for (int32_t x = 0; x < count; x += 8) {
        const int32_t left = count - x;
        const __m256i lanes = lanes8(left >= 8 ? 8 : left);
        const __m256 a = _mm256_maskload_ps(v0 + x, lanes), b = _mm256_maskload_ps(v1 + x, lanes),
                     c = _mm256_maskload_ps(v2 + x, lanes);
        for (int ch = 0; ch < 3; ch++) {
            __m256 v = _mm256_fmadd_ps(a, _mm256_set1_ps(m[3 * ch]), _mm256_set1_ps(o[ch]));
            v = _mm256_fmadd_ps(b, _mm256_set1_ps(m[3 * ch + 1]), v);
            v = _mm256_fmadd_ps(c, _mm256_set1_ps(m[3 * ch + 2]), v);
            v = _mm256_min_ps(_mm256_max_ps(v, zero), one);
            v = _mm256_fmadd_ps(v, _mm256_set1_ps(s[ch]), _mm256_set1_ps(bias[ch]));
            if (left >= 8) {
                _mm256_storeu_ps(out + ch * plane_size + x, v);
            } else {
                _mm256_maskstore_ps(out + ch * plane_size + x, lanes, v);
            }
        }
    }
}

// 8 bytes widened to floats.
AVX2 static inline __m256 widen8(__m128i bytes) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)); }

AVX2 static inline __m256 lerp8(__m128i top, __m128i bottom, __m256 weight) {
    const __m256 t = widen8(top);
    return _mm256_fmadd_ps(_mm256_sub_ps(widen8(bottom), t), weight, t);
}

// 16 bytes of 4 pairs split into [8 luma][4 first chroma][4 second chroma] bytes.
AVX2 static inline __m128i split_pairs(const uint8_t *p, __m128i order) {
    return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), order);
}

AVX2 int32_t loupe_lerp_packed_yuv_avx2(const uint8_t *top, const uint8_t *bottom, float weight, int32_t pairs,
                                       int32_t y_first, float *y, float *u, float *v) {
    // YUYV: Y at even bytes, U at 1, 5, 9, 13, V at 3, 7, 11, 15; UYVY: Y odd, U 0, 4, ..., V 2, 6, ...
    const __m128i order = y_first ? _mm_setr_epi8(1, 3, 5, 7, 9, 11, 13, 15, 0, 4, 8, 12, 2, 6, 10, 14)
                                  : _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 5, 9, 13, 3, 7, 11, 15);
    const __m256 w = _mm256_set1_ps(weight);
    int32_t p = 0;
    for (; p + 8 <= pairs; p += 8) {
        // 32 bytes = pairs p ..< p+8, as two chunks of 4 pairs.
        const __m128i t0 = split_pairs(top + 4 * p, order), t1 = split_pairs(top + 4 * p + 16, order);
        const __m128i b0 = split_pairs(bottom + 4 * p, order), b1 = split_pairs(bottom + 4 * p + 16, order);
        _mm256_storeu_ps(y + 2 * p, lerp8(t0, b0, w));
        _mm256_storeu_ps(y + 2 * p + 8, lerp8(t1, b1, w));
        if (!u) continue;  // gray output: luma only
        // [U c0][V c0][U c1][V c1] (4 bytes each) -> [U c0][U c1][V c0][V c1].
        const __m128i tc = _mm_shuffle_epi32(_mm_unpackhi_epi64(t0, t1), _MM_SHUFFLE(3, 1, 2, 0));
        const __m128i bc = _mm_shuffle_epi32(_mm_unpackhi_epi64(b0, b1), _MM_SHUFFLE(3, 1, 2, 0));
        _mm256_storeu_ps(u + p, lerp8(tc, bc, w));
        _mm256_storeu_ps(v + p, lerp8(_mm_srli_si128(tc, 8), _mm_srli_si128(bc, 8), w));
    }
    return p;
}
