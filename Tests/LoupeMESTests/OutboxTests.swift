import Foundation
import XCTest
import LoupeMES
import LoupeTestSupport

final class OutboxTests: XCTestCase {
    func testResultStaysPendingUntilAcknowledgedAndAuditKeepsTimes() throws {
        let outbox = try Outbox(config: .init(path: tempPath("ack")))
        let second = record(2)
        try outbox.enqueue([record(1), second])
        XCTAssertEqual(try outbox.pending(after: 0, limit: 10).map(\.resultId), ["r-1", "r-2"])
        try outbox.markSent(["r-1", "r-2"], at: 100)
        try outbox.markBrokerAcked(["r-1"], at: 101)
        try outbox.markAcked(["r-1"], at: 102)
        XCTAssertEqual(try outbox.pending(after: 0, limit: 10).map(\.resultId), ["r-2"])
        let s = try outbox.status()
        XCTAssertEqual(s.total, 2); XCTAssertEqual(s.pending, 1); XCTAssertEqual(s.acknowledged, 1)
        let row = try XCTUnwrap(outbox.query({ var q = Outbox.Query(); q.resultId = "r-1"; return q }()).first)
        XCTAssertEqual(row.firstSentAt, 100); XCTAssertEqual(row.brokerAckAt, 101); XCTAssertEqual(row.ackedAt, 102); XCTAssertEqual(row.sendCount, 1)
        XCTAssertEqual(try outbox.record(resultId: "r-2"), second)
    }

    func testEnqueueIsIdempotentOnResultId() throws {
        let outbox = try Outbox(config: .init(path: tempPath("idem")))
        try outbox.enqueue(record(1)); try outbox.enqueue(record(1))
        XCTAssertEqual(try outbox.status().total, 1)
    }

    func testUnacknowledgedResultsAreReplayedAfterReopenAndMarked() throws {
        let path = tempPath("replay")
        do {
            let outbox = try Outbox(config: .init(path: path))
            try outbox.enqueue([record(1), record(2), record(3)])
            try outbox.markAcked(["r-2"], at: 5)
            XCTAssertEqual(outbox.replayedAtOpen, 0)
            XCTAssertFalse(try outbox.pending(after: 0, limit: 10)[0].replayed)
        }
        // A reader (loupe results) does not mark anything replayed.
        let reader = try Outbox(config: .init(path: path, isStation: false))
        XCTAssertEqual(reader.replayedAtOpen, 0)
        XCTAssertFalse(try reader.pending(after: 0, limit: 10).contains { $0.replayed })
        let reopened = try Outbox(config: .init(path: path))
        XCTAssertEqual(reopened.replayedAtOpen, 2)
        let pending = try reopened.pending(after: 0, limit: 10)
        XCTAssertEqual(pending.map(\.resultId), ["r-1", "r-3"])
        XCTAssertTrue(pending.allSatisfy(\.replayed))
        XCTAssertTrue(try ResultRecord.decode(pending[0].payload, source: "t").replayed, "the sent JSON says replayed")
        try reopened.enqueue(record(4))
        XCTAssertFalse(try reopened.pending(after: 0, limit: 10).last!.replayed, "a new result is not replayed")
    }

    func testBudgetReachedRaisesAlarmAndRefusesRatherThanDropping() throws {
        let alarms = AlarmLog()
        let outbox = try Outbox(config: .init(path: tempPath("budget"), budgetBytes: 64 << 10), alarm: alarms.sink)
        var stored = 0
        var refusal: Error?
        for i in 0..<2000 {
            do { try outbox.enqueue(record(i)); stored += 1 } catch { refusal = error; break }
        }
        guard case .outboxBudgetReached(_, let used, let budget)? = refusal as? MESError else { return XCTFail("expected budget error, got \(String(describing: refusal))") }
        XCTAssertGreaterThanOrEqual(used, budget)
        XCTAssertEqual(alarms.first(.outboxBudget)?.0.kind, .outboxBudget)
        XCTAssertEqual(try outbox.status().pending, stored, "every accepted result is still there")
        // Acknowledged rows give way: after the MES acknowledges, there is room again.
        try outbox.markAcked((0..<stored).map { "r-\($0)" }, at: 1)
        XCTAssertNoThrow(try outbox.enqueue(record(100_000)))
    }

    func testFullDiskIsAClearErrorAndAlarm() throws {
        let alarms = AlarmLog()
        var config = Outbox.Config(path: tempPath("full"))
        config.maxPageCount = 12 // SQLite reports SQLITE_FULL past this, as on a full disk
        let outbox = try Outbox(config: config, alarm: alarms.sink)
        var error: Error?
        for i in 0..<5000 { do { try outbox.enqueue(record(i)) } catch let e { error = e; break } }
        guard case .diskFull(let op, let path)? = error as? MESError else { return XCTFail("expected diskFull, got \(String(describing: error))") }
        XCTAssertEqual(op, "enqueue"); XCTAssertEqual(path, config.path)
        XCTAssertNotNil(alarms.first(.diskFull))
    }

    func testGroupCommitMakesEveryResultDurableAndIsFasterThanOneFsyncEach() throws {
        // Not the bench (make bench-mes): group commit must beat one fsync per result on this disk.
        let outbox = try Outbox(config: .init(path: tempPath("speed")))
        let single = 50
        var t0 = MonotonicClock.seconds()
        for i in 0..<single { try outbox.enqueue(record(i)) }
        let singlePerS = Double(single) / (MonotonicClock.seconds() - t0)
        let n = 2000
        let done = DurableCounter()
        t0 = MonotonicClock.seconds()
        for i in single..<(single + n) { outbox.enqueueGrouped(record(i)) { error in done.add(error) } }
        try outbox.flush()
        let groupedPerS = Double(n) / (MonotonicClock.seconds() - t0)
        XCTAssertEqual(done.ok, n); XCTAssertEqual(done.failed, 0)
        XCTAssertEqual(try outbox.status().total, single + n)
        XCTAssertGreaterThan(groupedPerS, 2 * singlePerS, "grouped \(groupedPerS)/s vs single \(singlePerS)/s")
    }
}

final class DurableCounter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var ok = 0, failed = 0
    func add(_ e: Error?) { lock.lock(); if e == nil { ok += 1 } else { failed += 1 }; lock.unlock() }
}
