import Foundation
import LoupeTensor

/// The station's side of the MES link: pumps the outbox into MQTT, takes results out of the
/// outbox only when acknowledged, answers MES commands, and keeps the birth/death state.
///
/// Delivery is at least once end to end: a result is in the outbox (fsync'd) before it is
/// published; it is re-published when no acknowledgement came `resendAfterS` after it was sent
/// or after the last reconnect, and after a restart (marked `replayed`). The MES de-duplicates
/// on `resultId`.
public final class MESPublisher: @unchecked Sendable {
    /// MQTT topics; the default is a Sparkplug-B-like namespace (see docs/mes.md).
    public struct Topics: Sendable {
        /// Results, QoS 1 (station → MES).
        public var results: String
        /// Retained `{"online": true|false}`: birth on connect, death as the last will (station → MES).
        public var state: String
        /// Commands (MES → station).
        public var commands: String
        /// Command acknowledgements (station → MES).
        public var commandAcks: String
        /// Result acknowledgements `{"resultIds": [...]}` (MES → station), used with `AckMode.mes`.
        public var resultAcks: String

        public static func sparkplug(group: String, station: String) -> Topics {
            Topics(results: "spBv1.0/\(group)/DDATA/\(station)/results",
                   state: "spBv1.0/\(group)/STATE/\(station)",
                   commands: "spBv1.0/\(group)/NCMD/\(station)",
                   commandAcks: "spBv1.0/\(group)/NDATA/\(station)/command-ack",
                   resultAcks: "spBv1.0/\(group)/DCMD/\(station)/results-ack")
        }
    }

    /// Who must acknowledge before a result leaves the outbox.
    public enum AckMode: String, Sendable {
        /// The broker's PUBACK (the broker is the MES's durable inbox).
        case puback
        /// The MES application's own acknowledgement on `Topics.resultAcks` (end to end).
        case mes
    }

    public struct Config: Sendable {
        public var mqtt: MQTTLink.Options
        public var topics: Topics
        public var station: String
        public var ackMode: AckMode = .puback
        /// Results published and not yet acknowledged, at most.
        public var maxInflight = 200
        /// Re-publish a result not acknowledged this long after it was sent (or after the last reconnect).
        public var resendAfterS = 5.0
        public init(mqtt: MQTTLink.Options, topics: Topics, station: String) { self.mqtt = mqtt; self.topics = topics; self.station = station }
    }

    public struct Stats: Sendable {
        public var published = 0
        public var republished = 0
        public var acknowledged = 0
        public var commands = 0
    }

    public let outbox: Outbox
    public let config: Config
    public let link: MQTTLink
    /// Runs a valid command (on the publisher's thread); throws to reject it. Returns a detail text.
    public var commandHandler: (StationCommand) throws -> String = { "\($0.name.rawValue) accepted" }
    /// Called (on the publisher's thread, after the outbox recorded it) for every acknowledged
    /// result: id, monotonic time of its last publish, monotonic time the acknowledgement arrived.
    public var onAcknowledged: ((String, Double, Double) -> Void)?
    private let alarm: @Sendable (Alarm) -> Void

    private struct InFlight { var mids: [Int32]; var payload: Data; var sentMono: Double; var seq: Int64 }
    private let cond = NSCondition()
    // Guarded by `cond`:
    private var inflight: [String: InFlight] = [:]
    private var midToResult: [Int32: String] = [:]
    /// PUBACKs that arrived before `publish` returned their message id to us (monotonic arrival time).
    private var earlyAcks: [Int32: Double] = [:]
    private var acked: [(String, Double, Double)] = []
    private var brokerAcked: [String] = []
    private var commandsIn: [(String, Data)] = []
    private var wakeups = 0
    private var running = false
    private var lastConnectMono = 0.0
    private var justConnected = false
    private var cursor: Int64 = 0
    private var stats = Stats()
    private var thread: Thread?
    private var stopped = NSCondition()
    private var finished = false

    public init(outbox: Outbox, config: Config, alarm: @escaping @Sendable (Alarm) -> Void = { _ in }) throws {
        self.outbox = outbox
        self.config = config
        self.alarm = alarm
        var mqtt = config.mqtt
        mqtt.will = (config.topics.state, Self.stateJSON(online: false, station: config.station), true)
        mqtt.maxInflight = UInt32(config.maxInflight)
        link = try MQTTLink(options: mqtt)
        link.onConnect = { [weak self] rc in self?.connected(rc) }
        link.onDisconnect = { [weak self] _ in self?.wake() }
        link.onPublishAck = { [weak self] mid in self?.pubAck(mid) }
        link.onMessage = { [weak self] topic, payload in self?.message(topic, payload) }
    }

    static func stateJSON(online: Bool, station: String) -> Data {
        Data(#"{"online":\#(online),"station":"\#(station)","time":"\#(ResultRecord.iso8601(Date()))"}"#.utf8)
    }

    /// Starts connecting and pumping. Returns at once; the broker may come up later.
    public func start() throws {
        cond.lock(); running = true; cond.unlock()
        // The pump keeps the publisher alive until `stop()`: a forgotten stop leaks, never crashes.
        let t = Thread { self.pump() }
        t.name = "loupe-mes-publisher"
        thread = t
        t.start()
        try link.start()
    }

    /// Stores the result durably, then wakes the sender. On return the result is safe on disk.
    public func submit(_ record: ResultRecord) throws {
        try outbox.enqueue(record)
        wake()
    }

    /// Queues the result for the outbox's next group commit; it is sent once durable.
    /// `durable` reports the commit (or its error: then the result is not stored and not sent).
    public func submitGrouped(_ record: ResultRecord, durable: @escaping (Error?) -> Void = { _ in }) {
        outbox.enqueueGrouped(record) { [weak self] e in self?.wake(); durable(e) }
    }

    public func submit(_ records: [ResultRecord]) throws {
        try outbox.enqueue(records)
        wake()
    }

    /// Stops pumping and disconnects cleanly, publishing the "offline" state first.
    public func stop() {
        cond.lock(); let wasRunning = running; running = false; cond.broadcast(); cond.unlock()
        guard wasRunning else { return }
        stopped.lock(); while !finished { stopped.wait() }; stopped.unlock()
        if link.isConnected {
            _ = link.publish(topic: config.topics.state, payload: Self.stateJSON(online: false, station: config.station), retain: true)
            Thread.sleep(forTimeInterval: 0.05)
        }
        link.stop()
    }

    public var currentStats: Stats { cond.lock(); defer { cond.unlock() }; return stats }
    public var inflightCount: Int { cond.lock(); defer { cond.unlock() }; return inflight.count }

    /// Waits until the outbox has no pending result (or the timeout passes); true when drained.
    public func waitDrained(timeout: Double) throws -> Bool {
        let until = MonotonicClock.seconds() + timeout
        while MonotonicClock.seconds() < until {
            if try outbox.status().pending == 0 { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try outbox.status().pending == 0
    }

    // MARK: - libmosquitto callbacks (network thread: only queue and wake)

    private func wake() { cond.lock(); wakeups += 1; cond.signal(); cond.unlock() }

    private func connected(_ rc: Int32) {
        if rc != 0 {
            let e = MESError.brokerRefused(broker: config.mqtt.broker, code: rc, reason: MQTTLink.errorString(rc))
            alarm(Alarm(.brokerRefused, e.description))
            try? outbox.recordAlarm(Alarm(.brokerRefused, e.description))
            return
        }
        // Birth, then (re)subscribe: with a persistent session the broker kept them, but a fresh broker did not.
        _ = link.publish(topic: config.topics.state, payload: Self.stateJSON(online: true, station: config.station), retain: true)
        try? link.subscribe(config.topics.commands)
        if config.ackMode == .mes { try? link.subscribe(config.topics.resultAcks) }
        cond.lock(); lastConnectMono = MonotonicClock.seconds(); justConnected = true; cond.signal(); cond.unlock()
    }

    private func pubAck(_ mid: Int32) {
        let at = MonotonicClock.seconds()
        cond.lock()
        if let id = midToResult.removeValue(forKey: mid) { brokerAck(id, at: at) } else { earlyAcks[mid] = at }
        cond.signal()
        cond.unlock()
    }

    /// The broker acknowledged one copy of `id` (caller holds `cond`).
    private func brokerAck(_ id: String, at: Double) {
        if config.ackMode == .puback {
            if let f = inflight.removeValue(forKey: id) { forget(f.mids, of: id); acked.append((id, f.sentMono, at)) }
        } else {
            brokerAcked.append(id)
        }
    }

    /// Drops the message ids of a result's copies, unless libmosquitto already reused one (caller holds `cond`).
    private func forget(_ mids: [Int32], of id: String) {
        for m in mids where midToResult[m] == id { midToResult[m] = nil }
    }

    /// Records a published copy; a PUBACK that raced ahead of us is applied now (caller holds `cond`).
    private func track(_ id: String, mid: Int32) {
        midToResult[mid] = id
        if let at = earlyAcks.removeValue(forKey: mid) { midToResult[mid] = nil; brokerAck(id, at: at) }
    }

    private func message(_ topic: String, _ payload: Data) {
        if topic == config.topics.resultAcks {
            let ids = Self.ackIds(payload)
            cond.lock()
            let now = MonotonicClock.seconds()
            for id in ids {
                if let f = inflight.removeValue(forKey: id) {
                    forget(f.mids, of: id)
                    acked.append((id, f.sentMono, now))
                } else {
                    // Sent by an earlier run of the station (or acknowledged twice): still acknowledged.
                    acked.append((id, .nan, now))
                }
            }
            cond.signal(); cond.unlock()
        } else if topic == config.topics.commands {
            cond.lock(); commandsIn.append((topic, payload)); cond.signal(); cond.unlock()
        }
    }

    /// `{"resultIds": ["a", "b"]}` or `{"resultId": "a"}`.
    static func ackIds(_ payload: Data) -> [String] {
        guard let o = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any] else { return [] }
        if let ids = o["resultIds"] as? [String] { return ids }
        if let id = o["resultId"] as? String { return [id] }
        return []
    }

    // MARK: - The pump (its own thread: the only one that publishes results and writes acks)

    private func pump() {
        while true {
            cond.lock()
            while running && acked.isEmpty && brokerAcked.isEmpty && commandsIn.isEmpty && wakeups == 0 && !justConnected {
                // Bounded wait: resend timers need a tick even when nothing happens.
                _ = cond.wait(until: Date(timeIntervalSinceNow: 0.1))
                if !acked.isEmpty || wakeups > 0 { break }
                if inflightNeedsResend(MonotonicClock.seconds()) { break }
                if link.isConnected && inflight.count < config.maxInflight { break }
            }
            if !running { cond.unlock(); break }
            let ackNow = acked; acked.removeAll()
            let brokerNow = brokerAcked; brokerAcked.removeAll()
            let commandsNow = commandsIn; commandsIn.removeAll()
            wakeups = 0
            let reconnected = justConnected; justConnected = false
            cond.unlock()

            let now = WallClock.seconds()
            if !ackNow.isEmpty {
                do {
                    try outbox.markAcked(ackNow.map(\.0), at: now)
                    cond.lock(); stats.acknowledged += ackNow.count; cond.unlock()
                    if let cb = onAcknowledged { for (id, sent, ack) in ackNow where !sent.isNaN { cb(id, sent, ack) } }
                } catch {
                    // Not marked: the result stays pending and is sent again — a duplicate, never a loss.
                    alarm(Alarm(.diskFull, "\(error)"))
                }
            }
            if !brokerNow.isEmpty { try? outbox.markBrokerAcked(brokerNow, at: now) }
            for (topic, payload) in commandsNow { handleCommand(topic, payload) }
            if reconnected { cond.lock(); if inflight.isEmpty { cursor = 0 }; cond.unlock() }
            if link.isConnected { sendMore() }
        }
        stopped.lock(); finished = true; stopped.broadcast(); stopped.unlock()
    }

    private func inflightNeedsResend(_ mono: Double) -> Bool {
        let since = max(lastConnectMono, 0)
        return inflight.values.contains { mono - max($0.sentMono, since) > config.resendAfterS }
    }

    private func sendMore() {
        var sentIds: [String] = []
        let mono = MonotonicClock.seconds()
        // Re-publish what was not acknowledged in time (lost by a broker crash, or an ack lost).
        cond.lock()
        let since = lastConnectMono
        let stale = inflight.filter { mono - max($0.value.sentMono, since) > config.resendAfterS }
        cond.unlock()
        for (id, f) in stale {
            cond.lock(); let still = inflight[id] != nil; cond.unlock()
            guard still else { continue } // acknowledged meanwhile
            // Publish without holding `cond`: the PUBACK callback needs it; an ack that beats us
            // to the bookkeeping waits in `earlyAcks`.
            let sent = MonotonicClock.seconds()
            let (mid, rc) = link.publish(topic: config.topics.results, payload: f.payload)
            guard rc == MQTTLink.success || rc == MQTTLink.errNoConn else { break }
            cond.lock()
            stats.republished += 1
            if var g = inflight[id] {
                // Every copy's PUBACK counts: an earlier copy may still be acknowledged after a reconnect.
                g.mids.append(mid); g.sentMono = sent
                inflight[id] = g
                track(id, mid: mid)
            }
            cond.unlock()
            sentIds.append(id)
        }
        // New results from the outbox.
        cond.lock(); let room = config.maxInflight - inflight.count; let from = cursor; cond.unlock()
        if room > 0, let rows = try? outbox.pending(after: from, limit: room) {
            for row in rows {
                cond.lock(); let already = inflight[row.resultId] != nil; if already { cursor = max(cursor, row.seq) }; cond.unlock()
                if already { continue }
                let sent = MonotonicClock.seconds()
                let (mid, rc) = link.publish(topic: config.topics.results, payload: row.payload)
                // NO_CONN: libmosquitto queued it anyway and sends it after reconnect; publishing
                // again would send it twice. Keep it in flight; the resend timer covers a crash.
                guard rc == MQTTLink.success || rc == MQTTLink.errNoConn else { break }
                cond.lock()
                inflight[row.resultId] = InFlight(mids: [mid], payload: row.payload, sentMono: sent, seq: row.seq)
                cursor = max(cursor, row.seq)
                stats.published += 1
                track(row.resultId, mid: mid)
                cond.unlock()
                sentIds.append(row.resultId)
            }
        }
        // Unmatched PUBACKs older than a second belong to copies we no longer track.
        cond.lock()
        if !earlyAcks.isEmpty { let limit = MonotonicClock.seconds() - 1; earlyAcks = earlyAcks.filter { $0.value > limit } }
        cond.unlock()
        if !sentIds.isEmpty { try? outbox.markSent(sentIds, at: WallClock.seconds()) }
    }

    private func handleCommand(_ topic: String, _ payload: Data) {
        let text = String(decoding: payload, as: UTF8.self)
        var ack: CommandAck
        do {
            let command = try StationCommand.parse(topic: topic, payload: payload)
            do {
                let detail = try commandHandler(command)
                ack = CommandAck(id: command.id, command: command.name.rawValue, status: .done, detail: detail, station: config.station, time: "")
            } catch {
                ack = CommandAck(id: command.id, command: command.name.rawValue, status: .failed, detail: "\(error)", station: config.station, time: "")
            }
        } catch {
            let name = ((try? JSONSerialization.jsonObject(with: payload)) as? [String: Any])?["command"] as? String
            ack = CommandAck(id: StationCommand.bestEffortId(payload), command: name, status: .rejected, detail: "\(error)", station: config.station, time: "")
        }
        ack.time = ResultRecord.iso8601(Date())
        try? outbox.recordCommand(commandId: ack.id, name: ack.command, payload: text, outcome: ack.status.rawValue, detail: ack.detail)
        cond.lock(); stats.commands += 1; cond.unlock()
        _ = link.publish(topic: config.topics.commandAcks, payload: (try? ResultRecord.encoder.encode(ack)) ?? Data())
    }
}
