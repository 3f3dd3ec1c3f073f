import XCTest
@testable import LoupeEvaluation

final class ThresholdCalibrationTests: XCTestCase {
    // Defects 0.9, 0.8, 0.3, 0.1; goods 0.7, 0.5, 0.2, 0.05. From the top: D D G G D G D G.
    let scores: [Float] = [0.9, 0.8, 0.3, 0.1, 0.7, 0.5, 0.2, 0.05]
    let truth = [true, true, true, true, false, false, false, false]

    private func calibrate(_ target: Double) throws -> ThresholdCalibration {
        try ThresholdCalibrator.calibrate(scores: scores, isDefective: truth, targetEscapeRate: target)
    }

    /// By hand: 25 % allows 1 escape of 4 → reject down to 0.3 (overkill 0.7, 0.5), pass 0.2 → 0.25.
    /// 50 % allows 2 → reject 0.9, 0.8 → midway to 0.7 → 0.75, no overkill. 0 % → reject down to
    /// 0.1 (overkill 0.7, 0.5, 0.2) → 0.075. 20 % allows ⌊0.8⌋ = 0 → as 0 %.
    func testHandComputedTargets() throws {
        let quarter = try calibrate(0.25)
        XCTAssertEqual(quarter.threshold, 0.25, accuracy: 1e-7)
        XCTAssertEqual([quarter.escapes, quarter.overkills], [1, 2])
        XCTAssertEqual(quarter.escapeRate, 0.25)
        XCTAssertEqual(quarter.overkill, 0.5)

        let half = try calibrate(0.5)
        XCTAssertEqual(half.threshold, 0.75, accuracy: 1e-7)
        XCTAssertEqual([half.escapes, half.overkills], [2, 0])

        let zero = try calibrate(0)
        XCTAssertEqual(zero.threshold, 0.075, accuracy: 1e-7)
        XCTAssertEqual([zero.escapes, zero.overkills], [0, 3])
        XCTAssertEqual(try calibrate(0.2), ThresholdCalibration(
            targetEscapeRate: 0.2, threshold: zero.threshold, escapeRate: 0, overkill: 0.75, escapes: 0, overkills: 3, defects: 4, goods: 4))
    }

    /// Target 100 % needs no rejection, but the two defect-only levels at the top cost no good part:
    /// rejecting them is strictly better (same overkill 0, fewer escapes), so the result equals 50 %'s.
    func testFreeRejectionsOfDefectOnlyLevels() throws {
        let all = try calibrate(1)
        XCTAssertEqual(all.threshold, try calibrate(0.5).threshold)
        XCTAssertEqual([all.escapes, all.overkills], [2, 0])
        // Defects 0.9, 0.6, 0.55; goods 0.95, 0.5; 1 escape allowed: 0.6 meets it, 0.55 below is free.
        let c = try ThresholdCalibrator.calibrate(scores: [0.9, 0.6, 0.55, 0.95, 0.5], isDefective: [true, true, true, false, false],
                                                  targetEscapeRate: 0.5)
        XCTAssertEqual(c.threshold, 0.525, accuracy: 1e-7)
        XCTAssertEqual([c.escapes, c.overkills], [0, 1])
    }

    /// Nothing to reject at all (every defect passes is allowed and no defect level is free): threshold 1.
    func testNothingRejectedGivesThresholdOne() throws {
        let c = try ThresholdCalibrator.calibrate(scores: [0.2, 0.9], isDefective: [true, false], targetEscapeRate: 1)
        XCTAssertEqual(c.threshold, 1)
        XCTAssertEqual([c.escapes, c.overkills], [1, 0])
    }

    /// Rejecting everything puts the threshold midway between the lowest score and 0.
    func testRejectEverything() throws {
        let c = try ThresholdCalibrator.calibrate(scores: [0.3, 0.2, 0.4], isDefective: [true, true, false], targetEscapeRate: 0)
        XCTAssertEqual(c.threshold, 0.1, accuracy: 1e-7)
        XCTAssertEqual([c.escapes, c.overkills], [0, 1])
    }

    /// Adjacent Floats have no midpoint: the threshold is exactly the passed score, which still passes.
    func testAdjacentFloatsUseThePassedScore() throws {
        let low: Float = 0.5, high = Float(0.5).nextUp
        let c = try ThresholdCalibrator.calibrate(scores: [high, low], isDefective: [true, false], targetEscapeRate: 0)
        XCTAssertEqual(c.threshold, low)
        XCTAssertEqual(BinaryConfusion(scores: [high, low], isDefective: [true, false], threshold: c.threshold),
                       BinaryConfusion(truePositives: 1, falsePositives: 0, trueNegatives: 1, falseNegatives: 0))
        XCTAssertEqual(ThresholdCalibrator.midpointThreshold(lowestRejected: 0.75, highestPassed: 0.25), 0.5)
        XCTAssertEqual(ThresholdCalibrator.midpointThreshold(lowestRejected: Float.leastNonzeroMagnitude, highestPassed: 0), 0)
    }

    func testAllowedEscapesAbsorbsRounding() {
        XCTAssertEqual(ThresholdCalibrator.allowedEscapes(target: 0.29, defects: 100), 29)
        XCTAssertEqual(ThresholdCalibrator.allowedEscapes(target: 0.01, defects: 99), 0)
        XCTAssertEqual(ThresholdCalibrator.allowedEscapes(target: 0.01, defects: 100), 1)
        XCTAssertEqual(ThresholdCalibrator.allowedEscapes(target: 0, defects: 100), 0)
    }

    func testEdgeCasesThrowClearErrors() {
        func error(_ scores: [Float], _ truth: [Bool], _ target: Double) -> EvaluationError? {
            do {
                _ = try ThresholdCalibrator.calibrate(scores: scores, isDefective: truth, targetEscapeRate: target)
                return nil
            } catch { return error as? EvaluationError }
        }
        XCTAssertEqual(error([0.2, 0.3], [false, false], 0.01), .noDefects(operation: "reject-threshold calibration", samples: 2))
        XCTAssertEqual(error([0.2, 0.3], [true, true], 0.01), .noGoods(operation: "reject-threshold calibration", samples: 2))
        for bad in [-0.01, 1.5, .nan, .infinity] {
            guard case .invalidTarget(_, let received)? = error([0.2, 0.3], [true, false], bad) else {
                XCTFail("target \(bad) must be refused")
                continue
            }
            XCTAssertEqual(received.bitPattern, bad.bitPattern)
        }
        guard case .unreachableTarget(_, let target, let detail)? = error([0, 0.6, 0.3], [true, true, false], 0) else {
            return XCTFail("a defect scored 0 with target 0 must be unreachable")
        }
        XCTAssertEqual(target, 0)
        XCTAssertTrue(detail.contains("scored 0"), detail)
        // The same data with one escape allowed is fine: the zero-score defect escapes.
        XCTAssertNoThrow(try ThresholdCalibrator.calibrate(scores: [0, 0.6, 0.3], isDefective: [true, true, false], targetEscapeRate: 0.5))
        XCTAssertTrue("\(EvaluationError.noGoods(operation: "reject-threshold calibration", samples: 2))".contains("overkill is undefined"))
    }

    /// Brute-force twin: try every distinct verdict (reject scores > s for each distinct s, or reject
    /// all), keep those within the escape limit, take the least overkill and then the fewest escapes.
    /// The calibrator must land on the same counts, and its threshold must reproduce them under
    /// `score > threshold`, on tie-heavy random data and many targets.
    func testMatchesBruteForceOnRandomData() throws {
        let targets = [0, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1]
        for seed in UInt64(1)...40 {
            let samples = randomSamples(count: 20 + Int(seed) * 9, classes: 2, seed: seed &* 7919)
            let scores = samples.map(\.defectScore), truth = samples.map(\.isDefective)
            let defects = truth.filter { $0 }.count, goods = truth.count - defects
            guard defects > 0, goods > 0 else { continue }
            var candidates = Set(scores).map { Optional($0) }
            if scores.min()! > 0 { candidates.append(nil) }  // nil: reject everything
            for target in targets {
                let allowed = ThresholdCalibrator.allowedEscapes(target: target, defects: defects)
                var best: (overkills: Int, escapes: Int)?
                for candidate in candidates {
                    var escapes = 0, overkills = 0
                    for (score, defective) in zip(scores, truth) {
                        let rejected = candidate.map { score > $0 } ?? true
                        if defective && !rejected { escapes += 1 }
                        if !defective && rejected { overkills += 1 }
                    }
                    guard escapes <= allowed else { continue }
                    if best == nil || (overkills, escapes) < (best!.overkills, best!.escapes) { best = (overkills, escapes) }
                }
                let result = try ThresholdCalibrator.calibrate(scores: scores, isDefective: truth, targetEscapeRate: target)
                XCTAssertEqual(result.overkills, best!.overkills, "seed \(seed) target \(target)")
                XCTAssertEqual(result.escapes, best!.escapes, "seed \(seed) target \(target)")
                let check = BinaryConfusion(scores: scores, isDefective: truth, threshold: result.threshold)
                XCTAssertEqual([check.falseNegatives, check.falsePositives], [result.escapes, result.overkills], "seed \(seed) target \(target)")
                XCTAssertTrue((0...1).contains(result.threshold))
                XCTAssertLessThanOrEqual(result.escapeRate, target)
                // Midpoint rule: halfway between the highest passed and the lowest rejected score.
                let passed = scores.filter { $0 <= result.threshold }.max() ?? 0
                if let rejected = scores.filter({ $0 > result.threshold }).min() {
                    XCTAssertEqual(result.threshold, Float((Double(passed) + Double(rejected)) / 2), "seed \(seed) target \(target)")
                } else {
                    XCTAssertEqual(result.threshold, 1)
                }
            }
        }
    }
}
