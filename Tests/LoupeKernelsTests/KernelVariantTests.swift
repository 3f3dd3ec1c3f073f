import XCTest
@testable import LoupeKernels
import LoupeTestSupport

/// Each variant's register tiles against scalar sums, at every valid-row and valid-column count
/// of the 8x32 tile and with every epilogue; the ISA a CPU lacks is skipped with a message.
/// (The GEMM, convolution and training tests also run under every supported variant, through
/// `forEachKernelVariant`.)
final class KernelVariantTests: XCTestCase {
    func testPortableTilesMatchScalarSums() throws { try checkTiles(.portable) }
    func testAVX2TilesMatchScalarSums() throws { try checkTiles(.avx2) }
    func testAVX512TilesMatchScalarSums() throws { try checkTiles(.avx512) }

    /// The per-variant tests above cover the one list of variants.
    func testEveryVariantHasATileTest() {
        XCTAssertEqual(KernelVariant.allCases, [.portable, .avx2, .avx512])
    }

    func checkTiles(_ variant: KernelVariant) throws {
        try XCTSkipUnless(variant.isSupported, "\(CPUDescription.current.summary) lacks \(variant.instructionSet): the \(variant.rawValue) tiles are not run here")
        try KernelVariant.withActive(variant) {
            try checkGemmTile(variant)
            checkWeightGradientTile(variant)
        }
    }

    private func checkGemmTile(_ variant: KernelVariant) throws {
        var rng = SplitMix64(seed: 77)
        let ldc = 37, bStride = 40
        for kc in [1, 3, 17, 144] {
            let a = rng.floats(kc * 8), b = rng.floats(kc * bStride)
            let bias = rng.floats(8), residual = rng.floats(8 * ldc), start = rng.floats(8 * ldc)
            for rows in 1...8 {
                for cols in [1, 7, 8, 9, 15, 16, 17, 24, 31, 32] {
                    for (accumulate, useBias, useResidual, relu) in [(false, false, false, false), (true, false, false, false),
                                                                     (false, true, false, true), (true, true, true, true)] {
                        var got = start
                        a.withUnsafeBufferPointer { ap in
                            b.withUnsafeBufferPointer { bp in
                                bias.withUnsafeBufferPointer { biasp in
                                    residual.withUnsafeBufferPointer { rp in
                                        got.withUnsafeMutableBufferPointer { cp in
                                            let epilogue = GemmEpilogue(accumulate: accumulate, bias: useBias ? biasp.baseAddress : nil,
                                                                        residual: useResidual ? rp.baseAddress : nil, relu: relu)
                                            gemmTile(kc: kc, a: ap.baseAddress!, b: bp.baseAddress!, bStride: bStride,
                                                     c: cp.baseAddress!, ldc: ldc, rows: rows, cols: cols, epilogue: epilogue)
                                        }
                                    }
                                }
                            }
                        }
                        var want = start
                        for r in 0..<rows {
                            for j in 0..<cols {
                                var sum: Float = 0
                                for p in 0..<kc { sum += a[p * 8 + r] * b[p * bStride + j] }
                                if accumulate { sum += start[r * ldc + j] }
                                if useBias { sum += bias[r] }
                                if useResidual { sum += residual[r * ldc + j] }
                                want[r * ldc + j] = relu ? max(sum, 0) : sum
                            }
                        }
                        // Outside the valid rows and columns nothing is written: `want` keeps `start` there.
                        assertClose(got, want, absolute: 1e-5 * Float(kc).squareRoot(), relative: 1e-4,
                                    "\(variant.rawValue) tile kc \(kc) rows \(rows) cols \(cols) acc \(accumulate) bias \(useBias) residual \(useResidual) relu \(relu)")
                    }
                }
            }
        }
    }

    private func checkWeightGradientTile(_ variant: KernelVariant) {
        var rng = SplitMix64(seed: 78)
        let pixelStep = 3, ldc = 35
        for (rows, cols) in [(1, 1), (2, 5), (3, 17)] {
            let n = rows * cols, aRowStride = n + 2, rowStep = cols * pixelStep + 32
            let a = rng.floats(8 * aRowStride), b = rng.floats(rows * rowStep + 32), zeros = [Float](repeating: 0, count: n)
            let start = rng.floats(8 * ldc)
            for validRows in [1, 5, 6, 7, 8] {
                for accumulate in [false, true] {
                    var got = start
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            zeros.withUnsafeBufferPointer { zp in
                                got.withUnsafeMutableBufferPointer { cp in
                                    ConvTrainingKernels.weightGradientTileDispatch(
                                        a: ap.baseAddress!, aRowStride: aRowStride, validRows: validRows, zeroRow: zp.baseAddress!,
                                        b: bp.baseAddress!, rows: rows, cols: cols, pixelStep: pixelStep, rowStep: rowStep,
                                        c: cp.baseAddress!, ldc: ldc, accumulate: accumulate)
                                }
                            }
                        }
                    }
                    var want = start
                    for r in 0..<validRows {
                        for j in 0..<32 {
                            var sum: Float = 0
                            for y in 0..<rows {
                                for x in 0..<cols { sum += a[r * aRowStride + y * cols + x] * b[y * rowStep + x * pixelStep + j] }
                            }
                            want[r * ldc + j] = accumulate ? start[r * ldc + j] + sum : sum
                        }
                    }
                    assertClose(got, want, absolute: 1e-5 * Float(n).squareRoot(), relative: 1e-4,
                                "\(variant.rawValue) weight-gradient tile \(rows)x\(cols) valid rows \(validRows) acc \(accumulate)")
                }
            }
        }
    }

    func testFMAPeakProbeRunsForEverySupportedVariant() {
        for variant in KernelVariant.supported {
            XCTAssertGreaterThan(Gemm.measureFMAPeak(variant: variant, seconds: 0.02), 0.1, variant.rawValue)
        }
    }

    func testEnvironmentValueIsResolvedOrRefusedWithAReason() throws {
        XCTAssertEqual(try KernelVariant.resolve(environment: nil).get(), KernelVariant.best)
        XCTAssertEqual(try KernelVariant.resolve(environment: "PORTABLE").get(), .portable)
        guard case .failure(let unknown) = KernelVariant.resolve(environment: "sse9") else { return XCTFail("sse9 accepted") }
        XCTAssertTrue(unknown.message.contains("LOUPE_KERNELS=sse9 is not a kernel variant"), unknown.message)
        XCTAssertTrue(unknown.message.contains("portable, avx2, avx512"), unknown.message)
        for variant in KernelVariant.allCases where !variant.isSupported {
            guard case .failure(let lacking) = KernelVariant.resolve(environment: variant.rawValue) else {
                return XCTFail("\(variant) accepted on a CPU without it")
            }
            XCTAssertTrue(lacking.message.contains("this CPU lacks"), lacking.message)
        }
    }
}
