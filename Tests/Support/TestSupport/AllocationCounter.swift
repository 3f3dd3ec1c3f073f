import CMallocCounter

/// Counts calls to the C allocator (malloc, calloc, realloc, the aligned ones), by any thread of
/// the test process or by the calling thread alone. `CMallocCounter` interposes glibc's
/// allocator in the test executable, so even an allocate-and-free pair that a heap-size probe
/// would miss is counted. Work that runs on the calling thread only is best measured with
/// ``callsOnThisThread(during:)``: threads other tests left running (a broker link, an HTTP
/// server, an outbox writer) then cannot add to the count.
public enum AllocationCounter {
    /// Allocator calls since the process started.
    public static var calls: Int { loupe_allocation_calls() }

    /// Allocator calls made while `body` runs.
    public static func calls(during body: () throws -> Void) rethrows -> Int {
        let before = calls
        try body()
        return calls - before
    }

    /// Allocator calls the calling thread made while `body` runs (other threads' not counted).
    public static func callsOnThisThread(during body: () throws -> Void) rethrows -> Int {
        let before = loupe_thread_allocation_calls()
        try body()
        return loupe_thread_allocation_calls() - before
    }

    /// Makes the next allocation raise SIGTRAP, to find its call site under gdb.
    public static func trapOnNextAllocation() { loupe_trap_on_allocation = 1 }
}
