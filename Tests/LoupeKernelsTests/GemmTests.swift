import XCTest
import LoupeKernels
import LoupeTestSupport

final class GemmTests: XCTestCase {
    /// Tile edges of the 8x32 micro-kernel and of the 256-deep / 128-row blocking.
    func testSgemmMatchesReferenceAtTileEdges() {
        forEachKernelVariant { variant in
            var rng = SplitMix64(seed: 1)
            let ms = [1, 7, 8, 9, 16, 13, 129]
            let ns = [1, 31, 32, 33, 64, 17, 97]
            let ks = [1, 7, 8, 255, 256, 257, 19]
            for m in ms {
                for n in ns {
                    for k in ks where m * n * k < 600_000 || (m == 129 && n == 97) {
                        for accumulate in [false, true] {
                            let lda = k + 3, ldb = n + 1, ldc = n + 2
                            let a = rng.floats(m * lda), b = rng.floats(k * ldb), c0 = rng.floats(m * ldc)
                            var got = c0, want = c0
                            Gemm.sgemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &got, ldc: ldc, accumulate: accumulate)
                            ReferenceKernels.sgemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &want, ldc: ldc,
                                                   accumulate: accumulate)
                            assertClose(got, want, absolute: 1e-5 * Float(k).squareRoot(), relative: 1e-4, "\(variant.rawValue) m \(m) n \(n) k \(k) acc \(accumulate)")
                        }
                    }
                }
            }
        }
    }

    func testSgemmLargeSquare() {
        forEachKernelVariant { _ in
            var rng = SplitMix64(seed: 2)
            let s = 300
            let a = rng.floats(s * s), b = rng.floats(s * s)
            var got = [Float](repeating: 0, count: s * s), want = got
            Gemm.sgemm(m: s, n: s, k: s, a: a, lda: s, b: b, ldb: s, c: &got, ldc: s, accumulate: false)
            ReferenceKernels.sgemm(m: s, n: s, k: s, a: a, lda: s, b: b, ldb: s, c: &want, ldc: s, accumulate: false)
            assertClose(got, want, absolute: 2e-4, relative: 1e-4)
        }
    }

    func testSgemmZeroDepthClearsOrKeeps() {
        var c: [Float] = [1, 2, 3, 4]
        let a: [Float] = [0], b: [Float] = [0, 0]
        Gemm.sgemm(m: 2, n: 2, k: 0, a: a, lda: 0, b: b, ldb: 2, c: &c, ldc: 2, accumulate: true)
        XCTAssertEqual(c, [1, 2, 3, 4])
        Gemm.sgemm(m: 2, n: 2, k: 0, a: a, lda: 0, b: b, ldb: 2, c: &c, ldc: 2, accumulate: false)
        XCTAssertEqual(c, [0, 0, 0, 0])
    }

    /// The workspace overload computes the same as the reference, across blocks (m > 128,
    /// n not a multiple of 32, k > 256), reused for several shapes, and allocates nothing.
    func testSgemmWithWorkspaceMatchesReferenceAndDoesNotAllocate() throws {
        var rng = SplitMix64(seed: 3)
        let workspace = GemmWorkspace()
        for (m, n, k) in [(129, 97, 257), (8, 32, 256), (1, 1, 1), (300, 65, 40)] {
            let a = rng.floats(m * k), b = rng.floats(k * n), c0 = rng.floats(m * n)
            var got = c0, want = c0
            Gemm.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &got, ldc: n, accumulate: true, workspace: workspace)
            ReferenceKernels.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &want, ldc: n, accumulate: true)
            assertClose(got, want, absolute: 1e-5 * Float(k).squareRoot(), relative: 1e-4, "m \(m) n \(n) k \(k)")
        }
        let s = 200
        let a = rng.floats(s * s), b = rng.floats(s * s)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: s * s)
        defer { c.deallocate() }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let before = HeapUsage.bytesInUse
                for _ in 0..<5 {
                    Gemm.sgemm(m: s, n: s, k: s, a: ap.baseAddress!, lda: s, b: bp.baseAddress!, ldb: s, c: c, ldc: s,
                               accumulate: false, workspace: workspace)
                }
                if before >= 0 { XCTAssertEqual(HeapUsage.bytesInUse, before, "sgemm with a workspace allocated") }
            }
        }
    }
}
