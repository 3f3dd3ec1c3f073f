import ArgumentParser
import Foundation
import LoupeMES

struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Query the audit trail: results with send and acknowledgement times, newest first.",
        discussion: """
          loupe results --pending              what the MES has not acknowledged yet
          loupe results --part P-1042          every result for one part (part ids may repeat)
          loupe results --json --limit 1000    for machines
          loupe results --changes              changes made to the running station (who, when, old → new)
        Times are UTC; "replayed" marks results re-sent after a station restart.
        """
    )
    @Option(help: "Outbox database.")
    var db = defaultOutboxPath
    @Flag(help: "Only results not yet acknowledged.")
    var pending = false
    @Option(help: "Only this part id.")
    var part: String?
    @Option(help: "Only this result id.")
    var id: String?
    @Option(help: "Only this verdict (pass, reject, uncertain).")
    var verdict: String?
    @Option(help: "At most this many rows.")
    var limit = 50
    @Flag(help: "Print JSON.")
    var json = false
    @Flag(help: "Show the changes made to the running station (thresholds, models, pause, reload) instead of results.")
    var changes = false

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        if let verdict, ResultRecord.Verdict(rawValue: verdict) == nil { throw ValidationError("--verdict must be pass, reject or uncertain, got \(verdict)") }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else { throw MESCommandError("no outbox at \(db) (--db or LOUPE_OUTBOX)") }
        if changes { return try printChanges() }
        var q = Outbox.Query()
        q.pendingOnly = pending; q.partId = part; q.resultId = id; q.verdict = verdict; q.limit = limit
        let rows = try Outbox(config: .init(path: db, isStation: false)).query(q)
        if json {
            let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try e.encode(rows), as: UTF8.self))
            return
        }
        func t(_ s: Double?) -> String { s.map { String(ResultRecord.iso8601(Date(timeIntervalSince1970: $0)).dropFirst(11)) } ?? "-" }
        print("result id                             part          verdict    created                    sent          acked         sends")
        for r in rows {
            print("\(r.resultId.padding(toLength: 36, withPad: " ", startingAt: 0))  \(r.partId.padding(toLength: 12, withPad: " ", startingAt: 0))  \(r.verdict.padding(toLength: 9, withPad: " ", startingAt: 0))  \(r.creationTime)   \(t(r.firstSentAt).padding(toLength: 12, withPad: " ", startingAt: 0))  \(t(r.ackedAt).padding(toLength: 12, withPad: " ", startingAt: 0))  \(r.sendCount)\(r.replayed ? "  replayed" : "")")
        }
        print("\(rows.count) result\(rows.count == 1 ? "" : "s")")
    }

    /// The audit trail of changes, newest first.
    private func printChanges() throws {
        let rows = try Outbox(config: .init(path: db, isStation: false)).changes(limit: limit)
        if json {
            let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try e.encode(rows), as: UTF8.self))
            return
        }
        for c in rows {
            print("\(ResultRecord.iso8601(Date(timeIntervalSince1970: c.at)))  \(c.who)  \(c.action)\(c.point.map { " \($0)" } ?? ""): \(c.old) → \(c.new): \(c.outcome)")
        }
        print("\(rows.count) change\(rows.count == 1 ? "" : "s")")
    }
}
