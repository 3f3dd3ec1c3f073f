import Foundation
import LoupeTestSupport
import XCTest

/// The shared test support must itself be able to fail, or every test built on it could pass
/// vacuously: the allocation counter counts, and assertClose catches a mismatch.
final class TestSupportTests: XCTestCase {
    /// Every "makes no allocator calls" test in the suite relies on this.
    func testAllocationCounterSeesAllocations() {
        let calls = AllocationCounter.calls {
            let p = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 64)
            p.deallocate()
            let array = [Int](repeating: 7, count: 1000)
            XCTAssertEqual(array.count, 1000)
        }
        XCTAssertGreaterThanOrEqual(calls, 2)
    }

    /// The per-thread count sees this thread's allocations and not another thread's.
    func testPerThreadCountSeesOnlyItsThread() {
        let mine = AllocationCounter.callsOnThisThread {
            let p = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 64)
            p.deallocate()
        }
        XCTAssertGreaterThanOrEqual(mine, 1)
        let done = DispatchSemaphore(value: 0)
        let others = AllocationCounter.callsOnThisThread {
            Thread.detachNewThread {
                for _ in 0..<100 { UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16).deallocate() }
                done.signal()
            }
            done.wait()
        }
        XCTAssertLessThan(others, 100, "another thread's 100 allocations were counted here")
    }

    func testSeededDataRepeats() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        XCTAssertEqual(a.floats(100), b.floats(100))
        XCTAssertTrue(a.floats(1000).allSatisfy { (-1..<1).contains($0) })
    }

    func testAssertCloseFindsTheWorstElement() {
        let worst = worstMismatch([1, 2.002, 3.5, 4.01], [1, 2, 3, 4], absolute: 1e-3, relative: 0)
        XCTAssertEqual(worst?.index, 2)
        XCTAssertEqual(worst?.excess ?? 0, 0.499, accuracy: 1e-6)
        XCTAssertNil(worstMismatch([1, 2], [1.0005, 2], absolute: 1e-3, relative: 0))
        XCTAssertEqual(worstMismatch([1, .nan], [1, 2], absolute: 1, relative: 1)?.index, 1, "NaN is never close")
    }
}
