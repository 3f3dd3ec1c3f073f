// Counts calls to the C allocator, for tests that prove a hot path does not allocate.
// Linked only into the test executable: its malloc/calloc/realloc/posix_memalign/
// aligned_alloc/memalign definitions interpose glibc's for the whole test process and
// forward to glibc's internal entry points.
#ifndef LOUPE_MALLOC_COUNTER_H
#define LOUPE_MALLOC_COUNTER_H

/// Allocation calls made by any thread since the process started.
long loupe_allocation_calls(void);

/// Allocation calls made by the calling thread since it started.
long loupe_thread_allocation_calls(void);

/// Set to 1 to make the next allocation raise SIGTRAP (find a call site under gdb).
extern volatile int loupe_trap_on_allocation;

#endif
