import Foundation
import GRDB
import LoupeTensor

/// The durable outbox and audit trail: a SQLite database (WAL, `synchronous=FULL`, so every
/// commit is fsync'd before `enqueue` returns). A result is written before it is sent and stays
/// pending until the MES side acknowledged it; rows are then kept as the audit trail (send and
/// acknowledgement times) until the disk budget needs their room.
///
/// Thread-safe: GRDB's `DatabaseQueue` serialises access.
public final class Outbox: @unchecked Sendable {
    public struct Config: Sendable {
        public var path: String
        /// Bytes the database may use. Acknowledged rows are pruned (oldest first) to stay under
        /// it; when pending rows alone fill it, `enqueue` throws and an alarm is raised.
        public var budgetBytes: Int64 = 512 << 20
        /// Test hook: SQLite's `max_page_count`, to make the disk "full" without filling a disk.
        public var maxPageCount: Int? = nil
        /// false for readers (`loupe results`, `loupe mes status`): opening then does not mark
        /// pending results as replayed — only the station that will re-send them does.
        public var isStation = true
        public init(path: String, budgetBytes: Int64 = 512 << 20, isStation: Bool = true) {
            self.path = path; self.budgetBytes = budgetBytes; self.isStation = isStation
        }
    }

    /// A pending result as it is sent.
    public struct Pending: Sendable {
        public var seq: Int64
        public var resultId: String
        /// The JSON sent to the MES (with `replayed: true` if it was pending at open).
        public var payload: Data
        public var replayed: Bool
    }

    public struct Status: Codable, Sendable {
        public var path: String
        public var total: Int
        public var pending: Int
        public var pendingReplayed: Int
        public var acknowledged: Int
        public var neverSent: Int
        public var oldestPendingAgeS: Double?
        public var usedBytes: Int64
        public var budgetBytes: Int64
        public var commands: Int
        public var alarms: Int
    }

    /// One row of the audit trail, as `loupe results` prints it.
    public struct AuditRow: Codable, Sendable {
        public var seq: Int64
        public var resultId: String
        public var partId: String
        public var verdict: String
        public var creationTime: String
        public var enqueuedAt: Double
        public var firstSentAt: Double?
        public var lastSentAt: Double?
        public var sendCount: Int
        public var brokerAckAt: Double?
        public var ackedAt: Double?
        public var replayed: Bool
    }

    public let config: Config
    /// Rows that were pending when this outbox was opened (a restart): re-sent marked `replayed`.
    public private(set) var replayedAtOpen = 0
    let db: DatabaseQueue
    private let alarm: @Sendable (Alarm) -> Void
    private var budgetAlarmRaised = false

    /// Opens (creating if needed) the outbox; everything still unacknowledged is marked replayed.
    /// - Throws: `MESError.outbox` naming the path.
    public init(config: Config, alarm: @escaping @Sendable (Alarm) -> Void = { _ in }) throws {
        self.config = config
        self.alarm = alarm
        var c = Configuration()
        c.busyMode = .timeout(5)
        let maxPages = config.maxPageCount
        c.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            // FULL in WAL mode: the WAL is fsync'd at every commit, so an enqueued result survives power loss.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if let maxPages { try db.execute(sql: "PRAGMA max_page_count = \(maxPages)") }
        }
        do {
            let dir = (config.path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            db = try DatabaseQueue(path: config.path, configuration: c)
            try db.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS result (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        resultId TEXT NOT NULL UNIQUE,
                        partId TEXT NOT NULL,
                        verdict TEXT NOT NULL,
                        creationTime TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        enqueuedAt REAL NOT NULL,
                        firstSentAt REAL, lastSentAt REAL,
                        sendCount INTEGER NOT NULL DEFAULT 0,
                        brokerAckAt REAL, ackedAt REAL,
                        replayed INTEGER NOT NULL DEFAULT 0);
                    CREATE INDEX IF NOT EXISTS result_pending ON result(seq) WHERE ackedAt IS NULL;
                    CREATE INDEX IF NOT EXISTS result_part ON result(partId);
                    CREATE TABLE IF NOT EXISTS command (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, receivedAt REAL NOT NULL, commandId TEXT,
                        name TEXT, payload TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS alarm (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
                    """)
                try Self.createChangeLog(db)
                if config.isStation {
                    try db.execute(sql: "UPDATE result SET replayed = 1 WHERE ackedAt IS NULL")
                    replayedAtOpen = db.changesCount
                }
            }
        } catch let e as MESError {
            throw e
        } catch {
            throw Self.mapError(error, operation: "open", path: config.path)
        }
    }

    /// Stores results durably (one transaction, one fsync). A result id already stored is ignored
    /// (idempotent), so a caller may retry after an error.
    /// - Throws: `.diskFull`, `.outboxBudgetReached` (alarm raised) or `.outbox`.
    public func enqueue(_ records: [ResultRecord]) throws {
        let now = WallClock.seconds()
        do {
            try db.write { db in
                try makeRoom(db)
                let stmt = try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO result (resultId, partId, verdict, creationTime, payload, enqueuedAt, imageRef)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for r in records {
                    try stmt.execute(arguments: [r.resultId, r.partId, r.verdict.rawValue, r.creationTime, r.json(), now, r.imageRef])
                }
            }
        } catch let e as MESError {
            throw e
        } catch {
            let mapped = Self.mapError(error, operation: "enqueue", path: config.path)
            if case .diskFull = mapped { alarm(Alarm(.diskFull, mapped.description)) }
            throw mapped
        }
    }

    public func enqueue(_ record: ResultRecord) throws { try enqueue([record]) }

    // MARK: Group commit

    private let groupLock = NSCondition()
    private var groupQueue: [(ResultRecord, (Error?) -> Void)] = []
    private var groupWriting = false
    private var groupThread: Thread?

    /// Queues a result for the next group commit and returns at once; `durable` is called (on the
    /// writer thread) once it is fsync'd, or with the error. One fsync covers every result queued
    /// meanwhile — how the outbox keeps up with a fast line on a disk with slow fsync. A result is
    /// never published before it is durable (the publisher reads only committed rows).
    public func enqueueGrouped(_ record: ResultRecord, durable: @escaping (Error?) -> Void = { _ in }) {
        groupLock.lock()
        groupQueue.append((record, durable))
        if groupThread == nil {
            // The writer keeps the outbox alive for the rest of the process.
            let t = Thread { self.groupWriter() }
            t.name = "loupe-outbox-writer"
            groupThread = t
            t.start()
        }
        groupLock.signal()
        groupLock.unlock()
    }

    /// Waits until every result queued with `enqueueGrouped` is durable (or failed).
    public func flush() throws {
        groupLock.lock()
        while !groupQueue.isEmpty || groupWriting { groupLock.wait() }
        groupLock.unlock()
    }

    private func groupWriter() {
        while true {
            groupLock.lock()
            while groupQueue.isEmpty { groupLock.wait() }
            let batch = groupQueue
            groupQueue.removeAll(keepingCapacity: true)
            groupWriting = true
            groupLock.unlock()
            var error: Error?
            do { try enqueue(batch.map(\.0)) } catch let e { error = e }
            for (_, done) in batch { done(error) }
            groupLock.lock(); groupWriting = false; groupLock.broadcast(); groupLock.unlock()
        }
    }

    /// Bytes in use (pages not on the free list).
    private func usedBytes(_ db: Database) throws -> Int64 {
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        return (pages - free) * size
    }

    private func makeRoom(_ db: Database) throws {
        var used = try usedBytes(db)
        if used < config.budgetBytes * 9 / 10 { budgetAlarmRaised = false; return }
        // Audit rows give way first, oldest first.
        try db.execute(sql: "DELETE FROM result WHERE seq IN (SELECT seq FROM result WHERE ackedAt IS NOT NULL ORDER BY seq LIMIT 5000)")
        used = try usedBytes(db)
        if used >= config.budgetBytes {
            let e = MESError.outboxBudgetReached(path: config.path, usedBytes: used, budgetBytes: config.budgetBytes)
            if !budgetAlarmRaised { budgetAlarmRaised = true; alarm(Alarm(.outboxBudget, e.description)) }
            throw e
        }
    }

    /// Pending results after `seq`, oldest first.
    public func pending(after seq: Int64, limit: Int) throws -> [Pending] {
        try wrap("read pending") {
            try db.read { db in
                try Row.fetchAll(db, sql: "SELECT seq, resultId, payload, replayed FROM result WHERE ackedAt IS NULL AND seq > ? ORDER BY seq LIMIT ?",
                                 arguments: [seq, limit]).map { row in
                    let replayed: Bool = row["replayed"]
                    var payload: Data = row["payload"]
                    if replayed, var r = try? JSONDecoder().decode(ResultRecord.self, from: payload) {
                        r.replayed = true
                        payload = r.json()
                    }
                    return Pending(seq: row["seq"], resultId: row["resultId"], payload: payload, replayed: replayed)
                }
            }
        }
    }

    /// Audit: the results were handed to the MQTT client at `at`.
    public func markSent(_ ids: [String], at: Double) throws {
        guard !ids.isEmpty else { return }
        try update("mark sent", ids, sql: "UPDATE result SET sendCount = sendCount + 1, lastSentAt = ?1, firstSentAt = COALESCE(firstSentAt, ?1) WHERE resultId = ?2", at: at)
    }

    /// Audit: the broker acknowledged (PUBACK) at `at`.
    public func markBrokerAcked(_ ids: [String], at: Double) throws {
        guard !ids.isEmpty else { return }
        try update("mark broker ack", ids, sql: "UPDATE result SET brokerAckAt = COALESCE(brokerAckAt, ?1) WHERE resultId = ?2", at: at)
    }

    /// The MES side acknowledged: the results leave the outbox (kept as audit rows).
    public func markAcked(_ ids: [String], at: Double) throws {
        guard !ids.isEmpty else { return }
        try update("mark acknowledged", ids, sql: "UPDATE result SET ackedAt = COALESCE(ackedAt, ?1) WHERE resultId = ?2", at: at)
    }

    /// Audit updates commit without their own fsync (`synchronous=NORMAL`): losing one in a crash
    /// only makes a result be sent again (a duplicate the MES drops), never lost, and it keeps the
    /// fsync budget for `enqueue`. The next FULL commit makes them durable too.
    private func update(_ op: String, _ ids: [String], sql: String, at: Double) throws {
        try wrap(op) {
            try db.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
                try db.inTransaction {
                    let stmt = try db.cachedStatement(sql: sql)
                    for id in ids { try stmt.execute(arguments: [at, id]) }
                    return .commit
                }
            }
        }
    }

    public func recordCommand(commandId: String?, name: String?, payload: String, outcome: String, detail: String) throws {
        try wrap("record command") {
            try db.write { db in
                try db.execute(sql: "INSERT INTO command (receivedAt, commandId, name, payload, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [WallClock.seconds(), commandId, name, payload, outcome, detail])
            }
        }
    }

    public func recordAlarm(_ a: Alarm) throws {
        try wrap("record alarm") {
            try db.write { db in
                try db.execute(sql: "INSERT INTO alarm (at, kind, detail) VALUES (?, ?, ?)", arguments: [a.at, a.kind.rawValue, a.detail])
            }
        }
    }

    /// Results not yet acknowledged: one count over the pending index (``status()`` scans the
    /// whole table; this is what a once-a-second gauge should read).
    public func pendingCount() throws -> Int {
        try wrap("count pending") { try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM result WHERE ackedAt IS NULL") ?? 0 } }
    }

    public func status() throws -> Status {
        try wrap("status") {
            try db.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*) AS total, COUNT(*) - COUNT(ackedAt) AS pending,
                           SUM(CASE WHEN ackedAt IS NULL AND replayed = 1 THEN 1 ELSE 0 END) AS replayed,
                           SUM(CASE WHEN ackedAt IS NULL AND sendCount = 0 THEN 1 ELSE 0 END) AS neverSent,
                           MIN(CASE WHEN ackedAt IS NULL THEN enqueuedAt END) AS oldest
                    FROM result
                    """)!
                let total: Int = row["total"]
                let pending: Int = row["pending"]
                let oldest: Double? = row["oldest"]
                return Status(path: config.path, total: total, pending: pending, pendingReplayed: row["replayed"] ?? 0,
                              acknowledged: total - pending, neverSent: row["neverSent"] ?? 0,
                              oldestPendingAgeS: oldest.map { WallClock.seconds() - $0 }, usedBytes: try usedBytes(db),
                              budgetBytes: config.budgetBytes,
                              commands: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM command") ?? 0,
                              alarms: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alarm") ?? 0)
            }
        }
    }

    /// Which audit rows to return.
    public struct Query: Sendable {
        public var pendingOnly = false
        public var partId: String? = nil
        public var resultId: String? = nil
        public var verdict: String? = nil
        /// Newest first, at most this many.
        public var limit = 50
        public init() {}
    }

    public func query(_ q: Query) throws -> [AuditRow] {
        var clauses: [String] = []
        var args: [DatabaseValueConvertible?] = []
        if q.pendingOnly { clauses.append("ackedAt IS NULL") }
        if let p = q.partId { clauses.append("partId = ?"); args.append(p) }
        if let r = q.resultId { clauses.append("resultId = ?"); args.append(r) }
        if let v = q.verdict { clauses.append("verdict = ?"); args.append(v) }
        args.append(q.limit)
        let sql = "SELECT seq, resultId, partId, verdict, creationTime, enqueuedAt, firstSentAt, lastSentAt, sendCount, brokerAckAt, ackedAt, replayed FROM result"
            + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY seq DESC LIMIT ?"
        return try wrap("query") {
            try db.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { row in
                    AuditRow(seq: row["seq"], resultId: row["resultId"], partId: row["partId"], verdict: row["verdict"],
                             creationTime: row["creationTime"], enqueuedAt: row["enqueuedAt"], firstSentAt: row["firstSentAt"],
                             lastSentAt: row["lastSentAt"], sendCount: row["sendCount"], brokerAckAt: row["brokerAckAt"],
                             ackedAt: row["ackedAt"], replayed: row["replayed"])
                }
            }
        }
    }

    /// The stored record for a result id (`nil` if unknown).
    public func record(resultId: String) throws -> ResultRecord? {
        let data: Data? = try wrap("read record") {
            try db.read { db in try Data.fetchOne(db, sql: "SELECT payload FROM result WHERE resultId = ?", arguments: [resultId]) }
        }
        return try data.map { try ResultRecord.decode($0, source: config.path) }
    }

    /// Commands in the audit trail, newest first: (receivedAt, name, outcome, detail).
    public func commands(limit: Int = 50) throws -> [(receivedAt: Double, name: String?, outcome: String, detail: String)] {
        try wrap("read commands") {
            try db.read { db in
                try Row.fetchAll(db, sql: "SELECT receivedAt, name, outcome, detail FROM command ORDER BY id DESC LIMIT ?", arguments: [limit])
                    .map { ($0["receivedAt"], $0["name"], $0["outcome"], $0["detail"]) }
            }
        }
    }

    func wrap<T>(_ op: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as MESError { throw e } catch { throw Self.mapError(error, operation: op, path: config.path) }
    }

    static func mapError(_ error: Error, operation: String, path: String) -> MESError {
        if let e = error as? DatabaseError, e.resultCode == .SQLITE_FULL { return .diskFull(operation: operation, path: path) }
        if let e = error as? DatabaseError { return .outbox(operation: operation, path: path, detail: "SQLite \(e.resultCode): \(e.message ?? "")") }
        return .outbox(operation: operation, path: path, detail: "\(error)")
    }
}
