import Foundation
import LoupeProcess
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Set-point recommendations: always within bounds and step limits, quality limits met, the
/// infeasible said plainly, and approvals audited.
final class RecommendTests: XCTestCase {
    func ccppModel() throws -> ProcessModel {
        let table = try ProcessTable.load(contentsOf: repositoryRoot + "/Tests/Fixtures/process/ccpp-400.csv")
        var r = FitRequest(target: "PE")
        r.inputs = ["AT", "V", "AP", "RH"]
        r.monotone = ["AT": .decreasing, "V": .decreasing]
        r.terms = .quadratic
        return try FitWorkflow.run(table, r).model
    }

    func testRecommendationsNeverLeaveBoundsOrStepLimits() throws {
        let model = try ccppModel()
        var rng = SplitMix64(seed: 4)
        var violations = 0, worse = 0
        for _ in 0..<1000 {
            let start = model.inputs.map { Double(rng.uniform(Float($0.low), Float($0.high))) }
            var p = SetPointProblem(objective: model, sense: .maximize, current: start)
            p.fixed = [true, false, false, true]
            p.step = [nil, 3, 5, nil]
            let rec = try SetPointOptimizer.recommend(p, gridPoints: 11, rounds: 2)
            for (k, s) in rec.settings.enumerated() {
                let lo = max(model.inputs[k].low, p.step[k].map { start[k] - $0 } ?? -.infinity)
                let hi = min(model.inputs[k].high, p.step[k].map { start[k] + $0 } ?? .infinity)
                if p.fixed[k] ? s.recommended != start[k] : (s.recommended < lo - 1e-12 || s.recommended > hi + 1e-12) { violations += 1 }
            }
            if rec.gain < -1e-9 { worse += 1 }
        }
        XCTAssertEqual(violations, 0)
        XCTAssertEqual(worse, 0, "a recommendation is never worse than staying put")
    }

    /// On two free inputs, the optimiser finds what a fine exhaustive grid finds.
    func testFindsTheGridOptimum() throws {
        let model = try ccppModel()
        let start = [15.0, 50, 1010, 70]
        var p = SetPointProblem(objective: model, sense: .minimize, current: start)
        p.fixed = [true, false, false, true]
        let rec = try SetPointOptimizer.recommend(p)
        var best = Double.infinity
        let v = model.inputs[1], ap = model.inputs[2]
        for i in 0...200 { for j in 0...200 {
            let x = [15, v.low + (v.high - v.low) * Double(i) / 200, ap.low + (ap.high - ap.low) * Double(j) / 200, 70]
            best = min(best, try model.predict(x))
        } }
        XCTAssertLessThanOrEqual(rec.predictedRecommended, best + 1e-3 * abs(best))
        XCTAssertGreaterThan(rec.gainUncertainty, 0)
    }

    func testInfeasibleProblemsNameTheConstraint() throws {
        let model = try ccppModel()
        var p = SetPointProblem(objective: model, sense: .maximize, current: [15, 50, 1010, 70])
        p.low[1] = 60
        p.step[1] = 5
        XCTAssertThrowsError(try SetPointOptimizer.recommend(p)) {
            XCTAssertTrue("\($0)".hasPrefix("no feasible set-points: V: the bounds [60.0, "), "\($0)")
            XCTAssertTrue("\($0)".hasSuffix("cannot be reached from the current 50.0 within the step limit ±5.0"), "\($0)")
        }
        var q = SetPointProblem(objective: model, sense: .maximize, current: [15, 50, 1010, 70])
        q.fixed = [true, false, true, true]
        q.step[1] = 1
        q.quality = [.init(model: model, low: 600, high: nil)]
        XCTAssertThrowsError(try SetPointOptimizer.recommend(q)) {
            XCTAssertTrue("\($0)".contains("PE must be within [600.0, ∞]"), "\($0)")
        }
    }

    func testQualityLimitsAreMet() throws {
        let model = try ccppModel()
        var p = SetPointProblem(objective: model, sense: .maximize, current: [15, 50, 1010, 70])
        p.fixed = [true, false, false, true]
        let free = try SetPointOptimizer.recommend(p)
        // The same model as a "quality" that must stay 2 MW below the free optimum.
        let cap = free.predictedRecommended - 2
        p.quality = [.init(model: model, low: nil, high: cap)]
        let capped = try SetPointOptimizer.recommend(p)
        XCTAssertLessThanOrEqual(capped.predictedRecommended, cap + 1e-9)
        XCTAssertTrue(capped.quality.allSatisfy(\.satisfied))
        XCTAssertGreaterThan(capped.predictedRecommended, cap - 0.5, "the cap binds")
    }

    func testApprovalsAreAuditedWithTheRecommendationsFingerprint() throws {
        let dir = try makeTemporaryDirectory(self, "process-audit")
        let model = try ccppModel()
        var p = SetPointProblem(objective: model, sense: .maximize, current: [15, 50, 1010, 70])
        p.fixed = [true, false, false, true]
        let rec = try SetPointOptimizer.recommend(p)
        try rec.write(to: dir + "/rec.json")
        let audit = RecommendationAudit(path: dir + "/audit.jsonl")
        try audit.record(recommendationPath: dir + "/rec.json", who: "J. Smith", approve: true, note: "shift B")
        XCTAssertThrowsError(try audit.record(recommendationPath: dir + "/rec.json", who: "A. Lee", approve: false, note: nil)) {
            XCTAssertTrue("\($0)".contains("already approved by J. Smith"), "\($0)")
        }
        var edited = rec
        edited.settings[1].recommended = edited.settings[1].high + 1
        try edited.write(to: dir + "/edited.json")
        XCTAssertThrowsError(try audit.record(recommendationPath: dir + "/edited.json", who: "A. Lee", approve: true, note: nil)) {
            XCTAssertTrue("\($0)".contains("V = \(edited.settings[1].recommended) is outside its allowed range"), "\($0)")
        }
        let entries = try audit.entries()
        XCTAssertEqual(entries.map(\.decision), ["approved"])
        XCTAssertEqual(entries[0].sha256, SHA256.hex([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/rec.json")))))
        XCTAssertEqual(entries[0].setPoints.keys.sorted(), ["AP", "V"])
        XCTAssertThrowsError(try audit.record(recommendationPath: dir + "/rec.json", who: " ", approve: true, note: nil))
        XCTAssertThrowsError(try audit.record(recommendationPath: dir + "/audit.jsonl", who: "x", approve: true, note: nil)) {
            XCTAssertTrue("\($0)".contains("not a recommendation"), "\($0)")
        }
    }
}
