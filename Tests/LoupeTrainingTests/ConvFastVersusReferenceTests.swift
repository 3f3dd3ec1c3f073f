import XCTest
import LoupeKernels
import LoupeModel
@testable import LoupeTraining
import LoupeTestSupport

/// The GEMM conv (forward and backward) against its scalar twin in Float, at sizes around the
/// micro-kernel tile (8 rows x 32 columns) and the 256-deep K block, in each GEMM the backward runs:
/// `dW (Cout x K) += dY (Cout x N) · colᵀ` and `dcol (K x N) = Wᵀ (K x Cout) · dY`.
final class ConvFastVersusReferenceTests: XCTestCase {
    static let geometries: [ConvGeometry] = [
        // Pointwise (the direct path), K = Cin around the 256-deep block, N around 32.
        ConvGeometry(inChannels: 255, outChannels: 9, inHeight: 4, inWidth: 8, kernel: 1),
        ConvGeometry(inChannels: 256, outChannels: 8, inHeight: 1, inWidth: 31, kernel: 1),
        ConvGeometry(inChannels: 257, outChannels: 7, inHeight: 3, inWidth: 11, kernel: 1),
        // 3x3 stride 1, K = 252 / 261, Cout around 8, N = 36.
        ConvGeometry(inChannels: 28, outChannels: 8, inHeight: 6, inWidth: 6, kernel: 3, padding: 1),
        ConvGeometry(inChannels: 29, outChannels: 17, inHeight: 6, inWidth: 6, kernel: 3, padding: 1),
        // 3x3 stride 2 (the stem): N = 32x32 = 1024 spans four K blocks of the dW GEMM; Cout 33 > one tile.
        ConvGeometry(inChannels: 3, outChannels: 33, inHeight: 64, inWidth: 64, kernel: 3, stride: 2, padding: 1),
        ConvGeometry(inChannels: 16, outChannels: 1, inHeight: 9, inWidth: 7, kernel: 3, stride: 2, padding: 1),
        // 1x1 stride 2 (a ResNet downsample shortcut): im2col path with k = 1.
        ConvGeometry(inChannels: 32, outChannels: 32, inHeight: 8, inWidth: 8, kernel: 1, stride: 2),
    ]

    func testGemmConvMatchesScalarTwin() {
        forEachKernelVariant { variant in
            let batch = 2
            for (n, g) in Self.geometries.enumerated() {
                var rng = SplitMix64(seed: 200 + UInt64(n))
                let x = AlignedBuffer(rng.floats(batch * g.inputCount)), w = AlignedBuffer(rng.floats(g.weightCount, scale: 0.2))
                let bias = AlignedBuffer(rng.floats(g.outChannels)), dy = AlignedBuffer(rng.floats(batch * g.outputCount))
                let yFast = AlignedBuffer(zeros: batch * g.outputCount), yRef = AlignedBuffer(zeros: batch * g.outputCount)
                ConvLayer.forward(g, batch: batch, input: x.p, weights: w.p, bias: bias.p, output: yFast.p)
                ConvLayer.forwardReference(g, batch: batch, input: x.p, weights: w.p, bias: bias.p, output: yRef.p)
                assertNormalisedClose(yFast.array, yRef.array, "\(variant.rawValue) forward \(g)")

                // Gradients start non-zero to check the accumulate contract on both paths.
                let start = rng.floats(x.count)
                let dxFast = AlignedBuffer(start), dxRef = AlignedBuffer(start)
                let dwFast = AlignedBuffer(zeros: w.count), dwRef = AlignedBuffer(zeros: w.count)
                let dbFast = AlignedBuffer(zeros: bias.count), dbRef = AlignedBuffer(zeros: bias.count)
                ConvLayer.backward(g, batch: batch, dInput: dxFast.p, dWeights: dwFast.p, dBias: dbFast.p, dOutput: dy.p, input: x.p, weights: w.p)
                ConvLayer.backwardReference(g, batch: batch, dInput: dxRef.p, dWeights: dwRef.p, dBias: dbRef.p, dOutput: dy.p, input: x.p, weights: w.p)
                assertNormalisedClose(dxFast.array, dxRef.array, "\(variant.rawValue) dX \(g)")
                assertNormalisedClose(dwFast.array, dwRef.array, "\(variant.rawValue) dW \(g)")
                assertNormalisedClose(dbFast.array, dbRef.array, "\(variant.rawValue) dB \(g)")
            }
        }
    }

    /// `max |a - b| / max |b| <= tolerance`: Float sums in a different order, judged on the tensor's scale.
    func assertNormalisedClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5, _ name: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let scale = max(b.map(abs).max() ?? 0, 1e-20)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(name): GEMM path differs from the scalar twin", file: file, line: line)
    }
}
