import Foundation
import LoupeTensor

/// The reject path: tracks every part from the moment it is seen until its pick-window deadline
/// and makes sure a reject reaches the PLC in time — for a reject verdict, and by default
/// (fail-safe) for a missing, late or uncertain one. It never waits on the MES.
///
/// Register map (holding registers from `Config.rejectRegister`, one FC16 write, then an FC03
/// read-back that must match): `[sequence, slot, partHigh, partLow, command = 1 (reject), reason]`.
/// A PLC that does not answer raises `plc-not-answering`; if no reject is confirmed by the
/// deadline, `stop-line` is raised and, when configured, the stop-line coil is set.
public final class RejectController: @unchecked Sendable {
    public struct Config: Sendable {
        public var plcHost = "127.0.0.1"
        public var plcPort = 502
        public var unit: UInt8 = 1
        /// Each Modbus request's timeout (also capped by the time left to the deadline).
        public var requestTimeoutMs = 20
        /// First of the 6 holding registers of the reject block.
        public var rejectRegister: UInt16 = 10
        /// Coil set when a reject could not be confirmed in time (nil: no stop-line signal).
        public var stopLineCoil: UInt16? = nil
        /// Holding register the controller counts up every `heartbeatIntervalMs` while it runs
        /// (nil: no heartbeat). The PLC's watchdog rejects every part while it stops moving: a
        /// station that died (SIGKILL, power, a hung host) then lets nothing pass undecided.
        public var heartbeatRegister: UInt16? = nil
        public var heartbeatIntervalMs = 100
        /// A part without a verdict this long before its deadline is rejected (fail-safe).
        public var failSafeMarginMs = 30.0
        public init(plcHost: String = "127.0.0.1", plcPort: Int = 502) { self.plcHost = plcHost; self.plcPort = plcPort }
    }

    /// Why a part is rejected (the `reason` register).
    public enum Reason: UInt16, Sendable, Codable {
        case verdict = 0
        /// No verdict by the fail-safe time (missing or late).
        case missing = 1
        case uncertain = 2
        case manual = 3
    }

    /// What happened to one part, reported once per part.
    public struct Outcome: Sendable {
        public var part: UInt32
        public var slot: UInt16
        /// nil: the part passed (nothing sent).
        public var reason: Reason?
        /// The reject was written and read back before the deadline.
        public var confirmed: Bool
        /// Write + read-back round trip of the confirmed attempt, ms.
        public var rttMs: Double?
        public var error: String?
        /// Monotonic time of the outcome, and the part's deadline.
        public var atMono: Double
        public var deadlineMono: Double
    }

    public let config: Config
    public var onOutcome: ((Outcome) -> Void)?
    private let alarm: @Sendable (Alarm) -> Void
    private let client: ModbusClient
    private let cond = NSCondition()
    private struct Tracked { var slot: UInt16; var deadline: Double; var verdict: ResultRecord.Verdict? }
    private var parts: [UInt32: Tracked] = [:]
    /// Rejects handed in by ``reject(_:slot:reason:deadlineMono:)``, taken by the loop's next turn.
    private var commanded: [PendingReject] = []
    private var running = false
    private var finished = true
    private var sequence: UInt16 = 0
    private var lateVerdicts = 0
    private var stopLineSignalled = false
    private var stopLineTried = false
    private var plcAnswering = true
    private var heartbeat: UInt16 = 0

    /// Whether the PLC answered the last request (reject, read-back or heartbeat).
    public var isPLCAnswering: Bool { cond.lock(); defer { cond.unlock() }; return plcAnswering }

    public init(config: Config, alarm: @escaping @Sendable (Alarm) -> Void = { _ in }) {
        self.config = config
        self.alarm = alarm
        client = ModbusClient(host: config.plcHost, port: config.plcPort, unit: config.unit)
    }

    public func start() {
        cond.lock(); running = true; finished = false; cond.unlock()
        // The thread keeps the controller alive until `stop()`.
        let t = Thread { self.loop() }
        t.name = "loupe-reject"
        t.start()
    }

    public func stop() {
        cond.lock(); running = false; cond.broadcast()
        while !finished { cond.wait() }
        cond.unlock()
        client.close()
    }

    /// A part entered the line; its verdict must be acted on before `deadlineMono` (monotonic s).
    public func partEntered(_ part: UInt32, slot: UInt16, deadlineMono: Double) {
        cond.lock(); parts[part] = Tracked(slot: slot, deadline: deadlineMono, verdict: nil); cond.signal(); cond.unlock()
    }

    /// The verdict for a tracked part. `uncertain` and `reject` send a reject; `pass` sends nothing.
    /// A verdict for a part already rejected by the fail-safe (or unknown) is counted as late and ignored.
    public func verdict(_ part: UInt32, _ verdict: ResultRecord.Verdict) {
        cond.lock(); defer { cond.unlock() }
        guard var t = parts[part], t.verdict == nil else { lateVerdicts += 1; return }
        t.verdict = verdict
        parts[part] = t
        cond.signal()
    }

    public var lateVerdictCount: Int { cond.lock(); defer { cond.unlock() }; return lateVerdicts }

    /// A reject decided elsewhere (the station's part tracker, which owns the fail-safe): sent
    /// like any other, confirmed by read-back, retried until `deadlineMono`.
    public func reject(_ part: UInt32, slot: UInt16, reason: Reason, deadlineMono: Double) {
        cond.lock()
        commanded.append(PendingReject(part: part, slot: slot, reason: reason, deadline: deadlineMono))
        cond.signal()
        cond.unlock()
    }

    /// A reject decided but not yet confirmed by the PLC.
    private struct PendingReject { var part: UInt32; var slot: UInt16; var reason: Reason; var deadline: Double; var lastError: String? = nil }

    /// One thread owns the PLC connection. Each turn: take verdicts and fail-safe expiries, then
    /// make ONE attempt for the most urgent unconfirmed reject — so a silent PLC costs one request
    /// timeout per turn, never one per part. While the PLC is down, it is probed at most every
    /// `2 × requestTimeoutMs`, and a reject still unconfirmed at its deadline is reported at once
    /// (alarm, stop-line) instead of waiting behind the others.
    private func loop() {
        var queue: [PendingReject] = []
        var plcDown = false
        var lastAttempt = -Double.infinity
        let probeEvery = 2 * Double(config.requestTimeoutMs) / 1000
        var nextHeartbeat = MonotonicClock.seconds()
        let heartbeatEvery = Double(config.heartbeatIntervalMs) / 1000
        while true {
            cond.lock()
            plcAnswering = !plcDown
            var passed: [(UInt32, Tracked)] = []
            var heartbeatDue = false
            while running {
                if !commanded.isEmpty {
                    queue += commanded
                    commanded.removeAll(keepingCapacity: true)
                }
                let now = MonotonicClock.seconds()
                var next = now + 0.5
                for (part, t) in parts {
                    let failSafeAt = t.deadline - config.failSafeMarginMs / 1000
                    if let v = t.verdict {
                        if v == .pass { passed.append((part, t)) } else {
                            queue.append(PendingReject(part: part, slot: t.slot, reason: v == .reject ? .verdict : .uncertain, deadline: t.deadline))
                        }
                        parts[part] = nil
                    } else if now >= failSafeAt {
                        alarm(Alarm(.failSafeReject, "part \(part) slot \(t.slot): no verdict \(Int(config.failSafeMarginMs)) ms before its deadline — rejected by default"))
                        queue.append(PendingReject(part: part, slot: t.slot, reason: .missing, deadline: t.deadline))
                        parts[part] = nil
                    } else {
                        next = min(next, failSafeAt)
                    }
                }
                if !passed.isEmpty { break }
                if let d = queue.map(\.deadline).min() {
                    if !plcDown || now - lastAttempt >= probeEvery || now >= d { break }
                    next = min(next, lastAttempt + probeEvery, d)
                }
                if config.heartbeatRegister != nil {
                    // Rejects go first; the heartbeat waits for a turn with none to send.
                    if now >= nextHeartbeat && queue.isEmpty { heartbeatDue = true; break }
                    next = min(next, nextHeartbeat)
                }
                _ = cond.wait(until: Date(timeIntervalSinceNow: max(0.0005, next - now)))
            }
            if !running { finished = true; cond.broadcast(); cond.unlock(); return }
            cond.unlock()
            if heartbeatDue, let register = config.heartbeatRegister {
                nextHeartbeat = MonotonicClock.seconds() + heartbeatEvery
                heartbeat &+= 1
                do {
                    try client.writeRegisters(register, [heartbeat], timeoutMs: config.requestTimeoutMs)
                    plcDown = false
                } catch {
                    if !plcDown { alarm(Alarm(.plcNotAnswering, "heartbeat: \(error)")) }
                    plcDown = true
                }
                continue
            }
            for (part, t) in passed {
                onOutcome?(Outcome(part: part, slot: t.slot, reason: nil, confirmed: true, rttMs: nil, error: nil, atMono: MonotonicClock.seconds(), deadlineMono: t.deadline))
            }
            // Rejects past their deadline: too late to confirm.
            let now = MonotonicClock.seconds()
            queue.sort { $0.deadline < $1.deadline }
            while let first = queue.first, first.deadline <= now {
                queue.removeFirst()
                giveUp(first, lastError: plcDown ? "the PLC is not answering" : "no time left")
            }
            guard var r = queue.first, !plcDown || now - lastAttempt >= probeEvery else { continue }
            queue.removeFirst()
            lastAttempt = now
            let left = (r.deadline - now) * 1000
            do {
                let rtt = try sendReject(part: r.part, slot: r.slot, reason: r.reason, timeoutMs: min(config.requestTimeoutMs, max(1, Int(left))))
                plcDown = false
                if stopLineTried, let coil = config.stopLineCoil, !stopLineSignalled {
                    // The PLC is back: deliver the stop-line signal it missed.
                    stopLineSignalled = (try? client.writeCoil(coil, true, timeoutMs: config.requestTimeoutMs)) != nil
                }
                onOutcome?(Outcome(part: r.part, slot: r.slot, reason: r.reason, confirmed: true, rttMs: rtt, error: nil, atMono: MonotonicClock.seconds(), deadlineMono: r.deadline))
            } catch {
                if !plcDown {
                    if case .plcException? = error as? MESError { alarm(Alarm(.plcException, "reject part \(r.part): \(error)")) } else { alarm(Alarm(.plcNotAnswering, "reject part \(r.part): \(error)")) }
                }
                plcDown = true
                r.lastError = "\(error)"
                queue.append(r)
                // A refused connection fails at once: do not spin.
                Thread.sleep(forTimeInterval: 0.001)
            }
        }
    }

    private func giveUp(_ r: PendingReject, lastError: String) {
        let detail = "reject for part \(r.part) slot \(r.slot) not confirmed before its deadline: \(r.lastError ?? lastError)"
        alarm(Alarm(.stopLine, detail + (config.stopLineCoil == nil ? "" : " — stop-line signal set")))
        // Report first, then signal: the stop-line write may itself wait a request timeout on a silent PLC.
        onOutcome?(Outcome(part: r.part, slot: r.slot, reason: r.reason, confirmed: false, rttMs: nil, error: detail, atMono: MonotonicClock.seconds(), deadlineMono: r.deadline))
        if let coil = config.stopLineCoil, !stopLineSignalled, !stopLineTried {
            // Once per episode (until a reject is confirmed again); it stays set for the operator to clear.
            stopLineSignalled = (try? client.writeCoil(coil, true, timeoutMs: config.requestTimeoutMs)) != nil
            if !stopLineSignalled { stopLineTried = true }
        }
    }

    /// One reject: FC16 write of the reject block, FC03 read-back, compare. Returns the round trip in ms.
    /// Used directly by `loupe mes reject` and the bench; the controller's thread uses it otherwise.
    /// - Throws: `.plcTimeout`, `.plcException`, `.plcReadBackMismatch`, `.plc`.
    @discardableResult
    public func sendReject(part: UInt32, slot: UInt16, reason: Reason, timeoutMs: Int? = nil) throws -> Double {
        let timeout = timeoutMs ?? config.requestTimeoutMs
        sequence &+= 1
        let block: [UInt16] = [sequence, slot, UInt16(part >> 16), UInt16(part & 0xFFFF), 1, reason.rawValue]
        let t0 = MonotonicClock.seconds()
        try client.writeRegisters(config.rejectRegister, block, timeoutMs: timeout)
        let left = max(1, timeout - Int((MonotonicClock.seconds() - t0) * 1000))
        let read = try client.readRegisters(config.rejectRegister, count: UInt16(block.count), timeoutMs: left)
        guard read == block else { throw MESError.plcReadBackMismatch(peer: client.peer, address: Int(config.rejectRegister), wrote: block, read: read) }
        return (MonotonicClock.seconds() - t0) * 1000
    }

    /// Sets (or clears) the stop-line coil directly.
    public func setStopLine(_ on: Bool) throws {
        guard let coil = config.stopLineCoil else { throw MESError.config("no stop-line coil configured") }
        try client.writeCoil(coil, on, timeoutMs: config.requestTimeoutMs)
    }
}
