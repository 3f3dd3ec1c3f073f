#if os(Linux)
import Glibc
import Synchronization

/// Persistent helper threads behind ``Parallel/forEachSlice(count:threads:_:)`` on Linux.
///
/// Why not `DispatchQueue.concurrentPerform`: a conv layer at batch 1 lasts 0.2–1 ms, and
/// dispatch's pooled threads are parked between calls, so the second slice often started only
/// after the caller had finished the first and taken the second itself (measured: 2 x 200 us
/// slices took 406 us with `threads: 2`; see `loupe-bench kernels --only parallel`).
/// Here helpers poll an atomic for ``spinSeconds`` after each job (back-to-back layers find
/// them awake), yielding the core every few polls (so they never starve a caller that shares
/// their core on a loaded machine), then sleep on a condition variable (an idle process burns
/// no CPU).
///
/// Protocol (threads are created once, on first use). A job is a pointer to the caller's
/// ``ParallelWork`` value (on its stack) and its type: nothing is allocated per call
/// (`AllocationTests` counts).
/// - One 64-bit claim word `generation (24 bits) | threads (8) | chunks (16) | next chunk (16)`.
///   The caller publishes a job by storing a new generation with `next = 0`; every thread
///   (caller included) claims a chunk with a compare-exchange on the word it has checked, so a
///   claim can never mix two jobs. Chunk `i` runs exactly once.
/// - Two job kinds: static slices (`threads = 0`, ``Parallel/forEachSlice(count:threads:_:)``:
///   worker index = slice index, any thread may run any slice) and dynamic chunks
///   (``Parallel/forEachChunk(count:chunks:threads:_:)``: worker index = thread, only threads
///   `0..<threads` take part, each runs its chunks one after another).
/// - The caller claims chunks too, so a helper that is descheduled (shared machine) only means
///   the caller runs more of them, never a wait for a sleeping thread to start.
/// - The caller returns once `done == chunks`; helpers touch the work only inside an
///   `@inline(never)` function that returns before they count a chunk done, so the caller's
///   value is unreferenced when the caller returns.
/// - One job at a time: a second concurrent or nested caller finds `busy` set and falls back to
///   `concurrentPerform`.
final class SpinPool: @unchecked Sendable {
    static let shared = SpinPool()
    /// How long an idle helper keeps polling before it sleeps.
    static let spinSeconds = 200e-6
    /// Helpers beyond this are not created (slices are then taken by fewer threads).
    static let maxHelpers = 63

    private let claim = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let helperCount = Atomic<Int>(0)
    private let startingHelper = Atomic<Int>(0)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    /// Job fields: written by the caller before the claim word is published (release), read by a
    /// thread only after it claimed a valid slice of that generation (acquire).
    private var jobWork: UnsafeRawPointer?
    private var jobType: (any ParallelWork.Type)?
    private var jobCount = 0
    private var generation = 0

    private init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        wake = .allocate(capacity: 1)
        pthread_cond_init(wake, nil)
    }

    /// Runs `body(i, range_i)` for slices `i in 0..<slices` of `0..<count` on the caller and
    /// helper threads: each slice exactly once, with `i` as its worker index. Returns false
    /// (nothing run) when the pool is already in use (or for more than 32767 slices).
    func run(count: Int, slices: Int, work: UnsafeRawPointer, type: any ParallelWork.Type) -> Bool {
        publishAndRun(count: count, chunks: slices, threads: 0, work: work, type: type)
    }

    /// Splits `0..<count` into `chunks` ranges claimed dynamically by up to `threads` threads
    /// (caller = worker 0, helpers 1..<threads): `body(worker, range)` where `worker` identifies
    /// the thread, so one worker runs its chunks one after another. A helper that is descheduled
    /// holds up at most one chunk. Returns false (nothing run) when the pool is already in use
    /// (or for more than 32767 chunks / 255 threads).
    func run(count: Int, chunks: Int, threads: Int, work: UnsafeRawPointer, type: any ParallelWork.Type) -> Bool {
        publishAndRun(count: count, chunks: chunks, threads: threads, work: work, type: type)
    }

    /// Claim word layout: generation (24 bits) | threads (8; 0 = static slices) | chunks (16) | next chunk (16).
    private func publishAndRun(count: Int, chunks: Int, threads: Int, work: UnsafeRawPointer, type: any ParallelWork.Type) -> Bool {
        // Outside what the claim word encodes: let the caller fall back to Dispatch.
        guard chunks >= 1 && chunks < 1 << 15 && threads >= 0 && threads < 256 else { return false }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        ensureHelpers(min((threads == 0 ? chunks : threads) - 1, SpinPool.maxHelpers))
        jobWork = work
        jobType = type
        jobCount = count
        generation = (generation + 1) & 0xFF_FFFF
        done.store(0, ordering: .relaxed)
        claim.store(generation << 40 | threads << 32 | chunks << 16, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
        }
        while claimAndRun(worker: 0) {}
        // Wait for chunks a helper is still running. Yield while waiting: on a loaded machine
        // the helper may be queued on this very core, and a pure spin would keep it off it.
        var polls = 0
        while done.load(ordering: .acquiring) < chunks {
            polls &+= 1
            if polls & 63 == 0 { sched_yield() }
        }
        jobWork = nil
        jobType = nil
        return true
    }

    /// Claims one chunk of whatever job is published and runs it; false when none is left for
    /// this thread (`worker` = 0 for the caller, helper index + 1 otherwise). A compare-exchange,
    /// not an add: the word that is checked (job, thread limit, next chunk) is the word claimed.
    @inline(__always)
    private func claimAndRun(worker: Int) -> Bool {
        var word = claim.load(ordering: .acquiring)
        while true {
            let index = word & 0xFFFF, chunks = (word >> 16) & 0xFFFF, threads = (word >> 32) & 0xFF
            if index >= chunks || (threads != 0 && worker >= threads) { return false }
            let (exchanged, original) = claim.compareExchange(expected: word, desired: word + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                runChunk(index, of: chunks, worker: threads == 0 ? index : worker)
                done.add(1, ordering: .releasing)
                return true
            }
            word = original
        }
    }

    /// All references to the job's work live and die inside this call.
    @inline(never)
    private func runChunk(_ index: Int, of chunks: Int, worker: Int) {
        let count = jobCount
        jobType!.run(at: jobWork!, worker: worker, range: (count * index / chunks)..<(count * (index + 1) / chunks))
    }

    private func ensureHelpers(_ wanted: Int) {
        while helperCount.load(ordering: .relaxed) < wanted {
            let helper = helperCount.add(1, ordering: .relaxed).newValue  // worker index 1, 2, ...
            var thread = pthread_t()
            // The pool is a never-freed singleton; the new thread reads its index from
            // `startingHelper` and acknowledges it before the next thread is created.
            startingHelper.store(helper, ordering: .sequentiallyConsistent)
            let status = pthread_create(&thread, nil, { context in
                let pool = Unmanaged<SpinPool>.fromOpaque(context!).takeUnretainedValue()
                let helper = pool.startingHelper.load(ordering: .sequentiallyConsistent)
                pool.startingHelper.store(0, ordering: .sequentiallyConsistent)
                pool.helperLoop(helper: helper)
            }, Unmanaged.passUnretained(self).toOpaque())
            precondition(status == 0, "SpinPool: pthread_create failed with \(status)")
            pthread_detach(thread)
            while startingHelper.load(ordering: .sequentiallyConsistent) != 0 {}
        }
    }

    private func helperLoop(helper: Int) -> Never {
        var seenGeneration = claim.load(ordering: .acquiring) >> 40
        while true {
            // Wait for a new generation: poll for spinSeconds, then sleep.
            var word = claim.load(ordering: .acquiring)
            if word >> 40 == seenGeneration {
                let deadline = MonotonicClock.seconds() + SpinPool.spinSeconds
                var polls = 0
                while word >> 40 == seenGeneration {
                    polls &+= 1
                    // Yield between polls: when the machine is oversubscribed and this helper shares
                    // a core with the caller, spinning would steal the caller's time slice (measured:
                    // batch 1 at 2 threads 1.5x *slower* than 1 thread under load without it).
                    if polls & 15 == 0 { sched_yield() }
                    if polls & 255 == 0 && MonotonicClock.seconds() > deadline {
                        sleepers.add(1, ordering: .sequentiallyConsistent)
                        pthread_mutex_lock(mutex)
                        while claim.load(ordering: .sequentiallyConsistent) >> 40 == seenGeneration {
                            pthread_cond_wait(wake, mutex)
                        }
                        pthread_mutex_unlock(mutex)
                        sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    }
                    word = claim.load(ordering: .acquiring)
                }
            }
            seenGeneration = word >> 40
            while claimAndRun(worker: helper) {}
            // A claim may have landed in a newer job than `word`'s; then the loop above finds the
            // newer generation already published and claims again (extra claims past the end are harmless).
        }
    }
}
#endif
import LoupeTensor
