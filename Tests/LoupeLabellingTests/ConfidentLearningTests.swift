import Foundation
@testable import LoupeLabelling
import LoupeTestSupport
import XCTest

/// Confident learning on probabilities with known label errors.
final class ConfidentLearningTests: XCTestCase {
    func testHandWorkedExample() {
        // Labels: 0,0,0,1,1,1. Image 2 is labelled 0 but the model is sure it is 1.
        let p: [[Double]] = [[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.4, 0.6]]
        let cl = ConfidentLearning(probabilities: p, labels: [0, 0, 0, 1, 1, 1], classes: 2)
        // t0 = (0.9+0.8+0.1)/3 = 0.6, t1 = (0.8+0.7+0.6)/3 = 0.7.
        XCTAssertEqual(cl.thresholds[0], 0.6, accuracy: 1e-12)
        XCTAssertEqual(cl.thresholds[1], 0.7, accuracy: 1e-12)
        // Confident joint: label 0 → {0, 0, 1}; label 1 → {1, 1, image 5 has p1 0.6 < t1 and p0 0.4 < t0: none}.
        XCTAssertEqual(cl.joint[0][1], 1, accuracy: 1e-12)
        XCTAssertEqual(cl.joint[1][0], 0, accuracy: 1e-12)
        XCTAssertEqual(cl.joint[1][1], 3, accuracy: 1e-12)  // 2 counted, calibrated to the 3 labelled 1
        XCTAssertEqual(cl.estimatedErrors, [1, 0])
        XCTAssertEqual(cl.suspected, [false, false, true, false, false, false])
        XCTAssertEqual(cl.ranking.first, 2)
        XCTAssertEqual(cl.ranking[1], 5, "then the lowest self-confidence")
    }

    func testFindsMostFlippedLabelsAmongNoisyPredictions() {
        var rng = SplitMix64(seed: 7)
        let n = 1000, k = 3
        var labels: [Int] = [], truth: [Int] = [], p: [[Double]] = []
        for i in 0..<n {
            let t = i % k
            truth.append(t)
            var row = (0..<k).map { _ in Double(rng.uniform(0, 0.3)) }
            row[t] += 0.5 + Double(rng.uniform(0, 0.5))
            if rng.uniform() < 0.1 { row[(t + 1) % k] += 0.8 }   // a model that is sometimes confidently wrong
            let s = row.reduce(0, +)
            p.append(row.map { $0 / s })
            labels.append(i % 20 == 0 ? (t + 1 + i % 2) % k : t)   // 5 % flipped
        }
        let cl = ConfidentLearning(probabilities: p, labels: labels, classes: k)
        let flipped = Set((0..<n).filter { labels[$0] != truth[$0] })
        let top = Set(cl.ranking.prefix(n / 10))
        let recall = Double(flipped.intersection(top).count) / Double(flipped.count)
        XCTAssertGreaterThanOrEqual(recall, 0.9, "recall in the top 10 %: \(recall)")
        let estimated = cl.estimatedErrors.reduce(0, +)
        XCTAssertGreaterThan(estimated, Double(flipped.count) * 0.8)
        XCTAssertLessThan(estimated, Double(flipped.count) * 4, "the estimate counts the model's own confident mistakes too: \(estimated)")
    }
}
