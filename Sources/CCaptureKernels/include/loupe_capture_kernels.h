/// AVX-512 and AVX2 frame-conversion kernels (LoupeCapture's FrameConverter).
///
/// Horizontal bilinear resampling is a gather (each output column reads two source samples
/// at table-given positions), which Swift cannot express as one instruction. Here a row is
/// cut into blocks of up to 16 output columns whose samples all lie within a 32-float window,
/// and each block is two `vpermt2ps` from that window — no gathers. Built for a baseline
/// CPU; the AVX-512 and AVX2 functions carry their own target attributes and are only called
/// when the active KernelVariant (LoupeTensor, from CPUID) says the CPU has them; without AVX2
/// (an old CPU, or a qemu guest without it) FrameConverter uses its Swift path. The AVX2
/// twins have the same contracts, 8 lanes at a time (the resampling gathers from the window).
#ifndef LOUPE_CAPTURE_KERNELS_H
#define LOUPE_CAPTURE_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One block of output columns: they read `row[base ..< base + 32]`.
typedef struct {
    int32_t base;
    /// Output columns in this block, 1...16.
    int32_t count;
} loupe_resample_block;

/// For each block b and lane l < count: `out[x] = a + (c - a) * weights[16b + l]` with
/// `a = row[base + left[16b + l]]`, `c = row[base + right[16b + l]]` (local indices 0...31);
/// then, if `map` is non-zero, `out[x] = clamp(out[x] * m + o, 0, 1) * s + bias`.
/// `row` must be readable up to the last block's `base + 32`.
void loupe_resample_row_avx512(const float *row, const loupe_resample_block *blocks, int32_t block_count,
                               const int32_t *left, const int32_t *right, const float *weights,
                               float *out, int32_t map, float m, float o, float s, float bias);

/// Vertical lerp of two rows of packed 4:2:2 YUV (YUYV when `y_first == 0`, UYVY when 1),
/// de-interleaved: `y[2p], y[2p+1], u[p], v[p]` for pairs `p`, each
/// `top + (bottom - top) * weight`. Handles whole groups of 16 pairs and returns how many
/// pairs it did; the caller finishes the rest. `u` and `v` NULL: luma only.
int32_t loupe_lerp_packed_yuv_avx512(const uint8_t *top, const uint8_t *bottom, float weight, int32_t pairs,
                                     int32_t y_first, float *y, float *u, float *v);

/// Three output planes from three component rows:
/// `out[c * plane_size + x] = clamp(sum_j v_j[x] * m[3c + j] + o[c], 0, 1) * s[c] + bias[c]`.
void loupe_map_colour3_avx512(const float *v0, const float *v1, const float *v2, float *out, int64_t plane_size,
                              int32_t count, const float *m, const float *o, const float *s, const float *bias);

/// AVX2 + FMA twins of the three functions above, same contracts (the YUV lerp works in groups of 8 pairs).
void loupe_resample_row_avx2(const float *row, const loupe_resample_block *blocks, int32_t block_count,
                             const int32_t *left, const int32_t *right, const float *weights,
                             float *out, int32_t map, float m, float o, float s, float bias);
int32_t loupe_lerp_packed_yuv_avx2(const uint8_t *top, const uint8_t *bottom, float weight, int32_t pairs,
                                   int32_t y_first, float *y, float *u, float *v);
void loupe_map_colour3_avx2(const float *v0, const float *v1, const float *v2, float *out, int64_t plane_size,
                            int32_t count, const float *m, const float *o, const float *s, const float *bias);

#ifdef __cplusplus
}
#endif

#endif
