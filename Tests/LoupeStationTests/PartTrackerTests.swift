import LoupeStation
import LoupeTestSupport
import XCTest

/// Links that record everything the tracker sends.
struct RecordingLinks: RejectLink, ResultLink {
    var rejects: [RejectCommand] = []
    var results: [PartResult] = []
    var alarms: [StationAlarm] = []
    mutating func sendReject(_ command: RejectCommand) { rejects.append(command) }
    mutating func publish(_ result: PartResult) { results.append(result) }
    mutating func raise(_ alarm: StationAlarm) { alarms.append(alarm) }
}

/// Links that only count (no storage), for the allocation test.
struct CountingLinks: RejectLink, ResultLink {
    var rejects = 0, results = 0, alarms = 0
    mutating func sendReject(_ command: RejectCommand) { rejects += 1 }
    mutating func publish(_ result: PartResult) { results += 1 }
    mutating func raise(_ alarm: StationAlarm) { alarms += 1 }
}

/// The tracker driven by a fake clock: every time is given, nothing waits.
final class PartTrackerTests: XCTestCase {
    typealias Tracker = PartTracker<RecordingLinks, RecordingLinks>

    func tracker(lead: Double = 0.1, band: Float = 0, capacity: Int = 64) -> Tracker {
        Tracker(configuration: .init(rejectLeadTime: lead, uncertaintyBand: band, capacity: capacity),
                rejects: RecordingLinks(), results: RecordingLinks())
    }

    func testVerdictsInTimeAreActedOnOnce() {
        var t = tracker()
        t.partEntered(PartID(1, slot: 3), deadline: 1, at: 0)
        t.partEntered(PartID(2, slot: 4), deadline: 1.1, at: 0.1)
        t.verdict(for: 1, score: 0.2, threshold: 0.5, classIndex: 0, at: 0.05)
        t.verdict(for: 2, score: 0.9, threshold: 0.5, classIndex: 1, at: 0.15)
        t.advance(to: 5)
        XCTAssertEqual(t.rejects.rejects, [RejectCommand(part: PartID(2, slot: 4), reason: .verdict, deadline: 1.1, decidedAt: 0.15)])
        XCTAssertEqual(t.results.results.map(\.disposition), [.pass, .reject(.verdict)])
        XCTAssertEqual(t.results.results.map(\.score), [0.2, 0.9])
        XCTAssertEqual(t.counters.passed, 1)
        XCTAssertEqual(t.counters.rejected(.verdict), 1)
        XCTAssertEqual(t.counters.failSafeRejects, 0)
        XCTAssertEqual(t.inFlightCount, 0)
        XCTAssertTrue(t.results.alarms.isEmpty)
    }

    func testScoreAtTheThresholdPasses() {
        var t = tracker()
        t.partEntered(PartID(1), deadline: 1, at: 0)
        t.verdict(for: 1, score: 0.5, threshold: 0.5, classIndex: 0, at: 0.1)
        XCTAssertEqual(t.results.results.map(\.disposition), [.pass], "reject only when score > threshold")
    }

    func testNoVerdictByTheFailSafeTimeRejects() {
        var t = tracker(lead: 0.1)
        t.partEntered(PartID(7, slot: 2), deadline: 1, at: 0)
        XCTAssertEqual(t.nextFailSafeTime, 0.9)
        t.advance(to: 0.899_999)
        XCTAssertTrue(t.rejects.rejects.isEmpty)
        t.advance(to: 0.9)
        XCTAssertEqual(t.rejects.rejects, [RejectCommand(part: PartID(7, slot: 2), reason: .noVerdictInTime, deadline: 1, decidedAt: 0.9)])
        XCTAssertEqual(t.results.results.map(\.disposition), [.reject(.noVerdictInTime)])
        XCTAssertNil(t.results.results[0].score)
        XCTAssertNil(t.nextFailSafeTime)
    }

    /// At the fail-safe instant the part is already rejected; the verdict is late, whatever it says.
    func testVerdictExactlyAtTheFailSafeTimeIsLate() {
        var t = tracker(lead: 0.1)
        t.partEntered(PartID(1), deadline: 1, at: 0)
        t.verdict(for: 1, score: 0.01, threshold: 0.5, classIndex: 0, at: 0.9)
        XCTAssertEqual(t.results.results.map(\.disposition), [.reject(.noVerdictInTime)])
        XCTAssertEqual(t.rejects.rejects.count, 1)
        XCTAssertEqual(t.results.alarms, [.lateVerdict(PartID(1), lateBy: 0)])
        XCTAssertEqual(t.counters.lateVerdicts, 1)
        // Just before it, the same verdict passes the part.
        var u = tracker(lead: 0.1)
        u.partEntered(PartID(1), deadline: 1, at: 0)
        u.verdict(for: 1, score: 0.01, threshold: 0.5, classIndex: 0, at: 0.899_999)
        XCTAssertEqual(u.results.results.map(\.disposition), [.pass])
    }

    func testUncertaintyBandIsInclusive() {
        var t = tracker(band: 0.125)
        let scores: [Float] = [0.375, 0.374, 0.625, 0.626, 0.5]
        for (i, score) in scores.enumerated() {
            t.partEntered(PartID(UInt32(i)), deadline: 10, at: 0)
            t.verdict(for: UInt32(i), score: score, threshold: 0.5, classIndex: 0, at: 0.1)
        }
        XCTAssertEqual(t.results.results.map(\.disposition),
                       [.reject(.uncertain), .pass, .reject(.uncertain), .reject(.verdict), .reject(.uncertain)])
        XCTAssertEqual(t.counters.rejected(.uncertain), 3)
    }

    func testNonFiniteScoreAndFailuresAreFailSafeRejects() {
        var t = tracker()
        for id in 1...3 { t.partEntered(PartID(UInt32(id)), deadline: 10, at: 0) }
        t.verdict(for: 1, score: .nan, threshold: 0.5, classIndex: 0, at: 0.1)
        t.failed(2, .frameLost, detail: "frame 41 truncated: 100 of 614400 bytes", at: 0.2)
        t.failed(3, .inferenceFailed, detail: "model not loaded", at: 0.3)
        XCTAssertEqual(t.results.results.map(\.disposition), [.reject(.inferenceFailed), .reject(.frameLost), .reject(.inferenceFailed)])
        XCTAssertEqual(t.results.results.map(\.detail), ["score is nan", "frame 41 truncated: 100 of 614400 bytes", "model not loaded"])
        XCTAssertEqual(t.rejects.rejects.map(\.reason), [.inferenceFailed, .frameLost, .inferenceFailed])
        XCTAssertEqual(t.counters.failSafeRejects, 3)
    }

    /// A fake clock that jumps back must not revive an expired part or pass a late one.
    func testTimeNeverRunsBackwards() {
        var t = tracker(lead: 0.1)
        t.partEntered(PartID(1), deadline: 1.6, at: 0)
        t.advance(to: 2)
        t.verdict(for: 1, score: 0.1, threshold: 0.5, classIndex: 0, at: 1)
        XCTAssertEqual(t.now, 2)
        XCTAssertEqual(t.results.results.map(\.disposition), [.reject(.noVerdictInTime)])
        XCTAssertEqual(t.results.results[0].settledAt, 2)
        XCTAssertEqual(t.counters.lateVerdicts, 1)
        // A part entering "in the past" is judged against the latest time.
        t.partEntered(PartID(2), deadline: 1.5, at: 0.5)
        XCTAssertEqual(t.results.results.last?.disposition, .reject(.noVerdictInTime))
    }

    func testPartWhoseDeadlineHasPassedIsRejectedOnEntry() {
        var t = tracker(lead: 0.05)
        t.partEntered(PartID(9), deadline: 1.04, at: 1)
        XCTAssertEqual(t.rejects.rejects.map(\.reason), [.noVerdictInTime])
        XCTAssertEqual(t.inFlightCount, 0)
    }

    func testOverloadAndDuplicateIdsAreRejectedUntracked() {
        var t = tracker(capacity: 2)
        t.partEntered(PartID(1), deadline: 10, at: 0)
        t.partEntered(PartID(2), deadline: 10, at: 0)
        t.partEntered(PartID(3), deadline: 10, at: 0)
        t.partEntered(PartID(1), deadline: 10, at: 0)
        XCTAssertEqual(t.results.alarms, [.overload(PartID(3), capacity: 2), .duplicatePart(PartID(1))])
        XCTAssertEqual(t.rejects.rejects.map(\.reason), [.untracked, .untracked])
        XCTAssertEqual(t.inFlightCount, 2)
        t.verdict(for: 1, score: 0.1, threshold: 0.5, classIndex: 0, at: 1)
        t.verdict(for: 2, score: 0.1, threshold: 0.5, classIndex: 0, at: 1)
        XCTAssertEqual(t.counters.entered, 4)
        XCTAssertEqual(t.counters.settled, 4)
    }

    func testVerdictForAnUnknownPartOnlyRaisesAnAlarm() {
        var t = tracker()
        t.verdict(for: 42, score: 0.9, threshold: 0.5, classIndex: 1, at: 0)
        t.partEntered(PartID(1), deadline: 10, at: 0)
        t.verdict(for: 1, score: 0.1, threshold: 0.5, classIndex: 0, at: 0.1)
        t.verdict(for: 1, score: 0.9, threshold: 0.5, classIndex: 1, at: 0.2)
        XCTAssertEqual(t.results.alarms, [.unknownPart(42), .unknownPart(1)], "a second verdict for a settled part changes nothing")
        XCTAssertEqual(t.results.results.map(\.disposition), [.pass])
        XCTAssertEqual(t.counters.unknownParts, 2)
        XCTAssertTrue(t.rejects.rejects.isEmpty)
    }

    /// Several fail-safes due at one advance fire earliest first, ties in entry order.
    func testExpiriesFireInDeadlineOrder() {
        var t = tracker(lead: 0)
        t.partEntered(PartID(1), deadline: 3, at: 0)
        t.partEntered(PartID(2), deadline: 1, at: 0)
        t.partEntered(PartID(3), deadline: 2, at: 0)
        t.partEntered(PartID(4), deadline: 1, at: 0)
        t.advance(to: 10)
        XCTAssertEqual(t.rejects.rejects.map(\.part.id), [2, 4, 3, 1])
    }

    /// 200,000 parts with random arrivals, verdict delays (some past the fail-safe), scores, lost
    /// frames and missing verdicts, delivered in time order by a driver that wakes at
    /// ``PartTracker/nextFailSafeTime``; checked against an independent oracle of each part's fate.
    func testRandomisedLineAgainstAnOracle() {
        var rng = SplitMix64(seed: 2026)
        let lead = 0.030, travel = 0.400, band: Float = 0.05, threshold: Float = 0.5
        var t = Tracker(configuration: .init(rejectLeadTime: lead, uncertaintyBand: band, capacity: 512),
                        rejects: RecordingLinks(), results: RecordingLinks())
        enum Kind { case enter, verdict(Float), lost, never }
        struct Event { var at: Double; var order: Int; var id: UInt32; var kind: Kind }
        var events: [Event] = []
        var expected: [UInt32: PartResult.Disposition] = [:]
        var clock = 0.0
        let parts = 200_000
        for n in 0..<parts {
            clock += Double(rng.uniform(0.001, 0.02))
            let id = UInt32(n), failSafe = clock + travel - lead
            events.append(Event(at: clock, order: events.count, id: id, kind: .enter))
            let roll = rng.uniform(), at = clock + Double(rng.uniform(0, 0.45))
            if roll < 0.01 {
                expected[id] = .reject(.noVerdictInTime)
            } else if roll < 0.02 {
                events.append(Event(at: at, order: events.count, id: id, kind: .lost))
                expected[id] = at < failSafe ? .reject(.frameLost) : .reject(.noVerdictInTime)
            } else {
                let score = rng.uniform()
                events.append(Event(at: at, order: events.count, id: id, kind: .verdict(score)))
                if at >= failSafe {
                    expected[id] = .reject(.noVerdictInTime)
                } else if abs(score - threshold) <= band {
                    expected[id] = .reject(.uncertain)
                } else {
                    expected[id] = score > threshold ? .reject(.verdict) : .pass
                }
            }
        }
        events.sort { ($0.at, $0.order) < ($1.at, $1.order) }
        let start = MonotonicClock.seconds()
        for event in events {
            while let due = t.nextFailSafeTime, due <= event.at { t.advance(to: due) }
            switch event.kind {
            case .enter: t.partEntered(PartID(event.id, slot: UInt16(event.id % 8)), deadline: event.at + travel, at: event.at)
            case let .verdict(score): t.verdict(for: event.id, score: score, threshold: threshold, classIndex: 0, at: event.at)
            case .lost: t.failed(event.id, .frameLost, detail: "lost", at: event.at)
            case .never: break
            }
        }
        while let due = t.nextFailSafeTime { t.advance(to: due) }
        let seconds = MonotonicClock.seconds() - start

        let results = t.results.results
        XCTAssertEqual(results.count, parts, "every part settled exactly once")
        XCTAssertEqual(Set(results.map(\.part.id)).count, parts)
        var mismatches = 0, badPassed = 0
        for r in results {
            if r.disposition != expected[r.part.id] { mismatches += 1 }
            if r.disposition == .pass, expected[r.part.id] != .pass { badPassed += 1 }
        }
        XCTAssertEqual(mismatches, 0, "dispositions differ from the oracle")
        XCTAssertEqual(badPassed, 0, "a part that had to be rejected passed")
        let rejectedIds = t.rejects.rejects.map(\.part.id)
        XCTAssertEqual(rejectedIds.count, Set(rejectedIds).count, "one reject command per part at most")
        XCTAssertEqual(Set(rejectedIds), Set(results.filter { $0.disposition != .pass }.map(\.part.id)))
        XCTAssertTrue(t.rejects.rejects.allSatisfy { $0.decidedAt <= $0.deadline - lead + 1e-9 },
                      "every reject decided by its fail-safe time")
        XCTAssertEqual(t.counters.settled, parts)
        XCTAssertGreaterThan(t.counters.lateVerdicts, 1000, "the run must exercise late verdicts")
        XCTAssertEqual(t.counters.unknownParts, 0)
        print("PartTracker: \(parts) parts in \(String(format: "%.0f", seconds * 1000)) ms; rejects by reason "
              + RejectReason.allCases.map { "\($0.rawValue) \(t.counters.rejected($0))" }.joined(separator: ", ")
              + "; late verdicts \(t.counters.lateVerdicts)")
    }

    /// Steady state: entering, deciding and settling parts allocates nothing in the tracker.
    /// (To find an allocation's call site: `AllocationCounter.trapOnNextAllocation()` before the
    /// loop, and run the test bundle under gdb.)
    func testHandlingPartsAllocatesNothing() {
        var t = PartTracker(configuration: .init(rejectLeadTime: 0.03, uncertaintyBand: 0.05, capacity: 64),
                            rejects: CountingLinks(), results: CountingLinks())
        var clock = 0.0
        func run(_ count: Int) {
            for n in 0..<count {
                clock += 0.01
                t.partEntered(PartID(UInt32(n)), deadline: clock + 0.2, at: clock)
                if n % 5 != 0 { t.verdict(for: UInt32(n), score: n % 3 == 0 ? 0.9 : 0.1, threshold: 0.5, classIndex: 0, at: clock + 0.005) }
            }
            t.advance(to: clock + 1)
        }
        run(100)
        let calls = AllocationCounter.callsOnThisThread { run(1000) }
        XCTAssertEqual(calls, 0)
        XCTAssertEqual(t.results.results, 1100)
        XCTAssertEqual(t.rejects.rejects, t.counters.totalRejected)
    }
}

final class RejectReasonTests: XCTestCase {
    func testIndexIsThePositionInAllCases() {
        XCTAssertEqual(RejectReason.allCases.map(\.index), Array(RejectReason.allCases.indices))
    }
}
