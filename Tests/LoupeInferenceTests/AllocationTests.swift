import LoupeInference
import LoupeModel
import LoupeTensor
import XCTest

/// After warm-up, running a session must not allocate (the buffers were planned once).
final class AllocationTests: XCTestCase {
    func testSingleThreadedInferenceDoesNotAllocate() throws {
        let spec = ReferenceArchitectures.elpvNetRefSpec(size: 64)
        let model = try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 3, randomStatistics: true))
        let session = InferenceSession(network: try Network(model: model), maxBatch: 2, threads: 1)
        let input = AlignedInput(count: 2 * session.network.inputCount)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 2 * session.network.outputCount)
        defer { output.deallocate() }
        session.run(input: input.pointer, batch: 2, output: output) // warm-up
        let before = HeapUsage.bytesInUse
        for _ in 0..<20 { session.run(input: input.pointer, batch: 2, output: output) }
        XCTAssertEqual(HeapUsage.bytesInUse, before, "heap bytes in use changed across 20 inferences")
    }
}

private final class AlignedInput {
    let pointer: UnsafeMutablePointer<Float>
    init(count: Int) {
        pointer = .allocate(capacity: count)
        for i in 0..<count { pointer[i] = Float(i % 17) / 17 }
    }
    deinit { pointer.deallocate() }
}
