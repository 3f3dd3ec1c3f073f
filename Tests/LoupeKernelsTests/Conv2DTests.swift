import XCTest
import LoupeKernels
#if canImport(Glibc)
import Glibc
import LoupeTestSupport
#endif

final class Conv2DTests: XCTestCase {
    struct Case {
        var geometry: ConvGeometry
        var bias: Bool
        var residual: Bool
        var activation: Activation
    }

    /// Runs `algorithm` on seeded data and returns (got, reference).
    func run(_ c: Case, _ algorithm: ConvAlgorithm?, threads: Int, seed: UInt64) -> (got: [Float], want: [Float], conv: Conv2D) {
        let g = c.geometry
        var rng = SplitMix64(seed: seed)
        let input = rng.floats(g.inputCount), weights = rng.floats(g.weightCount), bias = rng.floats(g.outChannels)
        let residual = rng.floats(g.outputCount)
        let conv = weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Conv2D(geometry: g, weights: w.baseAddress!, bias: c.bias ? b.baseAddress! : nil, activation: c.activation,
                       algorithm: algorithm)
            }
        }
        let scratch = AlignedBuffer(count: conv.scratchCount(threads: threads), fill: .nan)
        var got = [Float](repeating: .nan, count: g.outputCount)
        residual.withUnsafeBufferPointer { r in
            conv.forward(input: input, output: &got, residual: c.residual ? r.baseAddress! : nil, scratch: scratch.pointer,
                         threads: threads)
        }
        var want = [Float](repeating: .nan, count: g.outputCount)
        residual.withUnsafeBufferPointer { r in
            ReferenceKernels.conv2d(g, input: input, weights: weights, bias: c.bias ? bias : nil,
                                    residual: c.residual ? r.baseAddress! : nil, activation: c.activation, output: &want)
        }
        return (got, want, conv)
    }

    static let sizes: [(Int, Int)] = [(1, 1), (5, 7), (19, 19), (38, 38)]

    func testGemmMatchesReference() {
        forEachKernelVariant { variant in
            var seed: UInt64 = 100
            for (h, w) in Self.sizes {
                for k in [1, 3] {
                    for stride in [1, 2] {
                        for padding in [0, 1] {
                            for (cin, cout, groups) in [(3, 5, 1), (8, 16, 1), (17, 9, 1), (16, 16, 16), (8, 12, 4)] {
                                let g = ConvGeometry(inChannels: cin, outChannels: cout, inHeight: h, inWidth: w, kernel: k,
                                                     stride: stride, padding: padding, groups: groups)
                                guard g.isValid else { continue }
                                seed += 1
                                let c = Case(geometry: g, bias: seed % 2 == 0, residual: seed % 3 == 0,
                                             activation: seed % 4 < 2 ? .relu : .none)
                                for threads in [1, 2] {
                                    let r = run(c, .gemm, threads: threads, seed: seed)
                                    let kk = Float(g.channelsPerGroup * k * k)
                                    assertClose(r.got, r.want, absolute: 1e-5 * kk.squareRoot(), relative: 1e-4, "\(variant.rawValue) \(g) threads \(threads)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The SIMD im2col packer (stride 1 and 2) at panel edges: output widths below, equal to and above
    /// the 16-float store chunk and the 32-pixel panel, runs split across output rows, padded borders,
    /// and the last input row (where a vector load would pass the end of the input).
    func testGemmPackerAtPanelEdges() {
        forEachKernelVariant { variant in
            var seed: UInt64 = 900
            for stride in [1, 2] {
                for outW in [1, 2, 15, 16, 17, 31, 32, 33, 38, 64, 75] {
                    for (k, padding) in [(3, 1), (3, 0), (1, 0), (5, 2)] {
                        for (cin, cout) in [(1, 16), (3, 8), (16, 32)] {
                            let w = (outW - 1) * stride + k - 2 * padding
                            for h in [max(1, k - 2 * padding), 7] {
                                let g = ConvGeometry(inChannels: cin, outChannels: cout, inHeight: h, inWidth: w, kernel: k,
                                                     stride: stride, padding: padding)
                                guard w > 0, g.isValid, g.outWidth == outW else { continue }
                                seed += 1
                                let c = Case(geometry: g, bias: seed % 2 == 0, residual: seed % 3 == 0, activation: seed % 4 < 2 ? .relu : .none)
                                for threads in [1, 2] {
                                    let r = run(c, .gemm, threads: threads, seed: seed)
                                    let kk = Float(cin * k * k)
                                    assertClose(r.got, r.want, absolute: 1e-5 * kk.squareRoot(), relative: 1e-4, "\(variant.rawValue) \(g) threads \(threads)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The direct 3x3/s2 stem kernel (Cin <= 4, inside `.gemm`): output widths around its 16-wide
    /// chunks, odd and even input sizes (right padding column present or not), every Cin it takes.
    func testDirectStemAtChunkEdges() {
        var seed: UInt64 = 1700
        for w in [1, 2, 3, 30, 31, 32, 33, 34, 63, 64, 65, 66, 300, 301] {
            for h in [1, 2, 5] {
                for (cin, cout) in [(1, 16), (2, 5), (3, 8), (4, 1)] {
                    let g = ConvGeometry(inChannels: cin, outChannels: cout, inHeight: h, inWidth: w, kernel: 3, stride: 2, padding: 1)
                    seed += 1
                    let c = Case(geometry: g, bias: seed % 2 == 0, residual: seed % 3 == 0, activation: seed % 4 < 2 ? .relu : .none)
                    for threads in [1, 2] {
                        let r = run(c, .gemm, threads: threads, seed: seed)
                        assertClose(r.got, r.want, absolute: 1e-5 * Float(cin * 9).squareRoot(), relative: 1e-4, "\(g) threads \(threads)")
                    }
                }
            }
        }
    }

    /// Winograd against the direct sum over 3x3 stride-1 shapes: every padding, a mix of bias,
    /// residual and ReLU, 1 and 2 threads. Tolerance: Winograd F(4,3) rounds differently from the
    /// direct sum (transform coefficients up to 8); errors scale with sqrt(Cin*9) like the sum itself.
    private func checkWinograd(sizes: [(Int, Int)], channels: [(Int, Int)], seed start: UInt64, maxWork: Int = .max,
                               file: StaticString = #filePath, line: UInt = #line) {
        var seed = start
        for (h, w) in sizes {
            for padding in [0, 1, 2] {
                for (cin, cout) in channels {
                    let g = ConvGeometry(inChannels: cin, outChannels: cout, inHeight: h, inWidth: w, kernel: 3, stride: 1, padding: padding)
                    guard g.isValid, h * w * cin * cout < maxWork else { continue }
                    seed += 1
                    let c = Case(geometry: g, bias: seed % 2 == 0, residual: seed % 3 == 0, activation: seed % 4 < 2 ? .relu : .none)
                    for threads in [1, 2] {
                        let r = run(c, .winograd4x4, threads: threads, seed: seed)
                        let kk = Float(cin * 9)
                        assertClose(r.got, r.want, absolute: 1e-4 * kk.squareRoot(), relative: 1e-3, "\(KernelVariant.active.rawValue) \(g) threads \(threads)",
                                    file: file, line: line)
                    }
                }
            }
        }
    }

    func testWinogradMatchesReference() {
        forEachKernelVariant { _ in
            checkWinograd(sizes: Self.sizes + [(4, 4), (8, 9), (75, 75)], channels: [(1, 1), (3, 5), (8, 8), (16, 16), (17, 9), (32, 40)],
                          seed: 500, maxWork: 2_000_000)
        }
    }

    /// The row-wise input transform (tile grids at least 16 tiles wide): grids of exactly 16, 17 and
    /// 38 tiles (halves that wrap to the next tile row at every offset), every padding, the last tile
    /// row partly empty, and image edges inside and across 16-float chunks.
    func testWinogradRowTransformAtTileEdges() {
        forEachKernelVariant { _ in
            checkWinograd(sizes: [(9, 64), (6, 66), (13, 67), (5, 128), (7, 150), (11, 97)], channels: [(1, 1), (3, 5), (16, 16)], seed: 1300)
        }
    }

    /// Winograd error measured against the direct sum on the reference network's stride-1 shapes.
    func testWinogradAccuracyOnReferenceNetworkShapes() {
        for (ch, size) in [(16, 150), (32, 75), (64, 38), (128, 19)] {
            let g = ConvGeometry(inChannels: ch, outChannels: ch, inHeight: size, inWidth: size, kernel: 3, stride: 1, padding: 1)
            let r = run(Case(geometry: g, bias: true, residual: false, activation: .none), .winograd4x4, threads: 2, seed: UInt64(ch))
            let scale = r.want.map { abs($0) }.max()!
            let worst = zip(r.got, r.want).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst / scale, 1e-4, "\(g): max error \(worst) vs output scale \(scale)")
        }
    }

    func testDefaultAlgorithmRule() {
        let g3 = ConvGeometry(inChannels: 16, outChannels: 16, inHeight: 38, inWidth: 38, kernel: 3, stride: 1, padding: 1)
        XCTAssertEqual(Conv2D.defaultAlgorithm(for: g3), .winograd4x4)
        var s2 = g3
        s2.stride = 2
        XCTAssertEqual(Conv2D.defaultAlgorithm(for: s2), .gemm)
        var stem = g3
        stem.inChannels = 1
        XCTAssertEqual(Conv2D.defaultAlgorithm(for: stem), .gemm)
        var dw = g3
        dw.groups = 16
        XCTAssertEqual(Conv2D.defaultAlgorithm(for: dw), .gemm)
    }

    func testThreadCountsAgree() {
        for algorithm in [ConvAlgorithm.gemm, .winograd4x4] {
            for g in [ConvGeometry(inChannels: 32, outChannels: 32, inHeight: 19, inWidth: 19, kernel: 3, stride: 1, padding: 1),
                      ConvGeometry(inChannels: 128, outChannels: 128, inHeight: 19, inWidth: 19, kernel: 3, stride: 1, padding: 1)] {
                let c = Case(geometry: g, bias: true, residual: true, activation: .relu)
                let one = run(c, algorithm, threads: 1, seed: 9)
                for threads in [2, 3] {
                    let many = run(c, algorithm, threads: threads, seed: 9)
                    assertClose(many.got, one.got, absolute: 1e-6, relative: 1e-6, "\(algorithm) \(g) threads \(threads)")
                }
            }
        }
    }

    /// `forward` must not touch the heap, on one thread or two: glibc's in-use byte count is unchanged over 20 calls.
    func testForwardDoesNotAllocate() throws {
        try XCTSkipIf(HeapUsage.bytesInUse < 0, "mallinfo2 unavailable on this platform")
        // The probe itself must see a heap allocation, or the assertion below proves nothing.
        let probeBefore = HeapUsage.bytesInUse
        let probe = [Float](repeating: 1, count: 4096)
        XCTAssertGreaterThanOrEqual(HeapUsage.bytesInUse - probeBefore, 4096 * 4, "heapBytesInUse missed an allocation")
        withExtendedLifetime(probe) {}
        let shapes = [
            ConvGeometry(inChannels: 16, outChannels: 32, inHeight: 19, inWidth: 19, kernel: 3, stride: 2, padding: 1),
            ConvGeometry(inChannels: 16, outChannels: 16, inHeight: 19, inWidth: 19, kernel: 3, stride: 1, padding: 1),
            ConvGeometry(inChannels: 16, outChannels: 16, inHeight: 19, inWidth: 19, kernel: 1),
            ConvGeometry(inChannels: 16, outChannels: 16, inHeight: 19, inWidth: 19, kernel: 3, padding: 1, groups: 16),
        ]
        let stemAndBand = [
            ConvGeometry(inChannels: 1, outChannels: 16, inHeight: 40, inWidth: 40, kernel: 3, stride: 2, padding: 1),
            ConvGeometry(inChannels: 16, outChannels: 16, inHeight: 70, inWidth: 70, kernel: 3, stride: 1, padding: 1),
        ]
        for (g, threads) in (shapes + stemAndBand).flatMap({ g in [(g, 1), (g, 2)] }) {
            var rng = SplitMix64(seed: 77)
            let weights = rng.floats(g.weightCount), bias = rng.floats(g.outChannels)
            let conv = Conv2D(geometry: g, weights: weights, bias: bias, activation: .relu)
            let input = AlignedBuffer(count: g.inputCount, fill: 0.5)
            let residual = AlignedBuffer(count: g.outputCount, fill: 0.25)
            let output = AlignedBuffer(count: g.outputCount, fill: .nan)
            let scratch = AlignedBuffer(count: conv.scratchCount(threads: threads), fill: .nan)
            // Warm-up: the first two-thread call starts the helper thread (once per process).
            conv.forward(input: input.pointer, output: output.pointer, residual: residual.pointer, scratch: scratch.pointer,
                         threads: threads)
            // Retry a few times: another thread of the test process (XCTest's own) may allocate meanwhile.
            var allocated = -1
            for _ in 0..<5 {
                let before = HeapUsage.bytesInUse
                for _ in 0..<20 {
                    conv.forward(input: input.pointer, output: output.pointer, residual: residual.pointer, scratch: scratch.pointer,
                                 threads: threads)
                }
                allocated = HeapUsage.bytesInUse - before
                if allocated == 0 { break }
            }
            XCTAssertEqual(allocated, 0, "\(conv.algorithm) \(g) threads \(threads): forward allocated \(allocated) bytes over 20 calls")
        }
    }
}
