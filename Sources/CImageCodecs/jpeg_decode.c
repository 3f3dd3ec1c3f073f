/// JPEG decoding from memory with libjpeg(-turbo); the longjmp error path stays in this file.
#include "loupe_image_codecs.h"
#include "jpeg_error_handler.h"

#include <string.h>

/// Real progressive JPEGs have about ten scans; thousands of tiny scans make decoding
/// quadratic, a known denial-of-service pattern, so they are refused.
#define LOUPE_JPEG_MAX_SCANS 500

static void refuse_too_many_scans(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr decompress = (j_decompress_ptr)cinfo;
    if (decompress->input_scan_number > LOUPE_JPEG_MAX_SCANS) {
        loupe_jpeg_error_handler *handler = (loupe_jpeg_error_handler *)cinfo->err;
        loupe_set_error(handler->err, handler->err_capacity,
                        "progressive JPEG has more than %d scans", LOUPE_JPEG_MAX_SCANS);
        longjmp(handler->jump, 1);
    }
}

int loupe_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                      loupe_image_info *info, uint8_t *out, size_t out_capacity,
                      char *err, size_t err_capacity) {
    if (info == NULL || (data == NULL && size > 0)) {
        loupe_set_error(err, err_capacity, "loupe_jpeg_decode: NULL argument");
        return LOUPE_CODEC_INVALID_ARGUMENT;
    }
    memset(info, 0, sizeof *info);

    struct jpeg_decompress_struct cinfo;
    loupe_jpeg_error_handler handler;
    struct jpeg_progress_mgr progress;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&progress, 0, sizeof progress);
    cinfo.err = loupe_jpeg_install_error_handler(&handler, err, err_capacity);
    if (setjmp(handler.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return handler.truncated ? LOUPE_CODEC_TRUNCATED : LOUPE_CODEC_CORRUPT;
    }
    jpeg_create_decompress(&cinfo);
    progress.progress_monitor = refuse_too_many_scans;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    uint64_t pixels = (uint64_t)cinfo.image_width * cinfo.image_height;
    info->width = cinfo.image_width;
    info->height = cinfo.image_height;
    info->source_channels = (uint32_t)cinfo.num_components;
    info->source_bit_depth = (uint32_t)cinfo.data_precision;
    if (pixels > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        loupe_set_error(err, err_capacity, "%ux%u pixels exceeds the limit of %llu pixels",
                        info->width, info->height, (unsigned long long)max_pixels);
        return LOUPE_CODEC_TOO_LARGE;
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    default:
        jpeg_destroy_decompress(&cinfo);
        loupe_set_error(err, err_capacity, "JPEG colour space %s with %d components is not supported "
                        "(only grayscale and YCbCr/RGB)",
                        cinfo.jpeg_color_space == JCS_CMYK ? "CMYK" :
                        cinfo.jpeg_color_space == JCS_YCCK ? "YCCK" : "unknown",
                        (int)info->source_channels);
        return LOUPE_CODEC_UNSUPPORTED;
    }
    if (cinfo.data_precision != 8) {
        jpeg_destroy_decompress(&cinfo);
        loupe_set_error(err, err_capacity, "%d-bit JPEG is not supported (only 8-bit)", cinfo.data_precision);
        return LOUPE_CODEC_UNSUPPORTED;
    }
    jpeg_calc_output_dimensions(&cinfo);
    size_t row_bytes = (size_t)cinfo.output_width * cinfo.output_components;
    info->width = cinfo.output_width;
    info->height = cinfo.output_height;
    info->channels = (uint32_t)cinfo.output_components;
    info->bit_depth = 8;
    info->byte_count = (uint64_t)row_bytes * cinfo.output_height;

    if (out == NULL) {
        jpeg_destroy_decompress(&cinfo);
        return LOUPE_CODEC_OK;
    }
    if (out_capacity < info->byte_count) {
        jpeg_destroy_decompress(&cinfo);
        loupe_set_error(err, err_capacity, "output buffer holds %zu bytes, the image needs %llu",
                        out_capacity, (unsigned long long)info->byte_count);
        return LOUPE_CODEC_BUFFER_TOO_SMALL;
    }
    jpeg_start_decompress(&cinfo);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * row_bytes;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            // A memory source never suspends; stop rather than spin if it ever does.
            jpeg_destroy_decompress(&cinfo);
            loupe_set_error(err, err_capacity, "libjpeg returned no scanline at row %u", cinfo.output_scanline);
            return LOUPE_CODEC_CORRUPT;
        }
    }
    // Reading to EOI catches damage after the last row (e.g. a cut final scan).
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return LOUPE_CODEC_OK;
}
