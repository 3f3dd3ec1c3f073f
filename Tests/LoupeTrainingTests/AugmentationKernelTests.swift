@testable import LoupeTraining
import LoupeModel
import XCTest
import LoupeTestSupport

/// Seeded random pixels in [low, high), shape `(c, h, w)` flattened.
func augmentationTestImage(_ c: Int, _ h: Int, _ w: Int, seed: UInt64, low: Float = 0, high: Float = 1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<(c * h * w)).map { _ in low + (high - low) * rng.uniform() }
}

/// Bitwise equality with the first differing index in the message.
func assertBitwiseEqual(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    if let i = (0..<min(a.count, b.count)).first(where: { a[$0].bitPattern != b[$0].bitPattern }) {
        XCTFail("\(what): first difference at \(i): \(a[i]) vs \(b[i])", file: file, line: line)
    }
}

/// Each SIMD kernel against its scalar `...Reference` twin on seeded data, at sizes below, at and
/// above the 16-lane tile and at the 300x300 of ELPV cells.
final class AugmentationKernelTests: XCTestCase {
    typealias K = AugmentationKernels
    /// (C, H, W): odd sizes, exactly one/two tiles, one tile ± 1, a 1x1, and an ELPV cell.
    let shapes = [(1, 7, 5), (3, 17, 33), (1, 300, 300), (2, 16, 16), (1, 1, 1), (1, 15, 17), (2, 32, 48), (1, 5, 31)]

    /// Runs a src → dst kernel and its twin on the same input (output of `outCount` Floats).
    private func compare(_ what: String, input: [Float], outCount: Int,
                         _ fast: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void,
                         _ reference: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        var a = [Float](repeating: .nan, count: outCount), b = a
        input.withUnsafeBufferPointer { i in
            a.withUnsafeMutableBufferPointer { fast(i.baseAddress!, $0.baseAddress!) }
            b.withUnsafeMutableBufferPointer { reference(i.baseAddress!, $0.baseAddress!) }
        }
        XCTAssertFalse(a.contains { $0.isNaN }, "\(what): output not fully written")
        assertBitwiseEqual(a, b, what)
    }

    func testFlipsMatchTheirTwins() {
        for (c, h, w) in shapes {
            let x = augmentationTestImage(c, h, w, seed: UInt64(c * 1000 + h * 10 + w))
            compare("flipH \(c)x\(h)x\(w)", input: x, outCount: x.count,
                    { K.flipHorizontal($0, into: $1, planes: c, height: h, width: w) },
                    { K.flipHorizontalReference($0, into: $1, planes: c, height: h, width: w) })
            compare("flipV \(c)x\(h)x\(w)", input: x, outCount: x.count,
                    { K.flipVertical($0, into: $1, planes: c, height: h, width: w) },
                    { K.flipVerticalReference($0, into: $1, planes: c, height: h, width: w) })
        }
    }

    func testTransposeAndRotationsMatchTheirTwins() {
        for (c, h, w) in shapes {
            let x = augmentationTestImage(c, h, w, seed: UInt64(h * 31 + w))
            for rr in [false, true] { for rc in [false, true] {
                compare("transpose rr=\(rr) rc=\(rc) \(c)x\(h)x\(w)", input: x, outCount: x.count,
                        { K.transpose($0, into: $1, planes: c, height: h, width: w, reverseRows: rr, reverseColumns: rc) },
                        { K.transposeReference($0, into: $1, planes: c, height: h, width: w, reverseRows: rr, reverseColumns: rc) })
            } }
            for k in 0..<4 {
                compare("rot90 k=\(k) \(c)x\(h)x\(w)", input: x, outCount: x.count,
                        { K.rotate90($0, into: $1, planes: c, height: h, width: w, quarterTurns: k) },
                        { K.rotate90Reference($0, into: $1, planes: c, height: h, width: w, quarterTurns: k) })
            }
        }
    }

    func testShiftMatchesItsTwin() {
        for (c, h, w) in shapes {
            let x = augmentationTestImage(c, h, w, seed: UInt64(h + w))
            let moves = [(0, 0), (1, 0), (0, -1), (3, -2), (-5, 4), (w, 0), (0, -h), (-w - 2, h + 3), (17, 17), (-16, -15)]
            for (dx, dy) in moves {
                for fill in [AugmentationConfig.ShiftFill.replicateEdge, .constant(0.25)] {
                    compare("shift (\(dx), \(dy)) \(fill) \(c)x\(h)x\(w)", input: x, outCount: x.count,
                            { K.shift($0, into: $1, planes: c, height: h, width: w, dx: dx, dy: dy, fill: fill) },
                            { K.shiftReference($0, into: $1, planes: c, height: h, width: w, dx: dx, dy: dy, fill: fill) })
                }
            }
        }
    }

    func testFlipTwiceAndFourQuarterTurnsAreIdentity() {
        for (c, h, w) in shapes {
            let x = augmentationTestImage(c, h, w, seed: 77)
            var a = x, b = x
            for _ in 0..<2 { K.flipHorizontal(a, into: &b, planes: c, height: h, width: w); a = b }
            assertBitwiseEqual(a, x, "flipH∘flipH \(c)x\(h)x\(w)")
            for _ in 0..<2 { K.flipVertical(a, into: &b, planes: c, height: h, width: w); a = b }
            assertBitwiseEqual(a, x, "flipV∘flipV \(c)x\(h)x\(w)")
            var (rh, rw) = (h, w)
            for _ in 0..<4 {
                K.rotate90(a, into: &b, planes: c, height: rh, width: rw, quarterTurns: 1)
                a = b
                (rh, rw) = (rw, rh)
            }
            assertBitwiseEqual(a, x, "rot90⁴ \(c)x\(h)x\(w)")
        }
    }

    /// numpy: `np.rot90([[1, 2, 3], [4, 5, 6]], k)`.
    func testQuarterTurnsOfAHandMade2x3() {
        let x: [Float] = [1, 2, 3,
                          4, 5, 6]
        let expected: [[Float]] = [[1, 2, 3, 4, 5, 6], [3, 6, 2, 5, 1, 4], [6, 5, 4, 3, 2, 1], [4, 1, 5, 2, 6, 3]]
        for k in 0..<4 {
            var out = [Float](repeating: 0, count: 6)
            K.rotate90(x, into: &out, planes: 1, height: 2, width: 3, quarterTurns: k)
            XCTAssertEqual(out, expected[k], "k = \(k)")
            K.rotate90Reference(x, into: &out, planes: 1, height: 2, width: 3, quarterTurns: k)
            XCTAssertEqual(out, expected[k], "reference k = \(k)")
        }
    }

    func testAffineClampAndNoiseMatchTheirTwins() {
        for (c, h, w) in shapes {
            let n = c * h * w
            let x = augmentationTestImage(c, h, w, seed: UInt64(n), low: -0.2, high: 1.2)
            for (scale, offset) in [(Float(1.17), Float(-0.08)), (0.81, 0.13)] {
                var a = x, b = x
                K.affineClamp(&a, count: n, scale: scale, offset: offset)
                K.affineClampReference(&b, count: n, scale: scale, offset: offset)
                assertBitwiseEqual(a, b, "affine \(scale) \(offset) \(c)x\(h)x\(w)")
            }
            for (sigma, seed) in [(Float(0.02), UInt64(1)), (0.3, 0xDEAD_BEEF_1234_5678)] {
                var a = x, b = x
                K.addNoiseClamp(&a, count: n, sigma: sigma, seed: seed)
                K.addNoiseClampReference(&b, count: n, sigma: sigma, seed: seed)
                assertBitwiseEqual(a, b, "noise σ=\(sigma) \(c)x\(h)x\(w)")
                XCTAssertTrue(a.allSatisfy { $0 >= 0 && $0 <= 1 })
            }
        }
    }

    /// The twins share the noise formula, so check the formula itself: mean 0 and σ as asked.
    func testNoiseHasTheRequestedStandardDeviation() {
        let n = 300 * 300, sigma: Float = 0.05
        var x = [Float](repeating: 0.5, count: n)
        K.addNoiseClamp(&x, count: n, sigma: sigma, seed: 42)
        let d = x.map { Double($0) - 0.5 }
        let mean = d.reduce(0, +) / Double(n)
        let std = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.001)
        XCTAssertEqual(std, Double(sigma), accuracy: 0.01 * Double(sigma))
        XCTAssertLessThanOrEqual(d.map(abs).max()!, 2 * 3.0.squareRoot() * Double(sigma) + 1e-6, "Irwin–Hall bound")
        XCTAssertGreaterThan(Set(x).count, n / 10, "noise has fine resolution")
    }

    func testSumMatchesDoubleTwin() {
        for (c, h, w) in shapes {
            let x = augmentationTestImage(c, h, w, seed: 5)
            let fast = K.sum(x, count: x.count), reference = K.sumReference(x, count: x.count)
            XCTAssertEqual(fast, reference, accuracy: 2e-6 * max(1, reference), "\(c)x\(h)x\(w)")
        }
    }

    /// The polynomial x^γ against `pow` in Double, over the whole allowed γ range: every 8-bit level,
    /// 2²⁰ evenly spaced points, tiny values and the bounds 0 and 1. Also bounds `powf`, the twin.
    func testGammaPolynomialErrorBound() {
        var points: [Float] = (0...255).map { Float($0) / 255 }
        points += (0..<(1 << 20)).map { Float($0) / Float(1 << 20) }
        points += [1, 0, .leastNormalMagnitude, .leastNonzeroMagnitude, 1e-30, 1e-20, 1e-10, 1e-5, 0.999_999_9, 0.5, 0.25]
        points += [-0.5, 1.5]  // clamped first
        var worstPoly = 0.0, worstPowf = 0.0, worstTable = 0.0
        let table = UnsafeMutablePointer<Float>.allocate(capacity: 4097)
        defer { table.deallocate() }
        for step in 0...20 {
            let gamma = expf(Float(step - 10) / 10)  // ln γ in [−1, 1]
            var poly = points, ref = points, lut = points
            K.gammaPolynomial(&poly, count: points.count, gamma: gamma)
            K.gammaReference(&ref, count: points.count, gamma: gamma)
            K.gammaTable(&lut, count: points.count, gamma: gamma, table: table)
            for i in points.indices {
                let exact = pow(min(max(Double(points[i]), 0), 1), Double(gamma))
                worstPoly = max(worstPoly, abs(Double(poly[i]) - exact))
                worstPowf = max(worstPowf, abs(Double(ref[i]) - exact))
                worstTable = max(worstTable, abs(Double(lut[i]) - exact))
                XCTAssertTrue(poly[i] >= 0 && poly[i] <= 1, "x = \(points[i]) γ = \(gamma): \(poly[i])")
            }
            XCTAssertEqual(poly[points.count - 13], 1, "1^γ = 1 exactly")
            XCTAssertEqual(poly[points.count - 12], 0, "0^γ = 0")
        }
        print("gamma max abs error vs Double pow, γ in [e⁻¹, e]: polynomial \(worstPoly), powf \(worstPowf), 4096-table \(worstTable)")
        XCTAssertLessThanOrEqual(worstPoly, 1e-7, "stated in gammaPolynomial's doc comment")
        XCTAssertLessThanOrEqual(worstPowf, 6e-8, "powf within one ulp of 1")
    }

    /// Odd counts take the padded-tail path; it must agree with the vector body.
    func testGammaTailMatchesBody() {
        let x = augmentationTestImage(1, 1, 37, seed: 9)
        var whole = x
        K.gammaPolynomial(&whole, count: 37, gamma: 0.8)
        for count in [1, 15, 17, 31] {
            var part = x
            K.gammaPolynomial(&part, count: count, gamma: 0.8)
            assertBitwiseEqual(Array(part[..<count]), Array(whole[..<count]), "tail of \(count)")
            assertBitwiseEqual(Array(part[count...]), Array(x[count...]), "beyond count \(count) untouched")
        }
    }
}
