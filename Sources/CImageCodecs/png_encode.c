/// PNG encoding into a growable malloc'd buffer with libpng.
#include "loupe_image_codecs.h"
#include "codec_internal.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    char *err;
    size_t err_capacity;
} png_memory_writer;

static void write_to_memory(png_structp png, png_bytep source, png_size_t length) {
    png_memory_writer *writer = (png_memory_writer *)png_get_io_ptr(png);
    if (length > writer->capacity - writer->size) {
        size_t needed = writer->size + length;
        size_t capacity = writer->capacity < 4096 ? 4096 : writer->capacity;
        while (capacity < needed) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(writer->data, capacity);
        if (grown == NULL) png_error(png, "out of memory while growing the output buffer");
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, source, length);
    writer->size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

static void on_png_write_error(png_structp png, png_const_charp message) {
    png_memory_writer *writer = (png_memory_writer *)png_get_error_ptr(png);
    loupe_set_error(writer->err, writer->err_capacity, "libpng: %s", message);
    png_longjmp(png, 1);
}

static void on_png_write_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static int samples_per_pixel(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 0;
    }
}

int loupe_png_encode(const loupe_png_encode_params *params, const uint8_t *pixels,
                     uint8_t **out, size_t *out_size, char *err, size_t err_capacity) {
    if (out == NULL || out_size == NULL || params == NULL || pixels == NULL) {
        loupe_set_error(err, err_capacity, "loupe_png_encode: NULL argument");
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    *out = NULL;
    *out_size = 0;
    int samples = samples_per_pixel(params->color_type);
    size_t min_row_bytes = ((size_t)params->width * samples * params->bit_depth + 7) / 8;
    if (samples == 0 || params->width == 0 || params->height == 0 || params->row_bytes < min_row_bytes) {
        loupe_set_error(err, err_capacity, "loupe_png_encode: invalid %ux%u colour type %d, row bytes %zu (need %zu)",
                        params->width, params->height, params->color_type, params->row_bytes, min_row_bytes);
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    if (params->color_type == PNG_COLOR_TYPE_PALETTE &&
        (params->palette_rgb == NULL || params->palette_entries < 1 || params->palette_entries > 256)) {
        loupe_set_error(err, err_capacity, "loupe_png_encode: palette image needs 1...256 palette entries");
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }

    png_memory_writer writer = {NULL, 0, 0, err, err_capacity};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &writer, on_png_write_error, on_png_write_warning);
    if (png == NULL) {
        loupe_set_error(err, err_capacity, "libpng: out of memory");
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    png_infop png_info = png_create_info_struct(png);
    if (png_info == NULL) {
        png_destroy_write_struct(&png, NULL);
        loupe_set_error(err, err_capacity, "libpng: out of memory");
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(writer.data);
        png_destroy_write_struct(&png, &png_info);
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }

    png_set_write_fn(png, &writer, write_to_memory, flush_nothing);
    png_set_IHDR(png, png_info, params->width, params->height, params->bit_depth, params->color_type,
                 params->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (params->color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color palette[256];
        for (int i = 0; i < params->palette_entries; i++) {
            palette[i].red = params->palette_rgb[3 * i];
            palette[i].green = params->palette_rgb[3 * i + 1];
            palette[i].blue = params->palette_rgb[3 * i + 2];
        }
        png_set_PLTE(png, png_info, palette, params->palette_entries);
        if (params->palette_alpha != NULL && params->palette_alpha_entries > 0) {
            png_set_tRNS(png, png_info, params->palette_alpha, params->palette_alpha_entries, NULL);
        }
    }
    if (params->compression_level >= 0 && params->compression_level <= 9) {
        png_set_compression_level(png, params->compression_level);
    }
    png_write_info(png, png_info);
    const uint16_t probe = 1;
    if (params->bit_depth == 16 && *(const uint8_t *)&probe == 1) png_set_swap(png);
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < params->height; y++) png_write_row(png, pixels + (size_t)y * params->row_bytes);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &png_info);
    *out = writer.data;
    *out_size = writer.size;
    return LOUPE_CODEC_OK;
}
