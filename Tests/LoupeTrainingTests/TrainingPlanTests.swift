import XCTest
@testable import LoupeTraining

final class TrainingPlanTests: XCTestCase {
    func testOneCycleFollowsPyTorchDefaults() {
        let s = LearningRateSchedule.oneCycle, total = 100, base: Float = 0.1
        XCTAssertEqual(s.rate(base: base, step: 0, total: total), base / 25, accuracy: 1e-7)
        // PyTorch: peak at step pct_start·total − 1 = 29.
        XCTAssertEqual(s.rate(base: base, step: 29, total: total), base, accuracy: 1e-7)
        XCTAssertEqual(s.rate(base: base, step: 99, total: total), base / 25 / 1e4, accuracy: 1e-9)
        // Halfway down the cosine: (29 + 99) / 2 = 64 → mean of peak and final.
        XCTAssertEqual(s.rate(base: base, step: 64, total: total), (base + base / 25 / 1e4) / 2, accuracy: 1e-6)
        let rates = (0..<total).map { s.rate(base: base, step: $0, total: total) }
        XCTAssertEqual(rates.firstIndex(of: rates.max()!), 29)
    }

    func testCosineAndWarmup() {
        let c = LearningRateSchedule.cosine
        XCTAssertEqual(c.rate(base: 1, step: 0, total: 10), 1, accuracy: 1e-6)
        XCTAssertEqual(c.rate(base: 1, step: 5, total: 10), 0.505, accuracy: 1e-6)
        XCTAssertEqual(c.rate(base: 1, step: 10, total: 10), 0.01, accuracy: 1e-6)
        XCTAssertEqual(c.rate(base: 1, step: 0, total: 10, warmup: 4), 0.25, accuracy: 1e-6)
        XCTAssertEqual(c.rate(base: 1, step: 3, total: 10, warmup: 4), 1, accuracy: 1e-6)
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.3, step: 7, total: 10), 0.3)
    }

    func testEpochOrderIsSeededAndBalancedSamplingEvensClasses() {
        let labels = (0..<100).map { $0 < 90 ? 0 : 1 }
        let a = EpochPlan.order(epoch: 3, seed: 1, labels: labels, classes: 2, sampling: .shuffle, steps: 6, batch: 16)
        XCTAssertEqual(a, EpochPlan.order(epoch: 3, seed: 1, labels: labels, classes: 2, sampling: .shuffle, steps: 6, batch: 16))
        XCTAssertNotEqual(a, EpochPlan.order(epoch: 4, seed: 1, labels: labels, classes: 2, sampling: .shuffle, steps: 6, batch: 16))
        XCTAssertEqual(a.count, 96)
        XCTAssertEqual(Set(a).count, 96) // a permutation, cut to whole batches
        let b = EpochPlan.order(epoch: 1, seed: 1, labels: labels, classes: 2, sampling: .balanced, steps: 50, batch: 20)
        let rare = b.filter { labels[$0] == 1 }.count
        XCTAssertEqual(Double(rare) / 1000, 0.5, accuracy: 0.05) // 10 % of the data, half the draws
    }

    func testClassWeightsEqualiseClasses() {
        let w = EpochPlan.classWeights(labels: [0, 0, 0, 1], classes: 3)
        XCTAssertEqual(w, [4.0 / 6, 2, 0])
        // Each present class then carries the same total weight.
        XCTAssertEqual(3 * w[0], 1 * w[1], accuracy: 1e-6)
    }
}
