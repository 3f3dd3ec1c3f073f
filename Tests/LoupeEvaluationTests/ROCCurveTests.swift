import XCTest
@testable import LoupeEvaluation

final class ROCCurveTests: XCTestCase {
    /// Defects 0.9, 0.5, 0.5; goods 0.5, 0.1. Pairs (defect, good): 0.9 beats both (2), each 0.5
    /// ties the good 0.5 (½ each) and beats 0.1 (1 each): (2 + 1.5 + 1.5) / 6 = 5/6.
    /// Points: (0,0); 0.9 → (0, 1/3); the 0.5 tie (2 defects + 1 good) → (1/2, 1); 0.1 → (1, 1).
    func testTiesByHand() {
        let roc = ROCCurve(scores: [0.9, 0.5, 0.5, 0.5, 0.1], isDefective: [true, true, true, false, false])
        XCTAssertEqual(roc.auc!, 5.0 / 6, accuracy: 1e-15)
        XCTAssertEqual(roc.trapezoidArea, 5.0 / 6, accuracy: 1e-15)
        XCTAssertEqual(roc.points.map(\.falsePositiveRate), [0, 0, 0.5, 1])
        XCTAssertEqual(roc.points.map(\.truePositiveRate), [0, 1.0 / 3, 1, 1])
        XCTAssertEqual(roc.points.map(\.lowestRejectedScore), [nil, 0.9, 0.5, 0.1])
    }

    func testSeparatedReversedAndConstantScores() {
        XCTAssertEqual(ROCCurve(scores: [0.8, 0.7, 0.2], isDefective: [true, true, false]).auc, 1)
        XCTAssertEqual(ROCCurve(scores: [0.1, 0.2, 0.9], isDefective: [true, true, false]).auc, 0)
        let constant = ROCCurve(scores: [0.4, 0.4, 0.4, 0.4], isDefective: [true, false, false, true])
        XCTAssertEqual(constant.auc, 0.5)
        XCTAssertEqual(constant.points.count, 2)  // (0,0) then everything at once
        XCTAssertEqual(constant.points.last?.falsePositiveRate, 1)
        XCTAssertEqual(constant.points.last?.truePositiveRate, 1)
    }

    func testUndefinedWithoutBothClasses() {
        XCTAssertNil(ROCCurve(scores: [0.3, 0.9], isDefective: [true, true]).auc)
        XCTAssertTrue(ROCCurve(scores: [0.3, 0.9], isDefective: [false, false]).points.isEmpty)
    }

    /// Mann–Whitney AUC equals the trapezoidal area and the brute-force pair count on tie-heavy data,
    /// and the curve is monotone from (0,0) to (1,1) with one point per distinct score.
    func testMannWhitneyMatchesPairCountAndArea() {
        for seed in UInt64(1)...20 {
            let samples = randomSamples(count: 37 + Int(seed) * 7, classes: 2, seed: seed)
            let scores = samples.map(\.defectScore), truth = samples.map(\.isDefective)
            let roc = ROCCurve(scores: scores, isDefective: truth)
            var wins = 0.0, pairs = 0.0
            for (s, d) in zip(scores, truth) where d {
                for (t, g) in zip(scores, truth) where !g {
                    pairs += 1
                    wins += s > t ? 1 : s == t ? 0.5 : 0
                }
            }
            XCTAssertEqual(roc.auc!, wins / pairs, accuracy: 1e-12, "seed \(seed)")
            XCTAssertEqual(roc.trapezoidArea, roc.auc!, accuracy: 1e-12, "seed \(seed)")
            XCTAssertEqual(roc.points.count, Set(scores).count + 1)
            XCTAssertEqual(roc.points.last?.falsePositiveRate, 1)
            XCTAssertEqual(roc.points.last?.truePositiveRate, 1)
            for (a, b) in zip(roc.points, roc.points.dropFirst()) {
                XCTAssertLessThanOrEqual(a.falsePositiveRate, b.falsePositiveRate)
                XCTAssertLessThanOrEqual(a.truePositiveRate, b.truePositiveRate)
            }
        }
    }
}
