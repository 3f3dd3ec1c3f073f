import CLoupeSystem

/// How much the process has allocated with malloc right now; used by tests and benchmarks
/// to prove that the steady-state inference path allocates nothing.
public enum HeapUsage {
    public static var bytesInUse: Int { Int(loupe_heap_bytes_in_use()) }
}
