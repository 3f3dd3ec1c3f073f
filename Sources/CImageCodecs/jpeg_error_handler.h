/// The libjpeg error manager shared by the JPEG decoder and encoder: errors longjmp back
/// into the calling C function, warnings are promoted to errors.
#ifndef LOUPE_JPEG_ERROR_HANDLER_H
#define LOUPE_JPEG_ERROR_HANDLER_H

#include "codec_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base; // must be first: libjpeg hands us a jpeg_error_mgr *
    jmp_buf jump;
    /// Set when libjpeg ran out of input ("Premature end of JPEG file").
    volatile int truncated;
    char *err;
    size_t err_capacity;
} loupe_jpeg_error_handler;

static void loupe_jpeg_error_exit(j_common_ptr cinfo) {
    loupe_jpeg_error_handler *handler = (loupe_jpeg_error_handler *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    loupe_set_error(handler->err, handler->err_capacity, "libjpeg: %s", message);
    longjmp(handler->jump, 1);
}

/// libjpeg calls this with level -1 for warnings. Every warning means the pixels are not
/// what the camera sent (premature end, corrupt data, bad Huffman code), so it aborts.
static void loupe_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return; // trace messages
    loupe_jpeg_error_handler *handler = (loupe_jpeg_error_handler *)cinfo->err;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) handler->truncated = 1;
    loupe_jpeg_error_exit(cinfo);
}

static void loupe_jpeg_output_nothing(j_common_ptr cinfo) { (void)cinfo; }

/// Installs the handler on `cinfo->err`'s storage; call before jpeg_create_*.
static struct jpeg_error_mgr *loupe_jpeg_install_error_handler(loupe_jpeg_error_handler *handler,
                                                               char *err, size_t err_capacity) {
    struct jpeg_error_mgr *manager = jpeg_std_error(&handler->base);
    manager->error_exit = loupe_jpeg_error_exit;
    manager->emit_message = loupe_jpeg_emit_message;
    manager->output_message = loupe_jpeg_output_nothing;
    handler->truncated = 0;
    handler->err = err;
    handler->err_capacity = err_capacity;
    return manager;
}

#endif
