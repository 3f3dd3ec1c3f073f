/// Helpers shared by the codec files; not part of the public header.
#ifndef LOUPE_CODEC_INTERNAL_H
#define LOUPE_CODEC_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>

/// printf into the caller's error buffer, if it gave one; always NUL-terminated.
static inline void loupe_set_error(char *err, size_t err_capacity, const char *format, ...) {
    if (err == NULL || err_capacity == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(err, err_capacity, format, args);
    va_end(args);
}

#endif
