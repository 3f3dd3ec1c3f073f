/// Baseline JPEG encoding into a malloc'd buffer (used to build test images and thumbnails).
#include "loupe_image_codecs.h"
#include "jpeg_error_handler.h"

#include <stdlib.h>
#include <string.h>

int loupe_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                      int quality, uint8_t **out, size_t *out_size,
                      char *err, size_t err_capacity) {
    if (out == NULL || out_size == NULL || pixels == NULL || width == 0 || height == 0 ||
        !(channels == 1 || channels == 3)) {
        loupe_set_error(err, err_capacity, "loupe_jpeg_encode: invalid %ux%u with %d channels", width, height, channels);
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    *out = NULL;
    *out_size = 0;

    struct jpeg_compress_struct cinfo;
    loupe_jpeg_error_handler handler;
    unsigned char *buffer = NULL;
    unsigned long buffer_size = 0;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = loupe_jpeg_install_error_handler(&handler, err, err_capacity);
    if (setjmp(handler.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &buffer_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_bytes);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = buffer_size;
    return LOUPE_CODEC_OK;
}
