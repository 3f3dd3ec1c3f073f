import Foundation
import GRDB
import LoupeTensor

/// The outbox's other two duties besides results: the audit trail of changes made to a running
/// station (who changed what, when, from what to what, and whether it took), and the state of
/// each result's archived image (kept, or expired by the archive's retention).
extension Outbox {
    /// One change to a running station, as the audit trail keeps it.
    public struct Change: Codable, Sendable, Equatable {
        /// Wall-clock seconds since 1970.
        public var at: Double
        /// Who asked: `api` (with the token), `sighup`, `reload`, an operator name.
        public var who: String
        /// `threshold`, `uncertainty-band`, `model`, `rollback`, `pause`, `resume`, `reload`.
        public var action: String
        /// The inspection point changed (nil: the whole station).
        public var point: String?
        public var old: String
        public var new: String
        /// `applied`, or `refused: <why>`.
        public var outcome: String

        public init(at: Double = WallClock.seconds(), who: String, action: String, point: String?, old: String, new: String, outcome: String) {
            self.at = at; self.who = who; self.action = action; self.point = point; self.old = old; self.new = new; self.outcome = outcome
        }
    }

    static func createChangeLog(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS change (
                id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
                point TEXT, old TEXT NOT NULL, new TEXT NOT NULL, outcome TEXT NOT NULL)
            """)
        // Outboxes made before results carried an image reference gain the two columns.
        let columns = try db.columns(in: "result").map(\.name)
        if !columns.contains("imageRef") { try db.execute(sql: "ALTER TABLE result ADD COLUMN imageRef TEXT") }
        if !columns.contains("imageExpired") { try db.execute(sql: "ALTER TABLE result ADD COLUMN imageExpired INTEGER NOT NULL DEFAULT 0") }
        try db.execute(sql: "CREATE INDEX IF NOT EXISTS result_image ON result(imageRef) WHERE imageRef IS NOT NULL")
    }

    /// Adds a change to the audit trail (durably: one transaction).
    /// - Throws: `MESError.outbox` naming the path.
    public func recordChange(_ change: Change) throws {
        try wrap("record change") {
            try db.write { db in
                try db.execute(sql: "INSERT INTO change (at, who, action, point, old, new, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [change.at, change.who, change.action, change.point, change.old, change.new, change.outcome])
            }
        }
    }

    /// The audit trail of changes, newest first.
    public func changes(limit: Int = 50) throws -> [Change] {
        try wrap("read changes") {
            try db.read { db in
                try Row.fetchAll(db, sql: "SELECT at, who, action, point, old, new, outcome FROM change ORDER BY id DESC LIMIT ?", arguments: [limit])
                    .map { Change(at: $0["at"], who: $0["who"], action: $0["action"], point: $0["point"], old: $0["old"], new: $0["new"], outcome: $0["outcome"]) }
            }
        }
    }

    /// Marks the results whose image is one of `imageRefs` as expired (the archive deleted it);
    /// returns how many results that touched.
    @discardableResult
    public func markImagesExpired(_ imageRefs: [String]) throws -> Int {
        guard !imageRefs.isEmpty else { return 0 }
        return try wrap("mark images expired") {
            try db.write { db in
                let stmt = try db.cachedStatement(sql: "UPDATE result SET imageExpired = 1 WHERE imageRef = ?")
                var changed = 0
                for ref in imageRefs {
                    try stmt.execute(arguments: [ref])
                    changed += db.changesCount
                }
                return changed
            }
        }
    }

    /// The image reference of a result and whether the archive has expired it (nil: the result
    /// is unknown or has no image).
    public func image(ofResult resultId: String) throws -> (ref: String, expired: Bool)? {
        try wrap("read image reference") {
            try db.read { db in
                try Row.fetchOne(db, sql: "SELECT imageRef, imageExpired FROM result WHERE resultId = ? AND imageRef IS NOT NULL",
                                 arguments: [resultId]).map { ($0["imageRef"], $0["imageExpired"] != 0) }
            }
        }
    }

    /// Every image reference the outbox holds that is not marked expired.
    public func liveImageRefs() throws -> [String] {
        try wrap("read image references") {
            try db.read { db in try String.fetchAll(db, sql: "SELECT imageRef FROM result WHERE imageRef IS NOT NULL AND imageExpired = 0") }
        }
    }
}
