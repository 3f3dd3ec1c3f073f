import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LoupeTensor

/// A small blocking Modbus TCP client (MBAP header + PDU) for the reject path: FC01/03 reads,
/// FC05/16 writes, each with its own timeout. A timeout or malformed answer closes the socket so
/// a late answer can never be taken for the next request's; the next call reconnects.
///
/// Not thread-safe: one owner (the reject controller's thread).
public final class ModbusClient {
    public let host: String
    public let port: Int
    public let unit: UInt8
    public var peer: String { "\(host):\(port) unit \(unit)" }
    private var fd: Int32 = -1
    private var transaction: UInt16 = 0

    public init(host: String, port: Int, unit: UInt8 = 1) { self.host = host; self.port = port; self.unit = unit }
    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    private func connect(deadline: Double, op: String) throws {
        if fd >= 0 { return }
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw MESError.plc(operation: op, peer: peer, detail: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            Glibc.close(s); throw MESError.plc(operation: op, peer: peer, detail: "not an IPv4 address: \(host)")
        }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc != 0 && errno != EINPROGRESS {
            let e = String(cString: strerror(errno)); Glibc.close(s)
            throw MESError.plc(operation: op, peer: peer, detail: "connect: \(e)")
        }
        if rc != 0 {
            guard try waitFor(s, events: Int16(POLLOUT), deadline: deadline) else {
                Glibc.close(s); throw MESError.plcTimeout(operation: "\(op) (connect)", peer: peer, milliseconds: 0)
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 { Glibc.close(s); throw MESError.plc(operation: op, peer: peer, detail: "connect: \(String(cString: strerror(err)))") }
        }
        fd = s
    }

    /// poll() until ready or the deadline (monotonic seconds); false on timeout. Retries on EINTR.
    private func waitFor(_ s: Int32, events: Int16, deadline: Double) throws -> Bool {
        while true {
            let left = deadline - MonotonicClock.seconds()
            if left <= 0 { return false }
            var p = pollfd(fd: s, events: events, revents: 0)
            let rc = poll(&p, 1, Int32(max(1, (left * 1000).rounded(.up))))
            if rc > 0 { return true }
            if rc == 0 { continue }
            if errno == EINTR { continue }
            throw MESError.plc(operation: "poll", peer: peer, detail: String(cString: strerror(errno)))
        }
    }

    /// One request/response. Returns the response PDU after the function code.
    /// - Throws: `.plcException` for an exception response, `.plcTimeout`, `.plc` for anything malformed.
    func request(_ op: String, function: UInt8, body: [UInt8], timeoutMs: Int) throws -> [UInt8] {
        let deadline = MonotonicClock.seconds() + Double(timeoutMs) / 1000
        do {
            try connect(deadline: deadline, op: op)
            transaction &+= 1
            let length = UInt16(2 + body.count)
            var frame: [UInt8] = [UInt8(transaction >> 8), UInt8(transaction & 0xFF), 0, 0, UInt8(length >> 8), UInt8(length & 0xFF), unit, function]
            frame += body
            var sent = 0
            while sent < frame.count {
                let n = frame.withUnsafeBytes { send(fd, $0.baseAddress! + sent, frame.count - sent, Int32(MSG_NOSIGNAL)) }
                if n > 0 { sent += n; continue }
                if n < 0 && (errno == EAGAIN || errno == EINTR) {
                    guard try waitFor(fd, events: Int16(POLLOUT), deadline: deadline) else { throw MESError.plcTimeout(operation: op, peer: peer, milliseconds: timeoutMs) }
                    continue
                }
                throw MESError.plc(operation: op, peer: peer, detail: "send: \(String(cString: strerror(errno)))")
            }
            while true {
                let header = try readExactly(7, deadline: deadline, op: op, timeoutMs: timeoutMs)
                let tid = UInt16(header[0]) << 8 | UInt16(header[1])
                let len = Int(UInt16(header[4]) << 8 | UInt16(header[5]))
                guard header[2] == 0, header[3] == 0, (2...254).contains(len) else {
                    throw MESError.plc(operation: op, peer: peer, detail: "bad MBAP header \(header.map { String(format: "%02x", $0) }.joined(separator: " "))")
                }
                let pdu = try readExactly(len - 1, deadline: deadline, op: op, timeoutMs: timeoutMs)
                if tid != transaction { continue } // a stale answer to an earlier request: skip it
                guard header[6] == unit else { throw MESError.plc(operation: op, peer: peer, detail: "answer from unit \(header[6]), expected \(unit)") }
                if pdu[0] == function | 0x80 {
                    throw MESError.plcException(operation: op, peer: peer, function: function, code: pdu.count > 1 ? pdu[1] : 0)
                }
                guard pdu[0] == function else { throw MESError.plc(operation: op, peer: peer, detail: "answer for function \(pdu[0]), expected \(function)") }
                return Array(pdu.dropFirst())
            }
        } catch let e as MESError {
            if case .plcException = e {} else { close() }
            throw e
        }
    }

    private func readExactly(_ count: Int, deadline: Double, op: String, timeoutMs: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n > 0 { got += n; continue }
            if n == 0 { throw MESError.plc(operation: op, peer: peer, detail: "connection closed by the PLC after \(got) of \(count) bytes") }
            if errno == EAGAIN || errno == EINTR {
                guard try waitFor(fd, events: Int16(POLLIN), deadline: deadline) else { throw MESError.plcTimeout(operation: op, peer: peer, milliseconds: timeoutMs) }
                continue
            }
            throw MESError.plc(operation: op, peer: peer, detail: "recv: \(String(cString: strerror(errno)))")
        }
        return out
    }

    private static func be(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }

    /// FC05 write single coil (0xFF00 on, 0x0000 off); the PLC echoes the request.
    public func writeCoil(_ address: UInt16, _ on: Bool, timeoutMs: Int) throws {
        let body = Self.be(address) + Self.be(on ? 0xFF00 : 0)
        let r = try request("write coil \(address)", function: 5, body: body, timeoutMs: timeoutMs)
        guard r == body else { throw MESError.plc(operation: "write coil \(address)", peer: peer, detail: "echo \(r), expected \(body)") }
    }

    /// FC01 read coils.
    public func readCoils(_ address: UInt16, count: UInt16, timeoutMs: Int) throws -> [Bool] {
        let op = "read coils \(address)+\(count)"
        let r = try request(op, function: 1, body: Self.be(address) + Self.be(count), timeoutMs: timeoutMs)
        guard r.count >= 1, Int(r[0]) == (Int(count) + 7) / 8, r.count == 1 + Int(r[0]) else { throw MESError.plc(operation: op, peer: peer, detail: "bad byte count in \(r)") }
        return (0..<Int(count)).map { r[1 + $0 / 8] & (1 << ($0 % 8)) != 0 }
    }

    /// FC16 write multiple registers.
    public func writeRegisters(_ address: UInt16, _ values: [UInt16], timeoutMs: Int) throws {
        precondition((1...123).contains(values.count))
        let op = "write registers \(address)+\(values.count)"
        let body = Self.be(address) + Self.be(UInt16(values.count)) + [UInt8(values.count * 2)] + values.flatMap(Self.be)
        let r = try request(op, function: 16, body: body, timeoutMs: timeoutMs)
        guard r == Self.be(address) + Self.be(UInt16(values.count)) else { throw MESError.plc(operation: op, peer: peer, detail: "echo \(r)") }
    }

    /// FC03 read holding registers.
    public func readRegisters(_ address: UInt16, count: UInt16, timeoutMs: Int) throws -> [UInt16] {
        let op = "read registers \(address)+\(count)"
        let r = try request(op, function: 3, body: Self.be(address) + Self.be(count), timeoutMs: timeoutMs)
        guard r.count == 1 + 2 * Int(count), Int(r[0]) == 2 * Int(count) else { throw MESError.plc(operation: op, peer: peer, detail: "bad byte count in \(r)") }
        return (0..<Int(count)).map { UInt16(r[1 + 2 * $0]) << 8 | UInt16(r[2 + 2 * $0]) }
    }
}
