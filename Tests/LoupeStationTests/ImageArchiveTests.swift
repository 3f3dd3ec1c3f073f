import Foundation
import LoupeImaging
import LoupeMES
import LoupeModel
import LoupeStation
import LoupeTestSupport
import XCTest

/// The image archive on a real station run: what it keeps, its retention limits and alarms, a
/// disk below its free-space floor, and its consistency with the outbox.
final class ImageArchiveTests: XCTestCase {
    func testRetentionDeletesByAgeThenOldestFirstToFitTheLimit() {
        let files = (0..<10).map { ArchiveRetention.File(ref: "d/\($0).png", bytes: 100, writtenAt: Double($0) * 10) }
        // Nothing too old, everything fits.
        XCTAssertEqual(ArchiveRetention.expiredCount(files, totalBytes: 1000, maxBytes: 1000, maxAge: 1000, now: 100), 0)
        // Over the byte limit by 250: the three oldest go.
        XCTAssertEqual(ArchiveRetention.expiredCount(files, totalBytes: 1000, maxBytes: 750, maxAge: 1000, now: 100), 3)
        // Age: at now = 100 with maxAge 45, files written at 0…50 are older than 45 s (0,10,…,50 → 6 files).
        XCTAssertEqual(ArchiveRetention.expiredCount(files, totalBytes: 1000, maxBytes: 10_000, maxAge: 45, now: 100), 6)
        XCTAssertEqual(ArchiveRetention.expiredCount([ArchiveRetention.File](), totalBytes: 0, maxBytes: 0, maxAge: 0, now: 0), 0)
    }

    func configuration(_ dir: String, archive: String, parts: Int) throws -> StationConfiguration {
        try FileManager.default.createDirectory(atPath: dir + "/frames", withIntermediateDirectories: true)
        for i in 1...8 {
            let file = String(format: "cell%04d.png", i)
            try FileManager.default.copyItem(atPath: repositoryRoot + "/Images/samples/" + file, toPath: dir + "/frames/" + file)
        }
        let yaml = """
        station: {name: archive-station, outbox: outbox.sqlite}
        api: {listen: "127.0.0.1:0"}
        archive:
        \(archive)
        inspection_points:
          - name: cam
            source: {folder: frames, fps: 100, loop: true}
            model: \(repositoryRoot)/Models/demo
            line: {distance_to_pick_m: 1.0, conveyor_speed_m_s: 1.0, reject_lead_ms: 50}
        """
        try yaml.write(toFile: dir + "/station.yaml", atomically: true, encoding: .utf8)
        return try StationConfiguration.load(contentsOf: dir + "/station.yaml")
    }

    func run(_ config: StationConfiguration, parts: Int) throws -> (StationRunner, StationRunner.Summary, [String]) {
        let alarms = AlarmLog()
        let runner = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 1,
                                       log: { if $0.hasPrefix("alarm: ") { alarms.add($0) } })
        let summary = try runner.run(maxParts: parts)
        return (runner, summary, alarms.lines)
    }

    /// Every rejected part's image and a sample of the passed ones are kept; over the size limit
    /// the oldest are deleted (an alarm says so) and their results marked expired; every
    /// reference the outbox still calls live names a file that exists.
    func testArchiveKeepsRejectsHonoursItsLimitAndStaysConsistentWithTheOutbox() throws {
        let dir = try makeTemporaryDirectory(self, "station-archive")
        let config = try configuration(dir, archive: "  folder: images\n  keep_passed: 0.5\n  max_disk_mb: 1\n  min_free_mb: 0", parts: 400)
        let (runner, summary, alarms) = try run(config, parts: 400)
        XCTAssertEqual(summary.parts, 400)
        let outbox = runner.outbox
        let rows = try outbox.query({ var q = Outbox.Query(); q.limit = 1000; return q }())
        var kept = 0, expired = 0, rejectsWithout = 0, passedWith = 0
        for row in rows {
            let record = try XCTUnwrap(try outbox.record(resultId: row.resultId))
            guard let image = try outbox.image(ofResult: row.resultId) else {
                if record.verdict != .pass { rejectsWithout += 1 }
                continue
            }
            XCTAssertEqual(image.ref, record.imageRef)
            if record.verdict == .pass { passedWith += 1 }
            if image.expired {
                expired += 1
                XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/images/" + image.ref), "expired but still on disk: \(image.ref)")
            } else {
                kept += 1
                XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/images/" + image.ref), "live reference without a file: \(image.ref)")
            }
        }
        print("archive: \(kept) kept, \(expired) expired, \(passedWith) passed sampled, \(runner.archive?.notKept ?? 0) not kept, \(runner.archive?.bytes ?? 0) bytes; alarms \(alarms)")
        // On a slow disk the writer can fall behind; the images it could not take are counted and
        // alarmed, never silently missing. Every other rejected part's image is archived, and half
        // the passed parts are sampled.
        let notKept = try XCTUnwrap(runner.archive).notKept
        XCTAssertLessThanOrEqual(rejectsWithout, notKept, "every rejected part's image is archived or counted as not kept")
        if notKept > 0 {
            XCTAssertTrue(alarms.contains { $0.contains("archive writer is behind") }, "\(notKept) images not kept without an alarm: \(alarms)")
        }
        let passed = summary.passed
        let sampledPassed = passedWith + (notKept - rejectsWithout)
        XCTAssertEqual(Double(sampledPassed), Double(passed) * 0.5, accuracy: 2, "half the passed parts are sampled")
        XCTAssertGreaterThan(expired, 0, "1 MB cannot hold every image: the oldest must have been deleted")
        XCTAssertLessThanOrEqual(runner.archive?.bytes ?? .max, 1 << 20)
        XCTAssertTrue(alarms.contains { $0.contains("reached its limit of 1 MB") }, "\(alarms)")
        // Every PNG on disk is a readable image of the model's input size.
        let day = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir + "/images").first)
        let first = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir + "/images/" + day).first)
        let image = try ImageDecoder.decode(contentsOf: dir + "/images/" + day + "/" + first)
        XCTAssertEqual([image.width, image.height], [128, 128])

        // Restart after a file was deleted by hand: its result is marked expired at start.
        let live = try outbox.liveImageRefs()
        let victim = try XCTUnwrap(live.first)
        try FileManager.default.removeItem(atPath: dir + "/images/" + victim)
        let again = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 1, log: { _ in })
        XCTAssertFalse(try again.outbox.liveImageRefs().contains(victim))
    }

    /// A disk with less free space than `min_free_mb`: an alarm, no image is written and no result
    /// carries a reference — and the parts are inspected and reported as ever.
    func testADiskBelowItsFloorKeepsNoImageButTheLineRuns() throws {
        let dir = try makeTemporaryDirectory(self, "station-archive-full")
        let config = try configuration(dir, archive: "  folder: images\n  keep_passed: 1\n  min_free_mb: 100000000", parts: 30)
        let (runner, summary, alarms) = try run(config, parts: 30)
        XCTAssertEqual(summary.parts, 30)
        XCTAssertTrue(alarms.contains { $0.contains("under archive.min_free_mb") }, "\(alarms)")
        XCTAssertEqual(try runner.outbox.liveImageRefs(), [])
        XCTAssertEqual(try runner.outbox.query({ var q = Outbox.Query(); q.limit = 100; return q }()).count, 30)
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: dir + "/images"))?.filter { $0.hasSuffix(".png") } ?? []
        XCTAssertEqual(files, [])
    }
}

final class AlarmLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func add(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}
