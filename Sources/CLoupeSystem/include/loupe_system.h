// Small C shims for system facilities Swift does not import directly.
#ifndef LOUPE_SYSTEM_H
#define LOUPE_SYSTEM_H
#include <stddef.h>

/// Bytes currently allocated by malloc (glibc mallinfo2: in-use arena bytes + mmap'd blocks).
size_t loupe_heap_bytes_in_use(void);

#endif
