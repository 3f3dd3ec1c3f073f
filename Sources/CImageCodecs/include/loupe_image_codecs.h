/// A tiny C shim around libpng and libjpeg(-turbo).
///
/// Both libraries report errors with longjmp, which Swift cannot survive, so every
/// setjmp/longjmp lives in this target and each function returns a status code plus a
/// message. All decoders read from memory (Swift reads the file) and never allocate the
/// pixel buffer themselves: call once with `out == NULL` to learn the size (phase 1,
/// header only), allocate, then call again with the buffer (phase 2, decode).
///
/// Decompression bombs: width*height is checked against `max_pixels` before any pixel
/// memory is requested, and libpng's own user limits are set as a second fence.
#ifndef LOUPE_IMAGE_CODECS_H
#define LOUPE_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Status codes returned by every function in this header.
typedef enum {
    LOUPE_CODEC_OK = 0,
    /// The data ended before the image did (cut file, partial transfer).
    LOUPE_CODEC_TRUNCATED = 1,
    /// The library rejected the data; `err` holds its message.
    LOUPE_CODEC_CORRUPT = 2,
    /// width*height exceeds `max_pixels`; `info` holds the claimed size.
    LOUPE_CODEC_TOO_LARGE = 3,
    /// A valid file in a variant Loupe does not decode (e.g. CMYK JPEG).
    LOUPE_CODEC_UNSUPPORTED = 4,
    /// `out_capacity` is smaller than `info->byte_count`.
    LOUPE_CODEC_BUFFER_TOO_SMALL = 5,
    /// malloc failed or a parameter was invalid (encoders).
    LOUPE_CODEC_INVALID_ARGUMENT = 6,
} loupe_codec_status;

/// What a decoder will write: `height` rows of `width * channels` samples, no padding.
typedef struct {
    uint32_t width;
    uint32_t height;
    /// Output channels after expansion: 1 gray, 3 RGB, 4 RGBA.
    uint32_t channels;
    /// Output bits per sample: 8 or 16 (16-bit samples are native-endian uint16_t).
    uint32_t bit_depth;
    /// Bytes the pixel buffer must hold: width * height * channels * bit_depth / 8.
    uint64_t byte_count;
    /// Channels stored in the file (PNG: 1..4 incl. palette as 1; JPEG: components).
    uint32_t source_channels;
    /// Bits per sample stored in the file (PNG 1..16, JPEG 8).
    uint32_t source_bit_depth;
} loupe_image_info;

// MARK: PNG

/// Decodes a PNG held in memory.
///
/// Output: gray (1/2/4/8-bit gray expanded to 8-bit, 16-bit kept), RGB, RGBA. Palette
/// becomes RGB, or RGBA when the palette has a tRNS chunk. Gray+alpha becomes RGBA.
/// A tRNS chunk on gray/RGB images is ignored (colour-key transparency is not used by
/// inspection). Interlaced images are de-interlaced.
///
/// Phase 1: `out == NULL` fills `info` only. Phase 2: decodes into `out`.
/// Returns a `loupe_codec_status`; on failure `err` (if non-NULL) holds a message.
int loupe_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                     loupe_image_info *info, uint8_t *out, size_t out_capacity,
                     char *err, size_t err_capacity);

/// PNG colour types, same numbers as the PNG specification.
typedef enum {
    LOUPE_PNG_GRAY = 0,
    LOUPE_PNG_RGB = 2,
    LOUPE_PNG_PALETTE = 3,
    LOUPE_PNG_GRAY_ALPHA = 4,
    LOUPE_PNG_RGBA = 6,
} loupe_png_color_type;

/// Everything the encoder needs besides the pixels.
typedef struct {
    uint32_t width;
    uint32_t height;
    /// One of `loupe_png_color_type`.
    int color_type;
    /// 1, 2, 4, 8 or 16 as the PNG specification allows for `color_type`.
    int bit_depth;
    /// Bytes per input row. Rows are packed as PNG stores them (sub-byte samples
    /// MSB-first), except 16-bit samples, which are native-endian uint16_t.
    size_t row_bytes;
    /// Adam7 interlacing when non-zero (tests use it; reports should not).
    int interlaced;
    /// zlib level 0...9, or -1 for libpng's default.
    int compression_level;
    /// Palette as RGB triples (palette images only).
    const uint8_t *palette_rgb;
    int palette_entries;
    /// tRNS alpha per palette entry (optional, palette images only).
    const uint8_t *palette_alpha;
    int palette_alpha_entries;
} loupe_png_encode_params;

/// Encodes pixels to a PNG in a malloc'd buffer.
///
/// On success `*out` and `*out_size` describe the file; release it with `loupe_codec_free`.
/// On failure `*out` is NULL and `err` holds a message.
int loupe_png_encode(const loupe_png_encode_params *params, const uint8_t *pixels,
                     uint8_t **out, size_t *out_size, char *err, size_t err_capacity);

// MARK: JPEG

/// Decodes a baseline or progressive JPEG held in memory to 8-bit gray or RGB.
///
/// libjpeg warnings (premature end of file, corrupt data, extraneous bytes) are treated
/// as errors, so a damaged JPEG is reported instead of being silently gray-filled.
/// CMYK/YCCK JPEGs return `LOUPE_CODEC_UNSUPPORTED`. Progressive files with more than
/// 500 scans are rejected as corrupt (a known CPU-exhaustion pattern).
///
/// Phase 1: `out == NULL` fills `info` only. Phase 2: decodes into `out`.
int loupe_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                      loupe_image_info *info, uint8_t *out, size_t out_capacity,
                      char *err, size_t err_capacity);

/// Encodes 8-bit gray (`channels == 1`) or RGB (`channels == 3`) pixels to a baseline JPEG
/// in a malloc'd buffer; release it with `loupe_codec_free`. `quality` is 1...100.
int loupe_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                      int quality, uint8_t **out, size_t *out_size,
                      char *err, size_t err_capacity);

/// Frees a buffer returned by an encoder.
void loupe_codec_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
