import Foundation
import LoupeDataset
import LoupeLabelling
import LoupeSynth
import LoupeTestSupport
import XCTest

/// `loupe label --find-errors` on synthetic cells with 5 % of the labels flipped on purpose.
final class FindErrorsTests: XCTestCase {
    func testRanksMostFlippedLabelsInTheTopTenPercent() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var synth = SynthDataset(count: 400, seed: 404)
        synth.size = 128
        synth.compressionLevel = 1
        let cells = try synth.write(to: dir + "/cells")
        // Flip 20 of 400 binary labels (seeded), and remember which.
        var rng = SplitMix64(seed: 5)
        var order = Array(cells.indices)
        order.shuffle(using: &rng)
        let flipped = Set(order.prefix(20))
        var csv = "path,label\n"
        for (i, c) in cells.enumerated() {
            let truth = c.isDefective ? "defective" : "good"
            let given = flipped.contains(i) ? (truth == "good" ? "defective" : "good") : truth
            csv += CSVText.line([dir + "/cells/" + c.path, given])
        }
        try csv.write(toFile: dir + "/flipped.csv", atomically: true, encoding: .utf8)

        // Each fold model starts from the demo model (trained on other synthetic cells) and is tuned on the other folds.
        let (status, out, err) = try LabellingFixtures.run(["label", "--find-errors", dir + "/flipped.csv", "--arch", LabellingFixtures.demoModel,
                                                            "--finetune", "--epochs", "3", "--lr", "5e-4", "--train-batch", "16",
                                                            "--out", dir + "/errors.jsonl"], timeout: 900)
        XCTAssertEqual(status, 0, err)
        print("FindErrorsTests: \(out)")
        let ranked = try LabelsFile.read(dir + "/errors.jsonl")
        XCTAssertEqual(ranked.count, 400)
        XCTAssertEqual(ranked.map(\.errorRank), Array(1...400).map { Optional($0) })
        let flippedPaths = Set(flipped.map { dir + "/cells/" + cells[$0].path })
        let caught = ranked.prefix(40).filter { flippedPaths.contains($0.path) }.count
        print("FindErrorsTests: \(caught) of 20 flipped labels in the top 10 %")
        XCTAssertGreaterThanOrEqual(caught, 14, "at least 70 % of the flipped labels in the top 10 %")
        XCTAssertTrue(ranked.allSatisfy { $0.labelSource == .given && $0.label != nil && $0.suspicion != nil })
        XCTAssertTrue(out.contains("good:") && out.contains("labelled wrongly"), out)
    }
}
