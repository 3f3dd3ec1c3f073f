import Foundation

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
    private var ready: [(UInt32, Reason)] = []
    private var running = false
    private var finished = true
    private var sequence: UInt16 = 0
    private var lateVerdicts = 0

    public init(config: Config, alarm: @escaping @Sendable (Alarm) -> Void = { _ in }) {
        self.config = config
        self.alarm = alarm
        client = ModbusClient(host: config.plcHost, port: config.plcPort, unit: config.unit)
    }

    public func start() {
        cond.lock(); running = true; finished = false; cond.unlock()
        let t = Thread { [unowned self] in self.loop() }
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

    private func loop() {
        while true {
            cond.lock()
            var work: [(UInt32, Tracked, Reason?)] = []
            while running {
                let now = Clock.mono()
                var next = now + 0.5
                for (part, t) in parts {
                    let failSafeAt = t.deadline - config.failSafeMarginMs / 1000
                    if let v = t.verdict {
                        work.append((part, t, v == .pass ? nil : (v == .reject ? .verdict : .uncertain)))
                    } else if now >= failSafeAt {
                        work.append((part, t, .missing))
                    } else {
                        next = min(next, failSafeAt)
                    }
                }
                if !work.isEmpty { break }
                _ = cond.wait(until: Date(timeIntervalSinceNow: max(0.0005, next - now)))
            }
            if !running { finished = true; cond.broadcast(); cond.unlock(); return }
            for (part, _, _) in work { parts[part] = nil }
            cond.unlock()
            // Most urgent first.
            for (part, t, reason) in work.sorted(by: { $0.1.deadline < $1.1.deadline }) {
                guard let reason else {
                    onOutcome?(Outcome(part: part, slot: t.slot, reason: nil, confirmed: true, rttMs: nil, error: nil, atMono: Clock.mono(), deadlineMono: t.deadline))
                    continue
                }
                if reason == .missing {
                    alarm(Alarm(.failSafeReject, "part \(part) slot \(t.slot): no verdict \(Int(config.failSafeMarginMs)) ms before its deadline — rejected by default"))
                }
                onOutcome?(deliver(part: part, slot: t.slot, reason: reason, deadline: t.deadline))
            }
        }
    }

    /// Writes the reject with read-back, retrying until the deadline; alarms on failure.
    private func deliver(part: UInt32, slot: UInt16, reason: Reason, deadline: Double) -> Outcome {
        var lastError: MESError?
        var alarmed = false
        while true {
            let left = (deadline - Clock.mono()) * 1000
            if left <= 0 { break }
            do {
                let rtt = try sendReject(part: part, slot: slot, reason: reason, timeoutMs: min(config.requestTimeoutMs, max(1, Int(left))))
                return Outcome(part: part, slot: slot, reason: reason, confirmed: true, rttMs: rtt, error: nil, atMono: Clock.mono(), deadlineMono: deadline)
            } catch let e as MESError {
                lastError = e
                if !alarmed {
                    alarmed = true
                    if case .plcException = e { alarm(Alarm(.plcException, "reject part \(part): \(e)")) } else { alarm(Alarm(.plcNotAnswering, "reject part \(part): \(e)")) }
                }
                // A refused connection fails at once: do not spin.
                Thread.sleep(forTimeInterval: 0.002)
            } catch {
                lastError = .plc(operation: "reject", peer: client.peer, detail: "\(error)")
            }
        }
        let detail = "reject for part \(part) slot \(slot) not confirmed before its deadline: \(lastError.map { "\($0)" } ?? "no time left")"
        alarm(Alarm(.stopLine, detail + (config.stopLineCoil == nil ? "" : " — stop-line signal set")))
        if let coil = config.stopLineCoil { try? client.writeCoil(coil, true, timeoutMs: config.requestTimeoutMs) }
        return Outcome(part: part, slot: slot, reason: reason, confirmed: false, rttMs: nil, error: detail, atMono: Clock.mono(), deadlineMono: deadline)
    }

    /// One reject: FC16 write of the reject block, FC03 read-back, compare. Returns the round trip in ms.
    /// Used directly by `loupe mes reject` and the bench; the controller's thread uses it otherwise.
    /// - Throws: `.plcTimeout`, `.plcException`, `.plcReadBackMismatch`, `.plc`.
    @discardableResult
    public func sendReject(part: UInt32, slot: UInt16, reason: Reason, timeoutMs: Int? = nil) throws -> Double {
        let timeout = timeoutMs ?? config.requestTimeoutMs
        sequence &+= 1
        let block: [UInt16] = [sequence, slot, UInt16(part >> 16), UInt16(part & 0xFFFF), 1, reason.rawValue]
        let t0 = Clock.mono()
        try client.writeRegisters(config.rejectRegister, block, timeoutMs: timeout)
        let left = max(1, timeout - Int((Clock.mono() - t0) * 1000))
        let read = try client.readRegisters(config.rejectRegister, count: UInt16(block.count), timeoutMs: left)
        guard read == block else { throw MESError.plcReadBackMismatch(peer: client.peer, address: Int(config.rejectRegister), wrote: block, read: read) }
        return (Clock.mono() - t0) * 1000
    }

    /// Sets (or clears) the stop-line coil directly.
    public func setStopLine(_ on: Bool) throws {
        guard let coil = config.stopLineCoil else { throw MESError.config("no stop-line coil configured") }
        try client.writeCoil(coil, on, timeoutMs: config.requestTimeoutMs)
    }
}
