import Foundation
import XCTest
@testable import LoupeEvaluation

final class EvaluationTests: XCTestCase {
    let classes = ["good", "defective"]

    private func evaluationError(_ samples: [EvalSample], classes: [String]? = nil, defectClasses: [Int] = [1],
                                 threshold: Float = 0.5) -> EvaluationError? {
        do {
            _ = try Evaluation(samples: samples, classes: classes ?? self.classes, defectClasses: defectClasses, threshold: threshold)
            return nil
        } catch { return error as? EvaluationError }
    }

    func testInvalidInputIsRefusedWithTheSamplePath() {
        let fine = binarySample(0.3, defective: false)
        XCTAssertEqual(evaluationError([]), .noSamples(operation: "evaluation"))
        XCTAssertNotNil(evaluationError([fine], classes: ["only"]))
        XCTAssertNotNil(evaluationError([fine], defectClasses: [2]))
        XCTAssertNotNil(evaluationError([fine], defectClasses: []))
        XCTAssertEqual(evaluationError([fine], threshold: 1.5), .invalidThreshold(operation: "evaluation", received: 1.5))
        let cases: [(EvalSample, String)] = [
            (EvalSample(path: "a/three.png", trueClass: 0, probabilities: [0.2, 0.3, 0.5], defectScore: 0.5, isDefective: false), "3 probabilities"),
            (EvalSample(path: "a/class.png", trueClass: 2, probabilities: [0.5, 0.5], defectScore: 0.5, isDefective: true), "true class 2"),
            (EvalSample(path: "a/nan.png", trueClass: 0, probabilities: [.nan, 0.5], defectScore: 0.5, isDefective: false), "probabilities"),
            (EvalSample(path: "a/score.png", trueClass: 0, probabilities: [0.5, 0.5], defectScore: 1.2, isDefective: false), "defect score 1.2"),
        ]
        for (bad, received) in cases {
            guard case .invalidSample(let path, _, let got, _)? = evaluationError([fine, bad]) else {
                XCTFail("\(bad.path) must be refused")
                continue
            }
            XCTAssertEqual(path, bad.path)
            XCTAssertTrue(got.contains(received), got)
        }
        XCTAssertTrue("\(EvaluationError.invalidSample(path: "p.png", operation: "evaluation", received: "x", expected: "y"))".contains("'p.png'"))
    }

    /// Groups split the metrics; samples without a group are collected under "(no group)".
    func testPerGroupBreakdownByHand() throws {
        let samples = [
            binarySample(0.9, defective: true, group: "mono"), binarySample(0.2, defective: true, group: "mono"),
            binarySample(0.1, defective: false, group: "mono"),
            binarySample(0.7, defective: false, group: "poly"), binarySample(0.8, defective: true, group: "poly"),
            binarySample(0.3, defective: false, group: nil),
        ]
        let evaluation = try Evaluation(samples: samples, classes: classes, defectClasses: [1], threshold: 0.5)
        XCTAssertEqual(evaluation.perGroup.map(\.group), ["(no group)", "mono", "poly"])
        let mono = evaluation.perGroup[1], poly = evaluation.perGroup[2]
        XCTAssertEqual(mono.count, 3)
        XCTAssertEqual(mono.binary.confusion, BinaryConfusion(truePositives: 1, falsePositives: 0, trueNegatives: 1, falseNegatives: 1))
        XCTAssertEqual(mono.binary.escapeRate, 0.5)
        XCTAssertEqual(mono.auc, 1)  // defects 0.9 and 0.2 both above the good 0.1
        XCTAssertEqual(poly.binary.confusion, BinaryConfusion(truePositives: 1, falsePositives: 1, trueNegatives: 0, falseNegatives: 0))
        XCTAssertEqual(poly.auc, 1)
        XCTAssertEqual(evaluation.perGroup[0].binary.recall, nil)
        XCTAssertEqual(evaluation.perGroup[0].auc, nil)
        // The groups add up to the whole.
        let sum = evaluation.perGroup.reduce(0) { $0 + $1.binary.confusion.total }
        XCTAssertEqual(sum, evaluation.binary.confusion.total)
        XCTAssertTrue(try Evaluation(samples: samples.map { var s = $0; s.group = nil; return s }, classes: classes,
                                     defectClasses: [1], threshold: 0.5).perGroup.isEmpty)
    }

    func testWorstMistakesAreOrderedAndLimited() throws {
        let samples = [
            binarySample(0.45, defective: true, path: "d45"), binarySample(0.05, defective: true, path: "d05"),
            binarySample(0.3, defective: true, path: "d30"), binarySample(0.95, defective: true, path: "caught"),
            binarySample(0.6, defective: false, path: "g60"), binarySample(0.99, defective: false, path: "g99"),
            binarySample(0.1, defective: false, path: "passed"),
        ]
        let evaluation = try Evaluation(samples: samples, classes: classes, defectClasses: [1], threshold: 0.5)
        XCTAssertEqual(evaluation.falsePasses(limit: 2).map(\.path), ["d05", "d30"])
        XCTAssertEqual(evaluation.falsePasses(limit: 12).map(\.path), ["d05", "d30", "d45"])
        XCTAssertEqual(evaluation.falseRejects(limit: 12).map(\.path), ["g99", "g60"])
        XCTAssertEqual(evaluation.falseRejects(limit: 0), [])
    }

    /// ELPV-style four levels with defect classes 2 and 3 ("defective when p > 0.5").
    func testFourClassEvaluation() throws {
        let levels = ["0", "1/3", "2/3", "1"]
        let rows: [(Int, [Float])] = [(0, [0.7, 0.2, 0.05, 0.05]), (1, [0.3, 0.5, 0.1, 0.1]), (2, [0.1, 0.2, 0.3, 0.4]),
                                      (3, [0.0, 0.1, 0.2, 0.7]), (1, [0.1, 0.2, 0.6, 0.1])]
        let samples = rows.enumerated().map { EvalSample(path: "c\($0.offset)", trueClass: $0.element.0, probabilities: $0.element.1,
                                                          defectClasses: [2, 3]) }
        let evaluation = try Evaluation(samples: samples, classes: levels, defectClasses: [2, 3], threshold: 0.5)
        // Argmax: 0, 1, 3, 3, 2 vs truth 0, 1, 2, 3, 1 → 3 of 5.
        XCTAssertEqual(evaluation.multiClass.accuracy!, 0.6, accuracy: 1e-15)
        XCTAssertEqual(evaluation.multiClass.counts[2][3], 1)
        // Scores 0.1, 0.2, 0.7, 0.9, 0.7; truth F F T T F → TP 2, FP 1 (the 1/3 cell at 0.7), TN 2.
        XCTAssertEqual(evaluation.binary.confusion, BinaryConfusion(truePositives: 2, falsePositives: 1, trueNegatives: 2, falseNegatives: 0))
    }

    func testSummaryEncodesTheNumbersAsJSON() throws {
        let samples = randomSamples(count: 200, classes: 2, seed: 42, groups: ["mono", "poly"])
        let evaluation = try Evaluation(samples: samples, classes: classes, defectClasses: [1], threshold: 0.5)
        let summary = evaluation.summary(calibrationTargets: [0.01, 0.05])
        let data = try summary.jsonData()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["accuracy", "precision", "recall", "f1", "auc", "escapeRate", "overkill", "confusion", "multiClassAccuracy",
                    "multiClassConfusion", "perGroup", "calibration", "threshold"] {
            XCTAssertNotNil(object[key], key)
        }
        XCTAssertEqual(object["auc"] as? Double, evaluation.auc)
        XCTAssertEqual((object["calibration"] as? [Any])?.count, 2)
        XCTAssertEqual((object["perGroup"] as? [Any])?.count, 2)
        XCTAssertEqual(try JSONDecoder().decode(EvaluationSummary.self, from: data), summary)

        // No goods: the summary still comes out, with the calibration's reason instead of a table.
        let defectsOnly = try Evaluation(samples: samples.filter(\.isDefective), classes: classes, defectClasses: [1], threshold: 0.5)
        let partial = defectsOnly.summary()
        XCTAssertTrue(partial.calibration.isEmpty)
        XCTAssertTrue(partial.calibrationError?.contains("none of the") == true, partial.calibrationError ?? "nil")
        XCTAssertNil(partial.auc)
    }
}
