import CMallocCounter

/// Counts calls to the C allocator (malloc, calloc, realloc, the aligned ones) made by any
/// thread of the test process. `CMallocCounter` interposes glibc's allocator in the test
/// executable, so even an allocate-and-free pair that a heap-size probe would miss is counted.
public enum AllocationCounter {
    /// Allocator calls since the process started.
    public static var calls: Int { loupe_allocation_calls() }

    /// Allocator calls made while `body` runs.
    public static func calls(during body: () throws -> Void) rethrows -> Int {
        let before = calls
        try body()
        return calls - before
    }

    /// Makes the next allocation raise SIGTRAP, to find its call site under gdb.
    public static func trapOnNextAllocation() { loupe_trap_on_allocation = 1 }
}
