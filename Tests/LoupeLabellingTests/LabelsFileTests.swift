import Foundation
@testable import LoupeLabelling
import LoupeTestSupport
import XCTest

/// Labels files: both forms keep every field, a torn last line is cut on resume, and rows from
/// another model or malformed rows are refused with the file and line.
final class LabelsFileTests: XCTestCase {
    func sampleRecords() -> [LabelRecord] {
        var a = LabellingFixtures.record("/data/cam 1/a,b \"c\" ü.png", score: 0.75, group: "cam 1")
        a.heatmap = "/heat/x.png"
        var b = LabellingFixtures.record("/data/two\nlines.png", score: 0.25)
        b.label = "defective"
        b.labelSource = .human
        b.review = .init(reviewer: "Zoë, QA", at: "2026-12-01T06:00:00Z", action: "flip", model: "demo@000000000000",
                         modelClass: "good", previousLabel: nil)
        b.suspicion = 0.875
        b.errorRank = 1
        b.suspectedError = true
        return [a, b]
    }

    func testJSONLinesAndCSVKeepEveryField() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for ext in ["jsonl", "csv"] {
            let path = dir + "/labels." + ext
            try LabelsFile.write(sampleRecords(), classes: ["good", "defective"], to: path)
            XCTAssertEqual(try LabelsFile.read(path), sampleRecords(), ext)
        }
        XCTAssertThrowsError(try LabelsFileFormat(path: dir + "/labels.txt")) { XCTAssertTrue("\($0)".contains(".jsonl or .csv"), "\($0)") }
    }

    func testAppenderCutsATornLineAndRefusesAnotherModel() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for ext in ["jsonl", "csv"] {
            let path = dir + "/run." + ext
            do {
                let appender = try LabelsAppender(path: path, model: "demo@000000000000", classes: ["good", "defective"])
                try appender.append(sampleRecords())
                appender.close()
            }
            // A kill in the middle of a write leaves half a line.
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
            handle.seekToEndOfFile()
            handle.write(Data("{\"path\":\"/data/half".utf8))
            handle.closeFile()
            let resumed = try LabelsAppender(path: path, model: "demo@000000000000", classes: ["good", "defective"])
            XCTAssertEqual(resumed.existing, sampleRecords(), ext)
            try resumed.append([LabellingFixtures.record("/data/next.png", score: 0.5)])
            resumed.close()
            XCTAssertEqual(try LabelsFile.read(path).map(\.path), sampleRecords().map(\.path) + ["/data/next.png"], ext)
            XCTAssertThrowsError(try LabelsAppender(path: path, model: "other@111111111111", classes: ["good", "defective"])) {
                XCTAssertTrue("\($0)".contains("was made with model demo@000000000000, this run uses other@111111111111"), "\($0)")
            }
        }
    }

    func testMalformedRowsNameFileAndLine() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = JSONLine.encode(LabellingFixtures.record("/a.png", score: 0.1))
        try (good + "{\"path\":\"/b.png\"}\n").write(toFile: dir + "/bad.jsonl", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LabelsFile.read(dir + "/bad.jsonl")) {
            XCTAssertTrue("\($0)".contains("bad.jsonl, line 2: field 'probabilities' is missing"), "\($0)")
        }
        try (good + "not json\n").write(toFile: dir + "/worse.jsonl", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LabelsFile.read(dir + "/worse.jsonl")) { XCTAssertTrue("\($0)".contains("line 2: not a JSON object"), "\($0)") }
        try "path,label\n/a.png,good\n".write(toFile: dir + "/train.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LabelsFile.read(dir + "/train.csv")) { XCTAssertTrue("\($0)".contains("not a Loupe labels header"), "\($0)") }
    }

    func testUncertaintyIsOneAtTheThresholdAndZeroAtTheEnds() {
        XCTAssertEqual(LabellingFixtures.record("/a", score: 0.5).uncertainty, 1, accuracy: 1e-9)
        XCTAssertEqual(LabellingFixtures.record("/a", score: 0).uncertainty, 0, accuracy: 1e-9)
        XCTAssertEqual(LabellingFixtures.record("/a", score: 1).uncertainty, 0, accuracy: 1e-9)
        XCTAssertEqual(LabellingFixtures.record("/a", score: 0.75).uncertainty, 0.5, accuracy: 1e-6)
    }
}
