import Foundation
import XCTest
import LoupeMES
#if canImport(Glibc)
import Glibc
import LoupeTestSupport
#endif

/// A scripted Modbus TCP "PLC" (in addition to the real pymodbus peer): answers each request with
/// whatever the test says, to check the client's framing checks and error texts.
final class ScriptedPLC: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    /// Given the request frame, returns the bytes to answer (empty: say nothing; nil: close).
    init(answer: @escaping @Sendable ([UInt8]) -> [UInt8]?) {
        let l = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        port = bindLoopback(l)
        listener = l
        listen(l, 4)
        let fd = listener
        Thread {
            while true {
                let c = accept(fd, nil, nil)
                // Only this thread closes the listener, after `deinit` shut it down: were `deinit`
                // to close it, a later ScriptedPLC could get the same fd number and this thread
                // would accept (and answer) that test's connection.
                if c < 0 { close(fd); return }
                var buf = [UInt8](repeating: 0, count: 260)
                while true {
                    let n = recv(c, &buf, buf.count, 0)
                    if n <= 0 { break }
                    guard let reply = answer(Array(buf[0..<n])) else { break }
                    if !reply.isEmpty { _ = send(c, reply, reply.count, Int32(MSG_NOSIGNAL)) }
                }
                close(c)
            }
        }.start()
    }
    deinit { shutdown(listener, Int32(SHUT_RDWR)) }

    /// MBAP header for a reply to `request` carrying `pdu`.
    static func reply(to request: [UInt8], pdu: [UInt8], tid: [UInt8]? = nil, unit: UInt8? = nil) -> [UInt8] {
        let len = pdu.count + 1
        return (tid ?? Array(request[0..<2])) + [0, 0, UInt8(len >> 8), UInt8(len & 0xFF), unit ?? request[6]] + pdu
    }
}

final class ModbusFramingTests: XCTestCase {
    func testRequestFrameIsMBAPPlusPDU() throws {
        let seen = Box<[UInt8]>()
        let plc = ScriptedPLC { req in seen.value = req; return ScriptedPLC.reply(to: req, pdu: [16, 0, 10, 0, 2]) }
        try ModbusClient(host: "127.0.0.1", port: plc.port, unit: 7).writeRegisters(10, [0x0102, 0xA0B0], timeoutMs: 500)
        let r = try XCTUnwrap(seen.value)
        XCTAssertEqual(Array(r[2...]), [0, 0, 0, 11, 7, 16, 0, 10, 0, 2, 4, 0x01, 0x02, 0xA0, 0xB0])
    }

    func testStaleTransactionIsSkippedAndWrongFunctionIsAnError() throws {
        // First a stale answer (other transaction id), then the real one: the client waits for its own.
        let plc = ScriptedPLC { req in
            ScriptedPLC.reply(to: req, pdu: [3, 2, 0, 9], tid: [0xEE, 0xEE]) + ScriptedPLC.reply(to: req, pdu: [3, 2, 0, 42])
        }
        let c = ModbusClient(host: "127.0.0.1", port: plc.port)
        XCTAssertEqual(try c.readRegisters(0, count: 1, timeoutMs: 500), [42])
        let wrong = ScriptedPLC { req in ScriptedPLC.reply(to: req, pdu: [4, 2, 0, 1]) }
        XCTAssertThrowsError(try ModbusClient(host: "127.0.0.1", port: wrong.port).readRegisters(0, count: 1, timeoutMs: 500)) { e in
            XCTAssertTrue("\(e)".contains("answer for function 4, expected 3"), "\(e)")
        }
    }

    func testSilenceIsATimeoutNamingPeerAndOperation() throws {
        let plc = ScriptedPLC { _ in [] }
        let t0 = MonotonicClock.seconds()
        XCTAssertThrowsError(try ModbusClient(host: "127.0.0.1", port: plc.port).writeCoil(3, true, timeoutMs: 50)) { e in
            guard case .plcTimeout(let op, let peer, let ms)? = e as? MESError else { return XCTFail("\(e)") }
            XCTAssertEqual(op, "write coil 3"); XCTAssertEqual(peer, "127.0.0.1:\(plc.port) unit 1"); XCTAssertEqual(ms, 50)
        }
        XCTAssertLessThan(MonotonicClock.seconds() - t0, 0.5, "the timeout is per request")
    }

    func testGarbageAndHangUpAreClearErrors() throws {
        let garbage = ScriptedPLC { _ in [0, 1, 0x12, 0x34, 0, 5, 1, 3] }
        XCTAssertThrowsError(try ModbusClient(host: "127.0.0.1", port: garbage.port).readRegisters(0, count: 1, timeoutMs: 300)) { e in
            XCTAssertTrue("\(e)".contains("bad MBAP header 00 01 12 34 00 05 01"), "\(e)")
        }
        let hangUp = ScriptedPLC { _ in nil }
        XCTAssertThrowsError(try ModbusClient(host: "127.0.0.1", port: hangUp.port).readRegisters(0, count: 1, timeoutMs: 300)) { e in
            XCTAssertTrue("\(e)".contains("connection closed by the PLC after 0 of 7 bytes"), "\(e)")
        }
    }

    func testReadBackMismatchIsDetected() throws {
        // A PLC that acknowledges writes but keeps other values.
        let plc = ScriptedPLC { req in
            req[7] == 16 ? ScriptedPLC.reply(to: req, pdu: [16, 0, 10, 0, 6]) : ScriptedPLC.reply(to: req, pdu: [3, 12] + [UInt8](repeating: 0, count: 12))
        }
        var config = RejectController.Config(plcPort: plc.port)
        config.requestTimeoutMs = 300
        XCTAssertThrowsError(try RejectController(config: config).sendReject(part: 5, slot: 2, reason: .verdict)) { e in
            guard case .plcReadBackMismatch(_, let address, let wrote, let read)? = e as? MESError else { return XCTFail("\(e)") }
            XCTAssertEqual(address, 10); XCTAssertEqual(Array(wrote[1...]), [2, 0, 5, 1, 0]); XCTAssertEqual(read, [0, 0, 0, 0, 0, 0])
        }
    }
}

final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T?
    var value: T? { get { lock.lock(); defer { lock.unlock() }; return v } set { lock.lock(); v = newValue; lock.unlock() } }
}
