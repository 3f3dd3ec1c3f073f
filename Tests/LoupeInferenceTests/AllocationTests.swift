import LoupeInference
import LoupeKernels
import LoupeModel
import XCTest
import LoupeTestSupport

/// After warm-up, running a session must not call the allocator — not even an
/// allocate-and-free pair, which a heap-size probe would miss. `CMallocCounter` counts every
/// malloc/calloc/realloc/aligned allocation in the process (every thread's, with 2 threads).
/// The parallel dispatch hands the helper threads a pointer to the work (``ParallelWork``), so
/// 2-thread inference allocates nothing either: convolutions split across threads at batch 1,
/// whole images per thread at batch 4.
final class AllocationTests: XCTestCase {
    private func session(threads: Int, batch: Int) throws -> InferenceSession {
        let spec = ReferenceArchitectures.elpvNetRefSpec(size: 64)
        let model = try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 3, randomStatistics: true))
        return InferenceSession(network: try Network(model: model), maxBatch: batch, threads: threads)
    }

    /// Allocator calls made by 20 inferences after two warm-up runs.
    private func allocations(threads: Int, batch: Int) throws -> Int {
        let session = try session(threads: threads, batch: batch)
        let inCount = batch * session.network.inputCount, outCount = batch * session.network.outputCount
        let input = UnsafeMutablePointer<Float>.allocate(capacity: inCount)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: outCount)
        defer { input.deallocate(); output.deallocate() }
        for i in 0..<inCount { input[i] = Float(i % 17) / 17 }
        session.run(input: input, batch: batch, output: output) // warm-up: worker threads start here
        session.run(input: input, batch: batch, output: output)
        // One thread: the work runs on this thread, so only its calls count (threads other tests
        // left running cannot add to them). More threads: every thread's calls count.
        if threads == 1 {
            return AllocationCounter.callsOnThisThread { for _ in 0..<20 { session.run(input: input, batch: batch, output: output) } }
        }
        return AllocationCounter.calls { for _ in 0..<20 { session.run(input: input, batch: batch, output: output) } }
    }

    func testSingleThreadedInferenceMakesNoAllocatorCalls() throws {
        XCTAssertEqual(try allocations(threads: 1, batch: 1), 0, "batch 1")
        XCTAssertEqual(try allocations(threads: 1, batch: 3), 0, "batch 3")
    }

    func testTwoThreadInferenceMakesNoAllocatorCalls() throws {
        XCTAssertEqual(try allocations(threads: 2, batch: 1), 0, "batch 1, 2 threads")
        XCTAssertEqual(try allocations(threads: 2, batch: 4), 0, "batch 4, 2 threads")
    }
}
