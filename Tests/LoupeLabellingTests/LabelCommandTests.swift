import Foundation
import LoupeLabelling
import LoupeModel
import LoupeTestSupport
import XCTest

/// `loupe label` as a user runs it: awkward names, bad files, duplicates, sorting, resume after SIGKILL.
final class LabelCommandTests: XCTestCase {
    func testLabelsAFolderReportsBadInputAndSortsWithoutOverwriting() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = try LabellingFixtures.writeCells(count: 12, seed: 31, to: dir + "/in")
        try FileManager.default.copyItem(atPath: paths[0], toPath: dir + "/in/cam A/zz copy of first.png")
        FileManager.default.createFile(atPath: dir + "/in/cam A/broken.png", contents: Data(try Data(contentsOf: URL(fileURLWithPath: paths[1])).prefix(300)))
        FileManager.default.createFile(atPath: dir + "/in/cam A/notes.txt", contents: Data("shift notes".utf8))
        // A file already in the sort folder under the name the first image will want.
        try FileManager.default.createDirectory(atPath: dir + "/sorted/defective", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/sorted/good", withIntermediateDirectories: true)
        let name = (paths[0] as NSString).lastPathComponent
        for c in ["good", "defective"] { FileManager.default.createFile(atPath: dir + "/sorted/\(c)/\(name)", contents: Data("keep me".utf8)) }

        let args = ["label", dir + "/in", "--model", LabellingFixtures.demoModel, "--out", dir + "/labels.csv", "--sort-into", dir + "/sorted"]
        let (status, out, err) = try LabellingFixtures.run(args)
        XCTAssertEqual(status, 2, "some images failed: exit 2\n\(out)\n\(err)")
        XCTAssertTrue(out.contains("14 images: 12 labelled, 1 skipped (0 done before, 1 duplicates), 1 failed, 1 unsupported files"), out)
        XCTAssertTrue(err.contains("broken.png") && err.contains("truncated"), err)
        XCTAssertTrue(err.contains("zz copy of first.png has the same content as"), err)
        let records = try LabelsFile.read(dir + "/labels.csv")
        XCTAssertEqual(Set(records.map(\.path)), Set(paths))
        for r in records {
            XCTAssertEqual(r.model, "demo@" + String(try Model.load(from: LabellingFixtures.demoModel).weightsSHA256.prefix(12)))
            XCTAssertEqual(r.probabilities.map(\.name), ["good", "defective"])
            XCTAssertEqual(Double(r.probabilities.map(\.value).reduce(0, +)), 1, accuracy: 1e-4)
            XCTAssertEqual(r.verdict == "reject", r.score > r.threshold)
            XCTAssertEqual(r.group, (r.path as NSString).deletingLastPathComponent.hasSuffix("cam A") ? "cam A" : "cam, B")
        }
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/labels.csv.report.json"))) as? [String: Any])
        XCTAssertEqual(report["failed"] as? Int, 1)
        XCTAssertEqual((report["unsupported"] as? [String])?.first, dir + "/in/cam A/notes.txt")
        for c in ["good", "defective"] {
            XCTAssertEqual(FileManager.default.contents(atPath: dir + "/sorted/\(c)/\(name)"), Data("keep me".utf8), "overwrote \(c)/\(name)")
        }
        let sorted = ["good", "defective"].flatMap { c in ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/sorted/" + c)) ?? []).map { c + "/" + $0 } }
        XCTAssertEqual(sorted.count, 12 + 2, sorted.description)
        for r in records {
            let want = (r.path as NSString).lastPathComponent
            let placed = r.path == paths[0] ? (want as NSString).deletingPathExtension + "-2.png" : want
            XCTAssertEqual(FileManager.default.contents(atPath: dir + "/sorted/\(r.className)/\(placed)"), FileManager.default.contents(atPath: r.path))
        }

        // Again: nothing new is labelled, nothing in the sort folder changes.
        let (again, out2, _) = try LabellingFixtures.run(args)
        XCTAssertEqual(again, 2)
        XCTAssertTrue(out2.contains("0 labelled, 13 skipped (12 done before, 1 duplicates), 1 failed"), out2)
        XCTAssertEqual(try LabelsFile.read(dir + "/labels.csv"), records)
    }

    func testResumeAfterSIGKILLWritesTheSameLabelsAsAnUninterruptedRun() throws {
        let exe = try LabellingFixtures.loupe()
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LabellingFixtures.writeCells(count: 24, seed: 32, to: dir + "/in")
        // Heatmaps for every image make each batch slow enough to be killed in the middle of a run.
        func args(_ out: String) -> [String] {
            ["label", dir + "/in", "--model", LabellingFixtures.demoModel, "--out", out, "--heatmaps", dir + "/heat-" + (out as NSString).lastPathComponent,
             "--heatmaps-for", "all", "--batch", "2"]
        }
        let (status, _, err) = try runProcess(exe, args(dir + "/straight.jsonl"), timeout: 600)
        XCTAssertEqual(status, 0, err)

        let killed = dir + "/killed.jsonl"
        var kills = 0
        for _ in 0..<3 {
            let process = try launchQuietly(exe, args(killed))
            let before = (try? LabelsFile.read(killed, tolerateTornTail: true).count) ?? 0
            _ = waitUntil(120) { ((try? LabelsFile.read(killed, tolerateTornTail: true).count) ?? 0) >= before + 4 || !process.isRunning }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
        }
        XCTAssertGreaterThanOrEqual(kills, 1, "the run was never killed mid-way")
        let partial = try LabelsFile.read(killed, tolerateTornTail: true).count
        XCTAssertLessThan(partial, 24)
        let (resumed, out, err2) = try runProcess(exe, args(killed), timeout: 600)
        XCTAssertEqual(resumed, 0, err2)
        XCTAssertTrue(String(decoding: out, as: UTF8.self).contains("\(24 - partial) labelled, \(partial) skipped (\(partial) done before"),
                      String(decoding: out, as: UTF8.self))
        // Same rows in the same order; only the time and the heatmap folder differ.
        func comparable(_ path: String) throws -> [LabelRecord] {
            try LabelsFile.read(path).map { r in
                var r = r
                r.time = ""
                r.heatmap = r.heatmap.map { ($0 as NSString).lastPathComponent }
                return r
            }
        }
        XCTAssertEqual(try comparable(killed), try comparable(dir + "/straight.jsonl"))
        let text = try String(contentsOfFile: killed, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"))
        XCTAssertEqual(text.split(separator: "\n").count, 24)
    }

    func testModelThatCannotTakeTheImagesAndUnwritableOutputStopWithAClearError() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LabellingFixtures.writeCells(count: 2, seed: 33, to: dir + "/in")
        var spec = try Model.load(from: LabellingFixtures.demoModel).spec
        spec.input = InputSpec(channels: 2, height: 64, width: 64, mean: [0.5, 0.5], std: [0.25, 0.25])
        spec.name = "two-channel"
        spec.weights = WeightsRef()
        try Model(spec: spec, weights: try ReferenceArchitectures.initialWeights(for: spec, seed: 1, randomStatistics: false)).write(to: dir + "/model")
        let (status, _, err) = try LabellingFixtures.run(["label", dir + "/in", "--model", dir + "/model", "--out", dir + "/labels.jsonl"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(err.contains("model two-channel (input 2x64x64) cannot take image"), err)
        XCTAssertTrue(err.contains("1 (gray) or 3 (RGB)"), err)
        XCTAssertEqual((try? LabelsFile.read(dir + "/labels.jsonl"))?.count ?? 0, 0)

        FileManager.default.createFile(atPath: dir + "/a-file", contents: Data())
        let (status2, _, err2) = try LabellingFixtures.run(["label", dir + "/in", "--out", dir + "/a-file/labels.jsonl"])
        XCTAssertEqual(status2, 1)
        XCTAssertTrue(err2.contains("a-file"), err2)
        let (status3, _, err3) = try LabellingFixtures.run(["label", dir + "/in", "--out", dir + "/l.jsonl", "--sort-into", dir + "/a-file/sorted"])
        XCTAssertEqual(status3, 1)
        XCTAssertTrue(err3.contains("cannot create folder") && err3.contains("a-file/sorted"), err3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/l.jsonl"), "nothing is labelled when the sort folder cannot be made")
        let (status4, _, err4) = try LabellingFixtures.run(["label", dir + "/in", "--out", dir + "/labels.txt"])
        XCTAssertNotEqual(status4, 0)
        XCTAssertTrue(err4.contains(".jsonl or .csv"), err4)
    }

    func testUncertainPicksAnEvenShareFromEachFolder() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LabellingFixtures.writeCells(count: 16, seed: 34, to: dir + "/in")
        let (status, out, err) = try LabellingFixtures.run(["label", dir + "/in", "--out", dir + "/labels.jsonl", "--model", LabellingFixtures.demoModel,
                                                            "--uncertain", "4"])
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(out.contains("picked 4 images"), out)
        let picks = try LabelsFile.read(dir + "/labels.uncertain.jsonl")
        XCTAssertEqual(picks.filter { $0.group == "cam A" }.count, 2)
        XCTAssertEqual(picks.filter { $0.group == "cam, B" }.count, 2)
        let all = try LabelsFile.read(dir + "/labels.jsonl")
        for g in ["cam A", "cam, B"] {
            let mostUncertain = all.filter { $0.group == g }.map(\.uncertainty).max()!
            XCTAssertTrue(picks.contains { $0.group == g && $0.uncertainty == mostUncertain }, "the most uncertain image of \(g) is picked")
        }
    }
}
