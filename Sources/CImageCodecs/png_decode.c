/// PNG decoding from memory with libpng; the longjmp error path stays in this file.
#include "loupe_image_codecs.h"
#include "codec_internal.h"

#include <png.h>
#include <string.h>

/// Ancillary chunks (iCCP, zTXt, …) larger than this are rejected rather than inflated
/// (libpng's own default; real ICC profiles and text chunks are far smaller).
#define LOUPE_PNG_CHUNK_MALLOC_MAX (8u * 1000u * 1000u)

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    /// Set when libpng asked for bytes past the end, so the error is "truncated".
    volatile int truncated;
    char *err;
    size_t err_capacity;
} png_memory_reader;

static uint32_t read_big_endian_u32(const uint8_t *bytes) {
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

static void read_from_memory(png_structp png, png_bytep destination, png_size_t length) {
    png_memory_reader *reader = (png_memory_reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->offset) {
        reader->truncated = 1;
        loupe_set_error(reader->err, reader->err_capacity,
                        "the data ends after %zu bytes, but the PNG needs %zu more bytes at that point",
                        reader->size, length - (reader->size - reader->offset));
        png_error(png, "truncated");
    }
    memcpy(destination, reader->data + reader->offset, length);
    reader->offset += length;
}

static void on_png_error(png_structp png, png_const_charp message) {
    png_memory_reader *reader = (png_memory_reader *)png_get_error_ptr(png);
    if (!reader->truncated) loupe_set_error(reader->err, reader->err_capacity, "libpng: %s", message);
    png_longjmp(png, 1);
}

/// Warnings (unknown sRGB profile, bad ancillary CRC that libpng discards) do not make
/// the pixels wrong, so they are ignored.
static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static int host_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

/// Walks the chunk list before libpng sees it. libpng allocates a chunk's buffer from its
/// declared length before reading the data, and only *warns* when that length exceeds its
/// limit, so a 40-byte file declaring a 2 GB zTXt chunk made it malloc 2 GB (found by
/// Fuzz/run.sh). Since the whole file is in memory, a chunk longer than what is left of
/// it is a cut or corrupt file and is refused here, so no chunk buffer can exceed the file size.
static int check_chunk_lengths(const uint8_t *data, size_t size, char *err, size_t err_capacity) {
    size_t offset = 8;
    // A header (length + type) is 8 bytes; libpng allocates as soon as it has read one,
    // so every complete header is checked, even when its CRC is missing.
    while (size >= 8 && offset <= size - 8) {
        uint32_t length = read_big_endian_u32(data + offset);
        const uint8_t *type = data + offset + 4;
        if (length > 0x7fffffffu) {
            loupe_set_error(err, err_capacity, "chunk at byte %zu declares an invalid length %u", offset, length);
            return LOUPE_CODEC_CORRUPT;
        }
        if ((uint64_t)length + 12 > size - offset) {
            loupe_set_error(err, err_capacity, "the %.4s chunk at byte %zu needs %u bytes but the data ends after %zu bytes",
                            (const char *)type, offset, length + 12, size);
            return LOUPE_CODEC_TRUNCATED;
        }
        if (memcmp(type, "IEND", 4) == 0) break;
        offset += (size_t)length + 12;
    }
    return LOUPE_CODEC_OK;
}

int loupe_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                     loupe_image_info *info, uint8_t *out, size_t out_capacity,
                     char *err, size_t err_capacity) {
    if (info == NULL || (data == NULL && size > 0)) {
        loupe_set_error(err, err_capacity, "loupe_png_decode: NULL argument");
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    memset(info, 0, sizeof *info);

    // Fail fast on a decompression bomb: IHDR is always the first chunk, at byte 8.
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t width = read_big_endian_u32(data + 16);
        uint32_t height = read_big_endian_u32(data + 20);
        if ((uint64_t)width * height > max_pixels) {
            info->width = width;
            info->height = height;
            loupe_set_error(err, err_capacity, "%ux%u pixels exceeds the limit of %llu pixels",
                            width, height, (unsigned long long)max_pixels);
            return LOUPE_CODEC_TOO_LARGE;
        }
    }

    int chunk_status = check_chunk_lengths(data, size, err, err_capacity);
    if (chunk_status != LOUPE_CODEC_OK) return chunk_status;

    png_memory_reader reader = {data, size, 0, 0, err, err_capacity};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, on_png_error, on_png_warning);
    if (png == NULL) {
        loupe_set_error(err, err_capacity, "libpng: out of memory");
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    png_infop png_info = png_create_info_struct(png);
    if (png_info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        loupe_set_error(err, err_capacity, "libpng: out of memory");
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &png_info, NULL);
        return reader.truncated ? LOUPE_CODEC_TRUNCATED : LOUPE_CODEC_CORRUPT;
    }

    // Second fence: libpng itself refuses dimensions beyond the pixel budget.
    png_uint_32 dimension_limit = max_pixels > 0x7fffffffu ? 0x7fffffffu : (png_uint_32)max_pixels;
    png_set_user_limits(png, dimension_limit, dimension_limit);
    png_set_chunk_malloc_max(png, LOUPE_PNG_CHUNK_MALLOC_MAX);
    png_set_read_fn(png, &reader, read_from_memory);
#ifdef LOUPE_FUZZING
    // Fuzz builds only (Fuzz/run.sh): accept bad CRC/Adler-32 so mutated inputs reach
    // the chunk and pixel parsers instead of failing the checksum, as OSS-Fuzz does.
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    png_read_info(png, png_info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, png_info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    if ((uint64_t)width * height > max_pixels) {
        png_destroy_read_struct(&png, &png_info, NULL);
        info->width = width;
        info->height = height;
        loupe_set_error(err, err_capacity, "%ux%u pixels exceeds the limit of %llu pixels",
                        width, height, (unsigned long long)max_pixels);
        return LOUPE_CODEC_TOO_LARGE;
    }
    info->source_channels = png_get_channels(png, png_info);
    info->source_bit_depth = (uint32_t)bit_depth;

    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        if (png_get_valid(png, png_info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    if (bit_depth == 16 && host_is_little_endian()) png_set_swap(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, png_info);

    uint32_t channels = png_get_channels(png, png_info);
    uint32_t out_depth = png_get_bit_depth(png, png_info);
    size_t row_bytes = png_get_rowbytes(png, png_info);
    if (!(channels == 1 || channels == 3 || channels == 4) || !(out_depth == 8 || out_depth == 16) ||
        row_bytes != (size_t)width * channels * (out_depth / 8)) {
        png_destroy_read_struct(&png, &png_info, NULL);
        loupe_set_error(err, err_capacity, "PNG colour type %d at %d bits expands to %u channels of %u bits, "
                        "which Loupe does not handle", color_type, bit_depth, channels, out_depth);
        return LOUPE_CODEC_UNSUPPORTED;
    }
    info->width = width;
    info->height = height;
    info->channels = channels;
    info->bit_depth = out_depth;
    info->byte_count = (uint64_t)row_bytes * height;

    if (out == NULL) {
        png_destroy_read_struct(&png, &png_info, NULL);
        return LOUPE_CODEC_OK;
    }
    if (out_capacity < info->byte_count) {
        png_destroy_read_struct(&png, &png_info, NULL);
        loupe_set_error(err, err_capacity, "output buffer holds %zu bytes, the image needs %llu",
                        out_capacity, (unsigned long long)info->byte_count);
        return LOUPE_CODEC_BUFFER_TOO_SMALL;
    }
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < height; y++) png_read_row(png, out + (size_t)y * row_bytes, NULL);
    }
    // Reading to IEND verifies the trailing CRCs and catches a file cut after the pixels.
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &png_info, NULL);
    return LOUPE_CODEC_OK;
}
