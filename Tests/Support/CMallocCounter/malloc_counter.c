#include "malloc_counter.h"
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static _Atomic long calls;
/// The same, for the calling thread only (static TLS in the test executable: reading or
/// bumping it never allocates).
static _Thread_local long thread_calls;

/// When non-zero, the next allocation raises SIGTRAP (to find a call site under gdb).
volatile int loupe_trap_on_allocation;

static inline void count(void) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    thread_calls++;
    if (loupe_trap_on_allocation) { loupe_trap_on_allocation = 0; __builtin_debugtrap(); }
}

long loupe_allocation_calls(void) { return atomic_load_explicit(&calls, memory_order_relaxed); }
long loupe_thread_allocation_calls(void) { return thread_calls; }

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *pointer, size_t size) { count(); return __libc_realloc(pointer, size); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *p = __libc_memalign(alignment, size);
    if (p == NULL && size != 0) return ENOMEM;
    *out = p;
    return 0;
}
