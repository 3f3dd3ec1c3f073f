import Foundation
import LoupeModel
import XCTest
@testable import LoupeTraining
import LoupeTestSupport

/// The `loupe train` process itself: SIGKILLed after a checkpoint, then `--resume`d, it must end
/// with the same weights file as a run that was never interrupted.
final class TrainCommandTests: XCTestCase {
    /// `loupe` beside the test bundle (`swift build --build-tests` builds it); `$LOUPE_CLI` overrides.
    func loupePath() throws -> String {
        if let path = builtExecutable("loupe", override: "LOUPE_CLI") { return path }
        throw XCTSkip("no loupe executable beside the test bundle: build with `swift build --build-tests` (scripts/test.sh does)")
    }

    func testKilledRunResumesToTheSameWeights() throws {
        let exe = try loupePath()
        let dir = try makeTemporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TrainerFixture.writeCells(count: 384, seed: 9, size: 96, to: dir + "/data")
        let spec = TrainerFixture.tinySpec(size: 96)
        try Model(spec: spec, weights: try ReferenceArchitectures.initialWeights(for: spec, seed: 1, randomStatistics: false)).write(to: dir + "/arch")
        let epochs = 8
        func args(_ out: String) -> [String] {
            [ "train", dir + "/data", "--arch", dir + "/arch", "--epochs", "\(epochs)", "--batch", "16", "--lr", "0.003",
              "--val-fraction", "0.2", "--seed", "3", "--out", out ]
        }
        let straight = try launchQuietly(exe, args(dir + "/straight"))
        straight.waitUntilExit()
        XCTAssertEqual(straight.terminationStatus, 0)

        let killed = try launchQuietly(exe, args(dir + "/killed"))
        let state = dir + "/killed/checkpoint/state.json"
        var done = 0
        while killed.isRunning {
            if let data = FileManager.default.contents(atPath: state),
               let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let e = json["epochsDone"] as? Int, e >= 2 {
                done = e
                kill(killed.processIdentifier, SIGKILL)
                break
            }
            usleep(2_000)
        }
        killed.waitUntilExit()
        XCTAssertEqual(killed.terminationReason, .uncaughtSignal, "the run finished before it could be killed")
        XCTAssertGreaterThanOrEqual(done, 2)
        XCTAssertLessThan(done, epochs)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/killed/model.json"))

        let resumed = try launchQuietly(exe, args(dir + "/killed") + ["--resume"])
        resumed.waitUntilExit()
        XCTAssertEqual(resumed.terminationStatus, 0)
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/straight/weights.bin"))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/killed/weights.bin"))
        XCTAssertEqual(a, b, "resumed after SIGKILL at epoch \(done): weights differ from the uninterrupted run")
        let meta = try Model.load(from: dir + "/killed").spec.metadata ?? [:]
        XCTAssertEqual(meta["training.seed"], "3")
        XCTAssertEqual(meta["training.epochs"], "\(epochs)")
        XCTAssertNotNil(meta["training.data_sha256"])
    }
}
