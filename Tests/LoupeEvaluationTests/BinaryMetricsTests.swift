import XCTest
@testable import LoupeEvaluation

final class BinaryMetricsTests: XCTestCase {
    /// Defects 0.9, 0.6, 0.5, 0.3; goods 0.4, 0.2, 0.7, 0.1, 0.05; threshold 0.5 (0.5 itself passes).
    /// By hand: TP 2 (0.9, 0.6), FN 2 (0.5, 0.3), FP 1 (0.7), TN 4.
    func testHandComputedCaseAtThreshold() {
        let scores: [Float] = [0.9, 0.6, 0.5, 0.3, 0.4, 0.2, 0.7, 0.1, 0.05]
        let truth = [true, true, true, true, false, false, false, false, false]
        let metrics = BinaryMetrics(scores: scores, isDefective: truth, threshold: 0.5)
        XCTAssertEqual(metrics.confusion, BinaryConfusion(truePositives: 2, falsePositives: 1, trueNegatives: 4, falseNegatives: 2))
        XCTAssertEqual(metrics.accuracy!, 6.0 / 9, accuracy: 1e-15)
        XCTAssertEqual(metrics.precision!, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(metrics.recall!, 0.5, accuracy: 1e-15)
        XCTAssertEqual(metrics.f1!, 4.0 / 7, accuracy: 1e-15)
        XCTAssertEqual(metrics.f1!, 2 * metrics.precision! * metrics.recall! / (metrics.precision! + metrics.recall!), accuracy: 1e-15)
        XCTAssertEqual(metrics.specificity!, 0.8, accuracy: 1e-15)
        XCTAssertEqual(metrics.escapeRate!, 0.5, accuracy: 1e-15)
        XCTAssertEqual(metrics.overkill!, 0.2, accuracy: 1e-15)
    }

    /// The production rule is strict: a score equal to the threshold passes.
    func testScoreEqualToThresholdPasses() {
        let at = BinaryConfusion(scores: [0.5, 0.5], isDefective: [true, false], threshold: 0.5)
        XCTAssertEqual(at, BinaryConfusion(truePositives: 0, falsePositives: 0, trueNegatives: 1, falseNegatives: 1))
        let below = BinaryConfusion(scores: [0.5, 0.5], isDefective: [true, false], threshold: Float(0.5).nextDown)
        XCTAssertEqual(below, BinaryConfusion(truePositives: 1, falsePositives: 1, trueNegatives: 0, falseNegatives: 0))
    }

    /// Undefined ratios are nil, never a made-up 0 or 1.
    func testUndefinedRatiosAreNil() {
        let goodsOnlyAllPassed = BinaryMetrics(scores: [0.1, 0.2], isDefective: [false, false], threshold: 0.5)
        XCTAssertNil(goodsOnlyAllPassed.recall)
        XCTAssertNil(goodsOnlyAllPassed.escapeRate)
        XCTAssertNil(goodsOnlyAllPassed.precision)
        XCTAssertNil(goodsOnlyAllPassed.f1)
        XCTAssertEqual(goodsOnlyAllPassed.overkill, 0)
        XCTAssertEqual(goodsOnlyAllPassed.accuracy, 1)

        let goodsOnlyOneRejected = BinaryMetrics(scores: [0.1, 0.9], isDefective: [false, false], threshold: 0.5)
        XCTAssertEqual(goodsOnlyOneRejected.precision, 0)
        XCTAssertEqual(goodsOnlyOneRejected.f1, 0)
        XCTAssertEqual(goodsOnlyOneRejected.overkill, 0.5)

        let defectsNoneCaught = BinaryMetrics(scores: [0.1, 0.2], isDefective: [true, true], threshold: 0.5)
        XCTAssertNil(defectsNoneCaught.precision)
        XCTAssertNil(defectsNoneCaught.overkill)
        XCTAssertNil(defectsNoneCaught.specificity)
        XCTAssertEqual(defectsNoneCaught.recall, 0)
        XCTAssertEqual(defectsNoneCaught.f1, 0)
        XCTAssertEqual(defectsNoneCaught.escapeRate, 1)
    }

    /// classes a, b, c; truth [a, a, b, c, c, c]; argmax [a, b, b, c, a, c] → diagonal 4 of 6.
    func testMultiClassConfusionByHand() {
        let confusion = MultiClassConfusion(classes: ["a", "b", "c"], trueClasses: [0, 0, 1, 2, 2, 2],
                                            predictedClasses: [0, 1, 1, 2, 0, 2])
        XCTAssertEqual(confusion.counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
        XCTAssertEqual(confusion.accuracy!, 4.0 / 6, accuracy: 1e-15)
        XCTAssertEqual(confusion.recall(ofClass: 0)!, 0.5, accuracy: 1e-15)
        XCTAssertEqual(confusion.recall(ofClass: 2)!, 2.0 / 3, accuracy: 1e-15)
        XCTAssertNil(MultiClassConfusion(classes: ["a", "b"], trueClasses: [], predictedClasses: []).accuracy)
    }

    func testPredictedClassIsArgmaxFirstOnTies() {
        XCTAssertEqual(binarySample(0.7, defective: true).predictedClass, 1)
        XCTAssertEqual(EvalSample(path: "x", trueClass: 0, probabilities: [0.2, 0.4, 0.4], defectClasses: [2]).predictedClass, 1)
        XCTAssertEqual(EvalSample(path: "x", trueClass: 0, probabilities: [], defectScore: 0, isDefective: false).predictedClass, -1)
    }

    /// The convenience init sums the defect-class probabilities and takes the truth from the class.
    func testSampleFromDefectClasses() {
        let sample = EvalSample(path: "cell.png", trueClass: 2, probabilities: [0.1, 0.2, 0.3, 0.4], defectClasses: [2, 3])
        XCTAssertEqual(sample.defectScore, 0.7, accuracy: 1e-6)
        XCTAssertTrue(sample.isDefective)
        let good = EvalSample(path: "cell.png", trueClass: 1, probabilities: [0.1, 0.2, 0.3, 0.4], defectClasses: [2, 3])
        XCTAssertFalse(good.isDefective)
        // Rounding can push a sum of probabilities past 1: it is clamped.
        let rounded = EvalSample(path: "x", trueClass: 1, probabilities: [0, 0.6, 0.400001], defectClasses: [1, 2])
        XCTAssertEqual(rounded.defectScore, 1)
    }
}
