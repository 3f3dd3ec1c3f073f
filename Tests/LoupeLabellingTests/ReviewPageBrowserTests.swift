import Foundation
import LoupeDataset
import LoupeLabelling
import LoupeTestSupport
import XCTest

/// The review page in a real headless Chromium: it renders, keys change labels, the exported
/// corrections come back into the labels file and `loupe train` accepts them; 5,000 items load lazily.
final class ReviewPageBrowserTests: XCTestCase {
    func browse(_ page: String, _ dir: String, _ steps: [String]) throws -> [String: Any] {
        let chromium = try headlessChromium()
        let (status, out, errors) = try runProcess("/usr/bin/python3", [
            repositoryRoot + "/Tests/Support/Peers/browser_check.py", chromium, URL(fileURLWithPath: page).absoluteString + "?reviewer=Zo%C3%AB%2C%20QA",
            "--profile", dir + "/profile", "--download-dir", dir + "/downloads"] + steps, timeout: 120)
        XCTAssertEqual(status, 0, errors)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: out) as? [String: Any], String(decoding: out, as: UTF8.self))
    }

    func testKeyboardCorrectionsReachTheLabelsFileAndTraining() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LabellingFixtures.writeCells(count: 10, seed: 35, to: dir + "/in")
        var (status, _, err) = try LabellingFixtures.run(["label", dir + "/in", "--model", LabellingFixtures.demoModel, "--out", dir + "/labels.jsonl",
                                                          "--heatmaps", dir + "/heat"])
        XCTAssertEqual(status, 0, err)
        (status, _, err) = try LabellingFixtures.run(["review", dir + "/labels.jsonl", "--page", dir + "/review.html", "--sort", "file"])
        XCTAssertEqual(status, 0, err)
        let html = try String(contentsOfFile: dir + "/review.html", encoding: .utf8)
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("src=\"file"), "the page must not load outside assets")

        // f flips item 0, 1 sets item 1 to good, 2 sets item 2 to defective, e exports.
        let report = try browse(dir + "/review.html", dir, [
            "--sample", "1:document.body.dataset.ready + '/' + document.body.dataset.items",
            "--keys", "1.2:f 1 2 e", "--sample", "2.5:window.loupeReview.corrections().length"])
        XCTAssertEqual(report["errors"] as? [String], [], "script errors on the page")
        let samples = try XCTUnwrap(report["samples"] as? [[Any]]).map { "\($0[1])" }
        XCTAssertEqual(samples, ["1/10", "3"])
        let corrections = dir + "/downloads/corrections.csv"
        let exported = try LabelsFileCSV.rows(corrections)
        let labels = try LabelsFile.read(dir + "/labels.jsonl")
        XCTAssertEqual(exported.count, 3)
        XCTAssertEqual(exported[0]["path"], labels[0].path)
        XCTAssertEqual(exported[0]["label"], labels[0].className == "good" ? "defective" : "good", "f flips the model's class")
        XCTAssertEqual(exported[0]["action"], "flip")
        XCTAssertEqual(exported[1]["label"], "good")
        XCTAssertEqual(exported[2]["label"], "defective")
        for row in exported {
            XCTAssertEqual(row["reviewer"], "Zoë, QA")
            XCTAssertEqual(row["model"], labels[0].model)
            XCTAssertNotNil(ISO8601DateFormatter().date(from: row["reviewed_at"] ?? ""), "provenance: when")
        }

        (status, _, err) = try LabellingFixtures.run(["review", dir + "/labels.jsonl", "--import", corrections, "--export-csv", dir + "/train.csv"])
        XCTAssertEqual(status, 0, err)
        let merged = try LabelsFile.read(dir + "/labels.jsonl")
        XCTAssertEqual(merged.filter { $0.labelSource == .human }.count, 3)
        XCTAssertEqual(merged[0].review?.reviewer, "Zoë, QA")
        XCTAssertEqual(merged[0].review?.modelClass, labels[0].className)
        XCTAssertEqual(merged[0].effectiveLabel, exported[0]["label"])

        // loupe train takes the corrections file as it came from the browser, and the full export.
        for data in [corrections, dir + "/train.csv"] {
            (status, _, err) = try LabellingFixtures.run(["train", data, "--arch", LabellingFixtures.demoModel, "--epochs", "1", "--batch", "2",
                                                          "--val-fraction", "0", "--out", dir + "/model-" + (data as NSString).lastPathComponent])
            XCTAssertEqual(status, 0, "loupe train refused \(data): \(err)")
        }
    }

    func testFiveThousandItemsLoadLazily() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = try LabellingFixtures.writeCells(count: 8, seed: 36, to: dir + "/in", size: 96)
        var records: [LabelRecord] = []
        for i in 0..<5000 {
            // The same eight pictures again and again: enough to measure how the page loads.
            var r = LabellingFixtures.record(paths[i % paths.count], score: Float(i % 100) / 100, group: "cam \(i % 3)")
            r.sha256 = String(format: "%064x", i)
            records.append(r)
        }
        try LabelsFile.write(records, classes: ["good", "defective"], to: dir + "/many.jsonl")
        let started = Date()
        let (status, _, err) = try LabellingFixtures.run(["review", dir + "/many.jsonl", "--page", dir + "/many.html", "--thumbnail", "64"])
        XCTAssertEqual(status, 0, err)
        print("ReviewPageBrowserTests: page of 5,000 items built in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        let report = try browse(dir + "/many.html", dir, [
            "--sample", "2:[document.body.dataset.items, document.body.dataset.loaded, document.body.dataset.readyMs].join('/')",
            "--keys", "2.2:End", "--sample", "3:[window.loupeReview.selected(), document.body.dataset.loaded].join('/')"])
        XCTAssertEqual(report["errors"] as? [String], [])
        let samples = try XCTUnwrap(report["samples"] as? [[Any]]).map { "\($0[1])".split(separator: "/").map(String.init) }
        guard samples.count == 2, samples[0].count == 3, samples[1].count == 2 else { return XCTFail("unexpected samples \(samples)") }
        print("ReviewPageBrowserTests: 5,000 items: items/loaded/ready ms \(samples[0]), after End: \(samples[1])")
        XCTAssertEqual(samples[0][0], "5000")
        XCTAssertLessThan(Int(samples[0][1]) ?? .max, 400, "images must load as they come into view, not all at once")
        XCTAssertEqual(samples[1][0], "4999")
        XCTAssertGreaterThan(Int(samples[1][1]) ?? 0, Int(samples[0][1]) ?? 0, "the last images load when scrolled to")
    }
}

/// The corrections CSV as dictionaries, through the same RFC 4180 reader Loupe uses.
enum LabelsFileCSV {
    static func rows(_ path: String) throws -> [[String: String]] {
        let records = try CSVText.records(String(contentsOfFile: path, encoding: .utf8))
        guard let header = records.first?.fields else { return [] }
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.fields)) }
    }
}
