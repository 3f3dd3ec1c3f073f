@testable import LoupeTraining
import LoupeModel
import XCTest
import LoupeTestSupport

/// ``Augmenter`` end to end: the SIMD pipeline against the literal scalar sequence, determinism,
/// the draws' meaning, validation and no allocation per image.
final class AugmentationPipelineTests: XCTestCase {
    private func augmented(_ augmenter: Augmenter, _ x: [Float], seed: UInt64) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        augmenter.apply(x, into: &out, seed: seed)
        return out
    }

    private func reference(_ augmenter: Augmenter, _ x: [Float], seed: UInt64) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        augmenter.applyReference(x, into: &out, draw: augmenter.draw(seed: seed))
        return out
    }

    /// Flips and rotation folded into one pass (``AugmentationDraw/orientation``) must equal the
    /// flips and rotation applied one by one, for all 16 draws, with shifts and both fills.
    func testGeometryMatchesTheLiteralSequenceBitForBit() throws {
        for (c, h, w) in [(1, 7, 5), (3, 17, 33), (1, 300, 300), (2, 19, 19), (1, 16, 16)] {
            for fill in [AugmentationConfig.ShiftFill.replicateEdge, .constant(0.75)] {
                let config = AugmentationConfig(flips: true, rotate90: true, maxShift: 3, shiftFill: fill)
                let augmenter = try Augmenter(config: config, channels: c, height: h, width: w)
                let x = augmentationTestImage(c, h, w, seed: UInt64(h * w))
                var seen = Set<Int>()
                for seed in UInt64(0)..<64 {
                    let d = augmenter.draw(seed: seed)
                    seen.insert((d.flipHorizontal ? 1 : 0) + (d.flipVertical ? 2 : 0) + 4 * d.quarterTurns)
                    assertBitwiseEqual(augmented(augmenter, x, seed: seed), reference(augmenter, x, seed: seed),
                                       "\(c)x\(h)x\(w) \(fill) seed \(seed) \(d)")
                }
                XCTAssertEqual(seen.count, h == w ? 16 : 8, "all flip/rotation draws exercised for \(h)x\(w)")
            }
        }
    }

    /// Photometric steps differ from the oracle only by the gamma polynomial (≤ 1e-7) and the
    /// Float-vs-Double mean, amplified by the gamma curve's slope near 0.
    func testFullPipelineMatchesReference() throws {
        let config = AugmentationConfig(flips: true, rotate90: true, maxShift: 8, brightness: 0.2, contrast: 0.5, gamma: 1, noise: 0.1)
        for (c, h, w) in [(1, 7, 5), (3, 17, 33), (1, 300, 300)] {
            let augmenter = try Augmenter(config: config, channels: c, height: h, width: w)
            let x = augmentationTestImage(c, h, w, seed: 3)
            var worst: Float = 0
            for seed in UInt64(0)..<12 {
                let a = augmented(augmenter, x, seed: seed), b = reference(augmenter, x, seed: seed)
                worst = max(worst, zip(a, b).map { abs($0 - $1) }.max()!)
            }
            XCTAssertLessThanOrEqual(worst, 1e-5, "\(c)x\(h)x\(w)")
        }
    }

    func testSameSeedSameOutputDifferentSeedDifferentOutput() throws {
        let augmenter = try Augmenter(config: .inspectionDefault, channels: 1, height: 300, width: 300)
        let x = augmentationTestImage(1, 300, 300, seed: 11)
        let first = augmented(augmenter, x, seed: 1234)
        assertBitwiseEqual(augmented(augmenter, x, seed: 1234), first, "same seed, same augmenter")
        let other = try Augmenter(config: .inspectionDefault, channels: 1, height: 300, width: 300)
        assertBitwiseEqual(augmented(other, x, seed: 1234), first, "same seed, fresh augmenter")
        var outputs = Set<[UInt32]>()
        for seed in UInt64(0)..<20 { outputs.insert(augmented(augmenter, x, seed: seed).map(\.bitPattern)) }
        XCTAssertEqual(outputs.count, 20, "20 seeds, 20 different images")
        let seeds = Set((0..<3).flatMap { e in (0..<100).map { Augmenter.sampleSeed(runSeed: 7, epoch: e, sampleIndex: $0) } })
        XCTAssertEqual(seeds.count, 300, "sample seeds differ across epochs and samples")
        XCTAssertEqual(Augmenter.sampleSeed(runSeed: 7, epoch: 2, sampleIndex: 5), Augmenter.sampleSeed(runSeed: 7, epoch: 2, sampleIndex: 5))
    }

    func testInPlaceEqualsSourceToDestinationAndLeavesSourceAlone() throws {
        for config in [AugmentationConfig.inspectionDefault, AugmentationConfig(flips: true), AugmentationConfig(maxShift: 4),
                       AugmentationConfig(rotate90: true, maxShift: 2), AugmentationConfig(noise: 0.1)] {
            let augmenter = try Augmenter(config: config, channels: 2, height: 33, width: 33)
            let x = augmentationTestImage(2, 33, 33, seed: 21)
            for seed in UInt64(0)..<16 {
                let copy = x
                let out = augmented(augmenter, copy, seed: seed)
                assertBitwiseEqual(copy, x, "source unchanged")
                var inPlace = x
                inPlace.withUnsafeMutableBufferPointer { _ = augmenter.apply($0.baseAddress!, seed: seed) }
                assertBitwiseEqual(inPlace, out, "in place, \(config), seed \(seed)")
            }
        }
    }

    func testNoneIsIdentityEvenOutsideUnitRange() throws {
        let augmenter = try Augmenter(config: .none, channels: 3, height: 17, width: 33)
        let x = augmentationTestImage(3, 17, 33, seed: 8, low: -0.5, high: 1.5)
        for seed in UInt64(0)..<10 {
            assertBitwiseEqual(augmented(augmenter, x, seed: seed), x, "seed \(seed)")
            XCTAssertEqual(augmenter.draw(seed: seed), AugmentationDraw())
        }
    }

    func testOutputStaysInUnitRange() throws {
        let strong = AugmentationConfig(flips: true, rotate90: true, maxShift: 20, shiftFill: .constant(1),
                                        brightness: 1, contrast: 0.99, gamma: 1, noise: 1)
        for config in [AugmentationConfig.inspectionDefault, strong, AugmentationConfig(brightness: 0.3), AugmentationConfig(gamma: 1)] {
            let augmenter = try Augmenter(config: config, channels: 1, height: 64, width: 64)
            let x = augmentationTestImage(1, 64, 64, seed: 4)
            for seed in UInt64(0)..<50 {
                let out = augmented(augmenter, x, seed: seed)
                XCTAssertTrue(out.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(config) seed \(seed): [\(out.min()!), \(out.max()!)]")
            }
        }
    }

    /// One bright pixel moves by exactly the drawn shift, and the draws cover −s…s on both axes.
    func testShiftMovesABrightPixelByTheDrawnAmount() throws {
        let s = 5, h = 31, w = 40
        for fill in [AugmentationConfig.ShiftFill.replicateEdge, .constant(0)] {
            let augmenter = try Augmenter(config: AugmentationConfig(maxShift: s, shiftFill: fill), channels: 1, height: h, width: w)
            var x = [Float](repeating: 0, count: h * w)
            x[15 * w + 20] = 1
            var seenX = Set<Int>(), seenY = Set<Int>()
            for seed in UInt64(0)..<300 {
                let out = augmented(augmenter, x, seed: seed)
                let d = augmenter.draw(seed: seed)
                XCTAssertEqual(out.firstIndex(of: 1), (15 + d.shiftY) * w + 20 + d.shiftX, "seed \(seed)")
                XCTAssertEqual(out.reduce(0, +), 1, "exactly one bright pixel")
                seenX.insert(d.shiftX)
                seenY.insert(d.shiftY)
            }
            XCTAssertEqual(seenX, Set(-s...s))
            XCTAssertEqual(seenY, Set(-s...s))
        }
    }

    func testDrawsStayInTheirRanges() throws {
        let config = AugmentationConfig.inspectionDefault
        let square = try Augmenter(config: config, channels: 1, height: 300, width: 300)
        let wide = try Augmenter(config: config, channels: 1, height: 20, width: 30)
        var flips = 0, turns = Set<Int>(), wideTurns = Set<Int>()
        var brightness: ClosedRange<Float> = 0...0, contrast: ClosedRange<Float> = 1...1, gamma: ClosedRange<Float> = 1...1
        var sigma: ClosedRange<Float> = 0...0
        for seed in UInt64(0)..<2000 {
            let d = square.draw(seed: seed)
            flips += d.flipHorizontal ? 1 : 0
            turns.insert(d.quarterTurns)
            wideTurns.insert(wide.draw(seed: seed).quarterTurns)
            brightness = min(brightness.lowerBound, d.brightness)...max(brightness.upperBound, d.brightness)
            contrast = min(contrast.lowerBound, d.contrast)...max(contrast.upperBound, d.contrast)
            gamma = min(gamma.lowerBound, d.gamma)...max(gamma.upperBound, d.gamma)
            sigma = min(sigma.lowerBound, d.noiseSigma)...max(sigma.upperBound, d.noiseSigma)
        }
        XCTAssertEqual(Double(flips) / 2000, 0.5, accuracy: 0.05)
        XCTAssertEqual(turns, [0, 1, 2, 3])
        XCTAssertEqual(wideTurns, [0, 2], "non-square images only turn by half turns")
        XCTAssertTrue(brightness.lowerBound >= -0.1 && brightness.lowerBound < -0.09 && brightness.upperBound <= 0.1 && brightness.upperBound > 0.09)
        XCTAssertTrue(contrast.lowerBound >= 0.8 && contrast.lowerBound < 0.82 && contrast.upperBound <= 1.2 && contrast.upperBound > 1.18)
        XCTAssertTrue(gamma.lowerBound >= expf(-0.2) * 0.999_99 && gamma.lowerBound < 0.83 && gamma.upperBound <= expf(0.2) * 1.000_01 && gamma.upperBound > 1.2)
        XCTAssertTrue(sigma.lowerBound >= 0 && sigma.upperBound <= 0.02 && sigma.upperBound > 0.019)
    }

    /// Brightness adds, contrast scales around the mean (so the mean stays), both as documented.
    func testBrightnessAndContrastMeaning() throws {
        let augmenter = try Augmenter(config: .none, channels: 1, height: 10, width: 10)
        let x = augmentationTestImage(1, 10, 10, seed: 6, low: 0.3, high: 0.6)
        let mean = x.reduce(0, +) / 100
        var d = AugmentationDraw()
        d.brightness = 0.1
        var out = [Float](repeating: 0, count: 100)
        augmenter.apply(x, into: &out, draw: d)
        for i in 0..<100 { XCTAssertEqual(out[i], x[i] + 0.1, accuracy: 1e-6) }
        d = AugmentationDraw()
        d.contrast = 1.5
        augmenter.apply(x, into: &out, draw: d)
        for i in 0..<100 { XCTAssertEqual(out[i], mean + 1.5 * (x[i] - mean), accuracy: 1e-6) }
        XCTAssertEqual(out.reduce(0, +) / 100, mean, accuracy: 1e-6)
    }

    func testConfigValidationNamesTheField() {
        let bad: [(AugmentationConfig, String)] = [
            (AugmentationConfig(maxShift: -1), "maxShift"), (AugmentationConfig(brightness: .nan), "brightness"),
            (AugmentationConfig(contrast: 1), "contrast"), (AugmentationConfig(gamma: 1.5), "gamma"),
            (AugmentationConfig(noise: -0.1), "noise"), (AugmentationConfig(shiftFill: .constant(.infinity)), "shiftFill"),
        ]
        for (config, field) in bad {
            XCTAssertThrowsError(try Augmenter(config: config, channels: 1, height: 8, width: 8)) { error in
                guard case let .invalidAugmentation(f, _, _)? = error as? TrainingError else { return XCTFail("\(error)") }
                XCTAssertEqual(f, field)
            }
        }
        XCTAssertThrowsError(try Augmenter(config: .none, channels: 1, height: 0, width: 8))
        XCTAssertNoThrow(try AugmentationConfig.inspectionDefault.validate())
    }

    func testConfigRoundTripsThroughJSON() throws {
        for config in [AugmentationConfig.inspectionDefault, .none, AugmentationConfig(maxShift: 3, shiftFill: .constant(0.5))] {
            let data = try JSONEncoder().encode(config)
            XCTAssertEqual(try JSONDecoder().decode(AugmentationConfig.self, from: data), config)
        }
    }

    /// After setup, augmenting an image calls the allocator zero times, in place and src → dst.
    func testApplyMakesNoAllocatorCalls() throws {
        let config = AugmentationConfig(flips: true, rotate90: true, maxShift: 8, shiftFill: .constant(0),
                                        brightness: 0.1, contrast: 0.2, gamma: 0.2, noise: 0.02)
        for c in [AugmentationConfig.inspectionDefault, config] {
            let augmenter = try Augmenter(config: c, channels: 1, height: 300, width: 300)
            let source = UnsafeMutablePointer<Float>.allocate(capacity: augmenter.count)
            let destination = UnsafeMutablePointer<Float>.allocate(capacity: augmenter.count)
            defer { source.deallocate(); destination.deallocate() }
            for i in 0..<augmenter.count { source[i] = Float(i % 251) / 251 }
            augmenter.apply(source, into: destination, seed: 0)
            augmenter.apply(destination, seed: 1)
            let calls = AllocationCounter.callsOnThisThread {
                for seed in UInt64(0)..<32 {
                    augmenter.apply(source, into: destination, seed: seed)
                    augmenter.apply(destination, seed: seed &+ 100)
                }
            }
            XCTAssertEqual(calls, 0)
        }
    }
}
