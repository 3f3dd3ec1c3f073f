import Foundation
import XCTest
import LoupeMES
import LoupeTestSupport

/// Against a real Modbus TCP peer (pymodbus) started on a free port.
final class RejectPathTests: XCTestCase {
    func testModbusRoundTripsCoilsAndRegisters() throws {
        let plc = try requirePeer { try PLCPeer(repo: repositoryRoot) }
        let c = ModbusClient(host: "127.0.0.1", port: plc.port)
        try c.writeRegisters(10, [1, 2, 65535], timeoutMs: 1000)
        XCTAssertEqual(try c.readRegisters(10, count: 3, timeoutMs: 1000), [1, 2, 65535])
        try c.writeCoil(3, true, timeoutMs: 1000)
        XCTAssertEqual(try c.readCoils(0, count: 5, timeoutMs: 1000), [false, false, false, true, false])
    }

    func testPLCExceptionCodeIsNamed() throws {
        let plc = try requirePeer { try PLCPeer(repo: repositoryRoot) }
        let c = ModbusClient(host: "127.0.0.1", port: plc.port)
        XCTAssertThrowsError(try c.writeRegisters(5000, [1], timeoutMs: 1000)) { e in
            guard case .plcException(_, let peer, let fn, let code)? = e as? MESError else { return XCTFail("\(e)") }
            XCTAssertEqual(peer, "127.0.0.1:\(plc.port) unit 1"); XCTAssertEqual(fn, 16); XCTAssertEqual(code, 2)
            XCTAssertTrue("\(e)".contains("illegal data address"), "\(e)")
        }
        // The connection is still usable after an exception.
        XCTAssertNoThrow(try c.readRegisters(0, count: 1, timeoutMs: 1000))
    }

    func testRefusedConnectionNamesThePeer() {
        let c = ModbusClient(host: "127.0.0.1", port: freePort())
        XCTAssertThrowsError(try c.readRegisters(0, count: 1, timeoutMs: 200)) { e in
            XCTAssertTrue("\(e)".contains("127.0.0.1") && "\(e)".contains("refused"), "\(e)")
        }
    }

    func testRejectVerdictIsWrittenAndReadBack() throws {
        let plc = try requirePeer { try PLCPeer(repo: repositoryRoot) }
        var config = RejectController.Config(plcPort: plc.port)
        config.requestTimeoutMs = 200
        let rc = RejectController(config: config)
        let rtt = try rc.sendReject(part: 0x12345, slot: 7, reason: .verdict)
        XCTAssertLessThan(rtt, 200)
        let regs = try ModbusClient(host: "127.0.0.1", port: plc.port).readRegisters(10, count: 6, timeoutMs: 1000)
        XCTAssertEqual(Array(regs[1...]), [7, 0x1, 0x2345, 1, 0])
    }

    func testFailSafeRejectsPartsWithoutVerdictAndPassesPassedOnes() throws {
        let plc = try requirePeer { try PLCPeer(repo: repositoryRoot) }
        var config = RejectController.Config(plcPort: plc.port)
        config.requestTimeoutMs = 100
        config.failSafeMarginMs = 40
        let alarms = AlarmLog()
        let rc = RejectController(config: config, alarm: alarms.sink)
        let outcomes = OutcomeLog()
        rc.onOutcome = outcomes.add
        rc.start()
        let now = MonotonicClock.seconds()
        rc.partEntered(1, slot: 1, deadlineMono: now + 0.2)  // pass
        rc.partEntered(2, slot: 2, deadlineMono: now + 0.2)  // reject
        rc.partEntered(3, slot: 3, deadlineMono: now + 0.2)  // uncertain
        rc.partEntered(4, slot: 4, deadlineMono: now + 0.2)  // never gets a verdict
        rc.partEntered(5, slot: 5, deadlineMono: now + 0.2)  // verdict too late
        rc.verdict(1, .pass); rc.verdict(2, .reject); rc.verdict(3, .uncertain)
        XCTAssertTrue(waitUntil(1) { outcomes.all.count == 5 }, "outcomes \(outcomes.all.count)")
        rc.verdict(5, .pass)
        rc.stop()
        let by = Dictionary(uniqueKeysWithValues: outcomes.all.map { ($0.part, $0) })
        XCTAssertNil(by[1]?.reason)
        XCTAssertEqual(by[2]?.reason, .verdict)
        XCTAssertEqual(by[3]?.reason, .uncertain)
        XCTAssertEqual(by[4]?.reason, .missing)
        XCTAssertEqual(by[5]?.reason, .missing)
        for p in [2, 3, 4, 5] as [UInt32] {
            let o = try XCTUnwrap(by[p])
            XCTAssertTrue(o.confirmed, "part \(p): \(o.error ?? "")")
            XCTAssertLessThanOrEqual(o.atMono, o.deadlineMono, "part \(p) rejected after its deadline")
        }
        XCTAssertEqual(rc.lateVerdictCount, 1)
        XCTAssertNotNil(alarms.first(.failSafeReject))
        XCTAssertNil(alarms.first(.plcNotAnswering))
    }

    func testPLCThatStopsAnsweringRaisesAlarmAndStopLineWithinTheDeadline() throws {
        let plc = try requirePeer { try PLCPeer(repo: repositoryRoot) }
        var config = RejectController.Config(plcPort: plc.port)
        config.requestTimeoutMs = 30
        config.failSafeMarginMs = 100
        config.stopLineCoil = 1
        let alarms = AlarmLog()
        let rc = RejectController(config: config, alarm: alarms.sink)
        let outcomes = OutcomeLog()
        rc.onOutcome = outcomes.add
        try rc.sendReject(part: 1, slot: 1, reason: .manual) // connected and working
        rc.start()
        plc.freeze()
        let deadline = MonotonicClock.seconds() + 0.3
        rc.partEntered(9, slot: 3, deadlineMono: deadline)
        rc.verdict(9, .reject)
        XCTAssertTrue(waitUntil(2) { outcomes.all.count == 1 })
        let o = outcomes.all[0]
        XCTAssertFalse(o.confirmed)
        XCTAssertTrue(o.error?.contains("no answer within") ?? false, o.error ?? "")
        let (notAnswering, at) = try XCTUnwrap(alarms.first(.plcNotAnswering), "\(alarms.all)")
        XCTAssertLessThanOrEqual(at, deadline, "alarm raised after the deadline")
        XCTAssertTrue(notAnswering.detail.contains("127.0.0.1:\(plc.port)"), notAnswering.detail)
        XCTAssertNotNil(alarms.first(.stopLine))
        rc.stop()
        // Same for a part whose verdict never comes while the PLC is frozen: fail-safe, alarm, in time.
        plc.thaw()
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertEqual(try ModbusClient(host: "127.0.0.1", port: plc.port).readCoils(1, count: 1, timeoutMs: 1000), [true], "stop-line coil set once the PLC answers again")
    }
}

final class OutcomeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [RejectController.Outcome] = []
    func add(_ o: RejectController.Outcome) { lock.lock(); items.append(o); lock.unlock() }
    var all: [RejectController.Outcome] { lock.lock(); defer { lock.unlock() }; return items }
}
