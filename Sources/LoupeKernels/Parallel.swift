import Dispatch

/// Splits work across threads without allocating per call.
///
/// `DispatchQueue.concurrentPerform` runs the body on the caller plus pooled worker
/// threads; with `threads == 1` the body runs inline (no dispatch at all).
public enum Parallel {
    /// Calls `body(worker, range)` for `threads` contiguous slices of `0..<count`.
    /// `worker` is in `0..<threads`, so a body can index per-thread scratch space.
    @inline(__always)
    public static func forEachSlice(count: Int, threads: Int, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        let t = max(1, min(threads, count))
        if t == 1 {
            body(0, 0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: t) { worker in
            let lo = count * worker / t
            let hi = count * (worker + 1) / t
            body(worker, lo..<hi)
        }
    }
}
