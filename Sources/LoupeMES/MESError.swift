import Foundation
import LoupeTensor

/// Every failure of the MES adapter: each names the operation, the peer or file, and what was
/// received against what was expected.
public enum MESError: Error, CustomStringConvertible, Equatable {
    /// The outbox database could not be opened, read or written.
    case outbox(operation: String, path: String, detail: String)
    /// The disk (or the outbox's own `max_page_count`) is full: the result was NOT stored.
    case diskFull(operation: String, path: String)
    /// The outbox holds `usedBytes` of its `budgetBytes`: new results are refused (and an alarm raised).
    case outboxBudgetReached(path: String, usedBytes: Int64, budgetBytes: Int64)
    /// The MQTT broker answered CONNECT with a refusal (bad credentials, not authorised, ...).
    case brokerRefused(broker: String, code: Int32, reason: String)
    /// The MQTT broker could not be reached or libmosquitto failed.
    case mqtt(operation: String, broker: String, code: Int32, reason: String)
    /// No CONNACK within the timeout; `lastError` is why the last TCP/TLS connect failed, if it did.
    case brokerTimeout(operation: String, broker: String, seconds: Double, lastError: String?)
    /// A command on the command topic that is not valid JSON or lacks a field.
    case malformedCommand(topic: String, received: String, expected: String)
    /// A command whose name is not one the station knows.
    case unknownCommand(name: String, known: [String])
    /// The PLC answered with a Modbus exception code.
    case plcException(operation: String, peer: String, function: UInt8, code: UInt8)
    /// The PLC did not answer within the per-request timeout.
    case plcTimeout(operation: String, peer: String, milliseconds: Int)
    /// The PLC connection failed or the PLC answered something that is not a valid response.
    case plc(operation: String, peer: String, detail: String)
    /// A read-back after a write returned other values than written.
    case plcReadBackMismatch(peer: String, address: Int, wrote: [UInt16], read: [UInt16])
    /// Bad configuration given by the integrator.
    case config(String)

    /// Modbus exception codes by name (Modbus Application Protocol v1.1b3, 7).
    public static func modbusExceptionName(_ code: UInt8) -> String {
        switch code {
        case 1: return "illegal function"
        case 2: return "illegal data address"
        case 3: return "illegal data value"
        case 4: return "server device failure"
        case 5: return "acknowledge"
        case 6: return "server device busy"
        case 8: return "memory parity error"
        case 10: return "gateway path unavailable"
        case 11: return "gateway target device failed to respond"
        default: return "unknown exception"
        }
    }

    public var description: String {
        switch self {
        case let .outbox(op, path, detail): return "outbox \(op) on \(path): \(detail)"
        case let .diskFull(op, path): return "outbox \(op) on \(path): disk full — the result was not stored; free space or raise the budget"
        case let .outboxBudgetReached(path, used, budget):
            return "outbox \(path) holds \(used) bytes of its \(budget)-byte budget: new results refused until the MES acknowledges (alarm raised)"
        case let .brokerRefused(broker, code, reason): return "MQTT connect to \(broker) refused by the broker: CONNACK code \(code) (\(reason))"
        case let .mqtt(op, broker, code, reason): return "MQTT \(op) to \(broker) failed: libmosquitto code \(code) (\(reason))"
        case let .brokerTimeout(op, broker, s, last): return "MQTT \(op) to \(broker): no answer within \(s) s" + (last.map { " (last attempt: \($0))" } ?? "")
        case let .malformedCommand(topic, received, expected):
            return "malformed command on \(topic): received \(received.prefix(200).debugDescription), expected \(expected)"
        case let .unknownCommand(name, known): return "unknown command \(name.debugDescription); known: \(known.joined(separator: ", "))"
        case let .plcException(op, peer, fn, code):
            return "Modbus \(op) to \(peer): PLC answered exception \(code) (\(Self.modbusExceptionName(code))) to function \(fn)"
        case let .plcTimeout(op, peer, ms): return "Modbus \(op) to \(peer): no answer within \(ms) ms"
        case let .plc(op, peer, detail): return "Modbus \(op) to \(peer): \(detail)"
        case let .plcReadBackMismatch(peer, addr, wrote, read):
            return "Modbus read-back from \(peer) at register \(addr): wrote \(wrote), read \(read)"
        case let .config(s): return "configuration: \(s)"
        }
    }
}

/// Something the station must tell an operator about: the MES adapter never drops silently.
public struct Alarm: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case outboxBudget = "outbox-budget"
        case diskFull = "disk-full"
        case brokerRefused = "broker-refused"
        case plcNotAnswering = "plc-not-answering"
        case plcException = "plc-exception"
        case failSafeReject = "fail-safe-reject"
        case stopLine = "stop-line"
    }
    public var kind: Kind
    public var detail: String
    /// Seconds since 1970.
    public var at: Double
    public init(_ kind: Kind, _ detail: String, at: Double = WallClock.seconds()) { self.kind = kind; self.detail = detail; self.at = at }
    public var description: String { "ALARM \(kind.rawValue): \(detail)" }
}
