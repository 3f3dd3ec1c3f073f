import Foundation
import LoupeLabelling
import LoupeModel
import LoupeSynth
import LoupeTestSupport
import XCTest

/// Shared by the labelling suites: the `loupe` executable, sample cells with awkward names, records.
enum LabellingFixtures {
    /// `loupe` beside the test bundle (`swift build --build-tests` builds it); `$LOUPE_CLI` overrides.
    static func loupe() throws -> String {
        if let path = builtExecutable("loupe", override: "LOUPE_CLI") { return path }
        throw XCTSkip("no loupe executable beside the test bundle: build with `swift build --build-tests` (scripts/test.sh does)")
    }

    static let demoModel = repositoryRoot + "/Models/demo"

    /// Synthetic cells in `dir/cam A` and `dir/cam, B` (names with spaces, commas, non-ASCII).
    /// Returns their paths.
    @discardableResult
    static func writeCells(count: Int, seed: UInt64, to dir: String, size: Int = 128) throws -> [String] {
        var synth = SynthDataset(count: count, seed: seed)
        synth.size = size
        synth.defectiveFraction = 0.45
        synth.compressionLevel = 1
        let staging = dir + "/.staging"
        let entries = try synth.write(to: staging)
        var paths: [String] = []
        for (i, e) in entries.enumerated() {
            let folder = dir + (i % 2 == 0 ? "/cam A" : "/cam, B")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let name = i % 3 == 0 ? "zelle \(i) ü.png" : "cell,\(i).png"
            let target = folder + "/" + name
            try FileManager.default.moveItem(atPath: staging + "/" + e.path, toPath: target)
            paths.append(target)
        }
        try FileManager.default.removeItem(atPath: staging)
        return paths
    }

    /// Runs `loupe` and returns (status, stdout, stderr).
    static func run(_ arguments: [String], timeout: TimeInterval = 300) throws -> (Int32, String, String) {
        let (status, out, err) = try runProcess(try loupe(), arguments, timeout: timeout)
        return (status, String(decoding: out, as: UTF8.self), err)
    }

    static func record(_ path: String, score: Float, group: String? = nil, sha: String? = nil) -> LabelRecord {
        LabelRecord(path: path, sha256: sha ?? String(repeating: "a", count: 63) + "\(path.count % 10)", verdict: score > 0.5 ? "reject" : "pass",
                    score: score, className: score > 0.5 ? "defective" : "good",
                    probabilities: [("good", 1 - score), ("defective", score)], model: "demo@000000000000", threshold: 0.5,
                    time: "2026-12-01T00:00:00.000Z", group: group)
    }
}
