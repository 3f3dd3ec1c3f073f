import XCTest
import LoupeKernels
import LoupeTestSupport

/// Every SIMD kernel in `Kernels` against its scalar twin in `ReferenceKernels`, at sizes
/// below, at, above and at multiples of the 16-lane vector width.
final class KernelsTests: XCTestCase {
    static let counts = [1, 15, 16, 17, 32, 33, 97]

    func testPoolsMatchReference() {
        var rng = SplitMix64(seed: 11)
        let windows = [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 1, 0), (3, 3, 0), (5, 2, 2)]
        for (h, w) in [(1, 1), (5, 7), (19, 19), (38, 38), (40, 75), (9, 150)] {
            for (k, s, p) in windows {
                let g = PoolGeometry(channels: 3, inHeight: h, inWidth: w, kernel: k, stride: s, padding: p)
                guard g.isValid else { continue }
                let input = rng.floats(3 * h * w)
                let n = 3 * g.outHeight * g.outWidth
                var got = [Float](repeating: .nan, count: n), want = got
                Kernels.maxPool2d(g, input: input, output: &got)
                ReferenceKernels.maxPool2d(g, input: input, output: &want)
                XCTAssertEqual(got, want, "max \(g)")
                for include in [false, true] {
                    Kernels.avgPool2d(g, countIncludePad: include, input: input, output: &got)
                    ReferenceKernels.avgPool2d(g, countIncludePad: include, input: input, output: &want)
                    assertClose(got, want, absolute: 1e-6, relative: 1e-5, "avg \(g) includePad \(include)")
                }
            }
        }
    }

    func testGlobalAveragePoolMatchesReference() {
        var rng = SplitMix64(seed: 12)
        for spatial in Self.counts + [361] {
            let input = rng.floats(5 * spatial)
            var got = [Float](repeating: .nan, count: 5), want = got
            Kernels.globalAveragePool(channels: 5, spatial: spatial, input: input, output: &got)
            ReferenceKernels.globalAveragePool(channels: 5, spatial: spatial, input: input, output: &want)
            assertClose(got, want, absolute: 1e-6, relative: 1e-5, "spatial \(spatial)")
        }
    }

    func testDenseMatchesReference() {
        var rng = SplitMix64(seed: 13)
        for inFeatures in Self.counts + [128] {
            for outFeatures in [1, 2, 17] {
                for activation in [Activation.none, .relu] {
                    let batch = 3
                    let x = rng.floats(batch * inFeatures), w = rng.floats(outFeatures * inFeatures), b = rng.floats(outFeatures)
                    var got = [Float](repeating: .nan, count: batch * outFeatures), want = got
                    Kernels.dense(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures, input: x, weights: w, bias: b,
                                  activation: activation, output: &got)
                    ReferenceKernels.dense(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures, input: x, weights: w,
                                           bias: b, activation: activation, output: &want)
                    assertClose(got, want, absolute: 1e-5, relative: 1e-4, "in \(inFeatures) out \(outFeatures)")
                    Kernels.dense(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures, input: x, weights: w, bias: nil,
                                  activation: activation, output: &got)
                    ReferenceKernels.dense(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures, input: x, weights: w,
                                           bias: nil, activation: activation, output: &want)
                    assertClose(got, want, absolute: 1e-5, relative: 1e-4, "no bias, in \(inFeatures) out \(outFeatures)")
                }
            }
        }
    }

    func testSoftmaxMatchesReference() {
        var rng = SplitMix64(seed: 14)
        for width in Self.counts {
            let input = rng.floats(3 * width).map { $0 * 20 }
            var got = [Float](repeating: .nan, count: 3 * width), want = got
            Kernels.softmax(rows: 3, width: width, input: input, output: &got)
            ReferenceKernels.softmax(rows: 3, width: width, input: input, output: &want)
            assertClose(got, want, absolute: 1e-7, relative: 1e-5, "width \(width)")
        }
    }

    func testAddAndReluMatchReferenceIncludingInPlace() {
        var rng = SplitMix64(seed: 15)
        for count in Self.counts {
            let a = rng.floats(count), b = rng.floats(count)
            for activation in [Activation.none, .relu] {
                var got = [Float](repeating: .nan, count: count), want = got
                Kernels.add(count: count, a, b, activation: activation, output: &got)
                ReferenceKernels.add(count: count, a, b, activation: activation, output: &want)
                XCTAssertEqual(got, want)
                var inPlace = a
                inPlace.withUnsafeMutableBufferPointer { p in
                    Kernels.add(count: count, p.baseAddress!, b, activation: activation, output: p.baseAddress!)
                }
                XCTAssertEqual(inPlace, want, "in place, count \(count)")
            }
            var got = [Float](repeating: .nan, count: count), want = got
            Kernels.relu(count: count, input: a, output: &got)
            ReferenceKernels.relu(count: count, input: a, output: &want)
            XCTAssertEqual(got, want)
            var inPlace = a
            inPlace.withUnsafeMutableBufferPointer { p in Kernels.relu(count: count, input: p.baseAddress!, output: p.baseAddress!) }
            XCTAssertEqual(inPlace, want, "in place, count \(count)")
        }
    }
}
