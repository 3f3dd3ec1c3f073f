import Foundation
@testable import LoupeLabelling
import LoupeTestSupport
import XCTest

/// Active learning: uncertain first, near-duplicates once, an even share per group.
final class UncertainPickTests: XCTestCase {
    func testEvenShareAcrossGroupsAndMostUncertainFirst() {
        var records: [LabelRecord] = []
        for g in ["cam1", "cam2", "cam3"] {
            for i in 0..<20 { records.append(LabellingFixtures.record("/\(g)/\(i).png", score: Float(i) / 40, group: g)) }
        }
        records.append(LabellingFixtures.record("/cam4/only.png", score: 0.5, group: "cam4"))
        let picks = UncertainPick.pick(records, count: 10, diversity: 0)
        let perGroup = Dictionary(grouping: picks) { $0.group! }.mapValues(\.count)
        XCTAssertEqual(picks.count, 10)
        XCTAssertEqual(perGroup["cam4"], 1, "a group with one image gives up the rest of its share")
        XCTAssertEqual(perGroup.values.sorted(), [1, 3, 3, 3])
        for g in ["cam1", "cam2", "cam3"] {
            XCTAssertEqual(picks.filter { $0.group == g }.map(\.path), ["/\(g)/19.png", "/\(g)/18.png", "/\(g)/17.png"])
        }
        XCTAssertEqual(UncertainPick.shares(n: 10, sizes: [20, 20, 20, 1]), [3, 3, 3, 1])
        XCTAssertEqual(UncertainPick.shares(n: 100, sizes: [2, 3]), [2, 3])
    }

    func testNearDuplicatesArePickedOnceAndHumanLabelsNever() {
        // Ten near-identical frames at the threshold, and a varied set a little less uncertain.
        var records: [LabelRecord] = [], features: [String: [Float]] = [:]
        for i in 0..<10 {
            records.append(LabellingFixtures.record("/burst/\(i).png", score: 0.5))
            features["/burst/\(i).png"] = [1, 0, 0, Float(i) * 1e-3]
        }
        for i in 0..<10 {
            records.append(LabellingFixtures.record("/varied/\(i).png", score: 0.45))
            features["/varied/\(i).png"] = [0, cos(Float(i)), sin(Float(i)), 0]
        }
        var reviewed = LabellingFixtures.record("/reviewed.png", score: 0.5)
        reviewed.labelSource = .human
        records.append(reviewed)
        let picks = UncertainPick.pick(records, count: 5, features: { features[$0.path] })
        XCTAssertEqual(picks.filter { $0.path.hasPrefix("/burst/") }.count, 1, picks.map(\.path).description)
        XCTAssertFalse(picks.contains { $0.path == "/reviewed.png" })
        XCTAssertEqual(picks.count, 5)
    }
}
