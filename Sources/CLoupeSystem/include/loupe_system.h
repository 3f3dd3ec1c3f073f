// Small C shims for system facilities Swift does not import directly.
#ifndef LOUPE_SYSTEM_H
#define LOUPE_SYSTEM_H
#include <stddef.h>

/// Bytes currently allocated by malloc (glibc mallinfo2: in-use arena bytes + mmap'd blocks).
size_t loupe_heap_bytes_in_use(void);

/// 1 when this CPU (and its OS, which must save the ymm registers) runs AVX2 and FMA.
int loupe_cpu_has_avx2_fma(void);
/// 1 when this CPU runs AVX-512 F (and AVX2 + FMA, which every such CPU has).
int loupe_cpu_has_avx512(void);

#endif
