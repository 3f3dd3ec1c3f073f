import XCTest
import Dispatch
import LoupeKernels
import LoupeTestSupport

final class ParallelTests: XCTestCase {
    /// Every slice runs exactly once with its own range, and the ranges tile `0..<count`.
    func testSlicesRunOnceAndCoverTheRange() {
        for threads in [1, 2, 3, 8, 300] {
            for count in [0, 1, 2, 7, 64, 1000] {
                for _ in 0..<50 {
                    let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
                    hits.initialize(repeating: 0, count: max(count, 1))
                    let workers = UnsafeMutablePointer<Int>.allocate(capacity: 512)
                    workers.initialize(repeating: 0, count: 512)
                    Parallel.forEachSlice(count: count, threads: threads) { worker, range in
                        workers[worker] += 1
                        for i in range { hits[i] += 1 }
                    }
                    XCTAssertEqual((0..<count).filter { hits[$0] != 1 }.count, 0, "count \(count) threads \(threads)")
                    let used = max(1, min(threads, count))
                    XCTAssertEqual((0..<used).filter { workers[$0] != 1 }.count, 0, "count \(count) threads \(threads)")
                    hits.deallocate()
                    workers.deallocate()
                }
            }
        }
    }

    /// A body that itself calls forEachSlice, and two threads calling at once, both still complete
    /// correctly (the second caller falls back to Dispatch).
    func testNestedAndConcurrentCallers() {
        let total = UnsafeMutablePointer<Int>.allocate(capacity: 4 * 16)
        total.initialize(repeating: 0, count: 4 * 16)
        defer { total.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for _ in 0..<200 {
                Parallel.forEachSlice(count: 4, threads: 2) { _, outer in
                    for o in outer {
                        Parallel.forEachSlice(count: 4, threads: 2) { _, inner in
                            for i in inner { total[caller * 16 + o * 4 + i] += 1 }
                        }
                    }
                }
            }
        }
        XCTAssertEqual((0..<64).filter { total[$0] != 200 }.count, 0)
    }

    /// Steady-state calls with two threads do not allocate (helper threads are created on first use).
    func testTwoThreadCallsDoNotAllocate() throws {
        try XCTSkipIf(HeapUsage.bytesInUse < 0, "mallinfo2 unavailable on this platform")
        let sink = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        sink.initialize(repeating: 0, count: 2)
        defer { sink.deallocate() }
        for _ in 0..<10 { Parallel.forEachSlice(count: 2, threads: 2) { w, r in sink[w] += r.count } }
        var allocated = -1
        for _ in 0..<5 {
            let before = HeapUsage.bytesInUse
            for _ in 0..<200 { Parallel.forEachSlice(count: 2, threads: 2) { w, r in sink[w] += r.count } }
            allocated = HeapUsage.bytesInUse - before
            if allocated == 0 { break }
        }
        XCTAssertEqual(allocated, 0, "forEachSlice(threads: 2) allocated \(allocated) bytes over 200 calls")
    }

    /// Work passed by pointer: every slice once, and not one allocator call on any thread.
    func testWorkByPointerCoversTheRangeAndMakesNoAllocatorCalls() {
        struct Count: ParallelWork {
            let hits: UnsafeMutablePointer<Int>
            func run(worker: Int, range: Range<Int>) { for i in range { hits[i] += 1 } }
        }
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: 1000)
        defer { hits.deallocate() }
        for threads in [1, 2, 3, 8] {
            for count in [1, 2, 7, 1000] {
                hits.initialize(repeating: 0, count: count)
                Parallel.forEachSlice(count: count, threads: threads, work: Count(hits: hits))
                XCTAssertEqual((0..<count).filter { hits[$0] != 1 }.count, 0, "count \(count) threads \(threads)")
            }
        }
        hits.initialize(repeating: 0, count: 1000)
        for _ in 0..<10 { Parallel.forEachSlice(count: 1000, threads: 2, work: Count(hits: hits)) }
        let calls = AllocationCounter.calls { for _ in 0..<200 { Parallel.forEachSlice(count: 1000, threads: 2, work: Count(hits: hits)) } }
        XCTAssertEqual(calls, 0, "200 two-thread calls with work passed by pointer")
        XCTAssertEqual((0..<1000).filter { hits[$0] != 210 }.count, 0)
    }
}
