import Foundation
import LoupeProcess
import LoupeTestSupport
import XCTest

/// Key-parameter selection on a plant whose drivers are known.
final class SelectionTests: XCTestCase {
    func testFindsTheDriversAmongProxiesLookAlikesDecoysAndNoise() throws {
        let plant = SyntheticPlant.generate(rows: 1500, tags: 300, drivers: 10, noise: 1.5, seed: 3)
        var settings = KeyParameterSelection.Settings()
        settings.halfSamplePairs = 20
        let result = try KeyParameterSelection.run(x: plant.x, y: plant.y, names: plant.names, target: "y", settings: settings)
        let score = plant.score(result)
        print("selection: recall \(score.recall), false-positive rate \(score.falsePositiveRate) (\(score.falsePositives)), \(result.groups.count) groups, \(result.seconds) s")
        XCTAssertGreaterThanOrEqual(score.recall, 0.9)
        XCTAssertLessThanOrEqual(score.falsePositiveRate, 0.1)
        // Near-copies stay together: every proxy sits in its driver's group.
        let groupOf = Dictionary(uniqueKeysWithValues: result.groups.enumerated().flatMap { k, g in g.members.map { ($0, k) } })
        for (i, role) in plant.roles.enumerated() where role == .proxy {
            let driver = plant.names[plant.roles.indices.first { plant.roles[$0] == .driver && plant.driverOf[$0] == plant.driverOf[i] }!]
            XCTAssertEqual(groupOf[plant.names[i]], groupOf[driver], "proxy \(plant.names[i]) apart from its driver")
        }
    }

    func testMutualInformationAndRanksAgreeWithTheirDefinitions() throws {
        // Independent columns: MI near 0; a deterministic function: MI near log(16) minus the bias term.
        let n = 4000
        let a = (0..<n).map { Double(($0 * 7919) % n) }, b = (0..<n).map { Double(($0 * 104_729) % n) }
        let table = ProcessTable(names: ["a", "b", "c"], columns: [a, b, a.map { $0 * $0 }])
        let outcome = try SelectWorkflow.run(table, target: "c", settings: { var s = KeyParameterSelection.Settings(); s.halfSamplePairs = 5; return s }())
        let ga = try XCTUnwrap(outcome.result.groups.first { $0.members.contains("a") })
        XCTAssertEqual(ga.spearman, 1, accuracy: 1e-12, "c is a monotone function of a")
        XCTAssertEqual(ga.mutualInformation, log(16) - 225.0 / 8000, accuracy: 0.01, "16 bins at n = 4000")
        XCTAssertTrue(ga.selected)
    }
}
