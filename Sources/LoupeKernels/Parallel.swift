import Dispatch

/// Work for ``Parallel`` passed by pointer instead of as a closure: the value stays on the
/// caller's stack and the helper threads call ``run(worker:range:)`` through a pointer to it, so
/// a multi-threaded call allocates nothing. The inference kernels use this form.
public protocol ParallelWork {
    /// Runs the items in `range`; `worker` is as the calling ``Parallel`` function describes.
    func run(worker: Int, range: Range<Int>)
}

extension ParallelWork {
    /// Calls `run` on the value `pointer` points to (how a helper thread reaches the work).
    static func run(at pointer: UnsafeRawPointer, worker: Int, range: Range<Int>) {
        pointer.assumingMemoryBound(to: Self.self).pointee.run(worker: worker, range: range)
    }
}

/// A closure as ``ParallelWork`` (the closure forms of ``Parallel``; boxing it costs one
/// 32-byte allocation per multi-threaded call).
private struct ClosureWork: ParallelWork {
    let body: (Int, Range<Int>) -> Void
    func run(worker: Int, range: Range<Int>) { body(worker, range) }
}

/// Splits work across threads. With one thread nothing is allocated; a multi-threaded call
/// allocates nothing when the work is a ``ParallelWork`` value, and one 32-byte closure box
/// when it is a closure.
///
/// On Linux the slices run on the caller plus persistent helper threads that spin briefly between
/// jobs, then sleep (`SpinPool`); elsewhere, or when the pool is busy (nested or concurrent
/// callers), on `DispatchQueue.concurrentPerform` (which allocates ~160 bytes per call and often
/// wakes its threads too late for a sub-millisecond layer). With `threads == 1` the body runs
/// inline (no dispatch at all).
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
        withoutActuallyEscaping(body) { forEachSlice(count: count, threads: t, work: ClosureWork(body: $0)) }
    }

    /// ``forEachSlice(count:threads:_:)`` for work passed by pointer: allocates nothing.
    @inline(__always)
    public static func forEachSlice<W: ParallelWork>(count: Int, threads: Int, work: W) {
        let t = max(1, min(threads, count))
        if t == 1 {
            work.run(worker: 0, range: 0..<count)
            return
        }
        #if os(Linux)
        let ran = withUnsafePointer(to: work) { SpinPool.shared.run(count: count, slices: t, work: UnsafeRawPointer($0), type: W.self) }
        if ran { return }
        #endif
        DispatchQueue.concurrentPerform(iterations: t) { worker in
            work.run(worker: worker, range: (count * worker / t)..<(count * (worker + 1) / t))
        }
    }
}

extension Parallel {
    /// Calls `body(worker, range)` for `chunks` contiguous ranges of `0..<count`, claimed
    /// dynamically by up to `threads` threads. `worker` in `0..<threads` identifies the *thread*
    /// (index per-thread scratch with it): one worker may get several ranges, one after another.
    ///
    /// For kernels on a shared machine: with one static slice per thread, a helper that is
    /// descheduled makes the caller wait for its whole slice; with several chunks per thread the
    /// caller takes over all unclaimed work and waits for at most one chunk.
    @inline(__always)
    static func forEachChunk(count: Int, chunks: Int, threads: Int, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        let n = max(1, min(chunks, count))
        let t = max(1, min(threads, n))
        if t == 1 {
            body(0, 0..<count)
            return
        }
        withoutActuallyEscaping(body) { forEachChunk(count: count, chunks: n, threads: t, work: ClosureWork(body: $0)) }
    }

    /// ``forEachChunk(count:chunks:threads:_:)`` for work passed by pointer: allocates nothing.
    @inline(__always)
    static func forEachChunk<W: ParallelWork>(count: Int, chunks: Int, threads: Int, work: W) {
        let n = max(1, min(chunks, count))
        let t = max(1, min(threads, n))
        if t == 1 {
            work.run(worker: 0, range: 0..<count)
            return
        }
        #if os(Linux)
        let ran = withUnsafePointer(to: work) {
            SpinPool.shared.run(count: count, chunks: n, threads: t, work: UnsafeRawPointer($0), type: W.self)
        }
        if ran { return }
        #endif
        forEachSlice(count: count, threads: t, work: work)
    }

    /// Chunks per thread the kernels ask ``forEachChunk(count:chunks:threads:_:)`` for.
    static let chunksPerThread = 8
}

extension Parallel {
    /// Calls `body(worker, range)` over `0..<count` in contiguous ranges of `grain` items,
    /// claimed dynamically by up to `threads` threads; `worker` (in `0..<threads`) identifies the
    /// thread, for per-thread scratch. Which thread runs which item varies between calls: use it
    /// only for work whose result does not depend on that (per-item outputs, per-item partials).
    public static func forEachItem(count: Int, threads: Int, grain: Int = 1, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = (count + max(1, grain) - 1) / max(1, grain)
        forEachChunk(count: count, chunks: chunks, threads: threads, body)
    }
}
