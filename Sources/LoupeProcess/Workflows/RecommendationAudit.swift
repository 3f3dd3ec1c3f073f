import Foundation
import LoupeTensor

/// The approval trail of set-point recommendations: who approved or rejected which
/// recommendation, when, and the recommendation's fingerprint, appended to a JSON-lines file
/// that is fsync'd on every entry. Nothing is applied without an entry here.
public struct RecommendationAudit {
    public struct Entry: Codable, Sendable, Equatable {
        public var time: String
        public var who: String
        public var decision: String
        public var recommendation: String
        public var sha256: String
        public var objective: String
        public var predictedGain: Double
        public var setPoints: [String: Double]
        public var model: String?
        public var modelSha256: String?
        public var note: String?
    }

    public let path: String
    public init(path: String) { self.path = path }

    /// Records a decision on the recommendation file at `recommendationPath`.
    /// - Throws: when the file is not a recommendation, or the decision is not approve/reject.
    @discardableResult
    public func record(recommendationPath: String, who: String, approve: Bool, note: String?) throws -> Entry {
        guard !who.trimmingCharacters(in: .whitespaces).isEmpty else { throw ModelFitError("approval: say who decides (--by NAME)") }
        guard let data = FileManager.default.contents(atPath: recommendationPath) else { throw ModelFitError("\(recommendationPath): cannot be read") }
        let rec: Recommendation
        do { rec = try JSONDecoder().decode(Recommendation.self, from: data) } catch let e as DecodingError {
            throw ModelFitError("\(recommendationPath): not a recommendation: \(ProcessModel.describe(e))")
        }
        // A recommendation edited by hand must still be one the optimiser could have made.
        for s in rec.settings {
            if s.fixed ? s.recommended != s.current : (s.recommended < s.low || s.recommended > s.high) {
                throw ModelFitError("\(recommendationPath): \(s.name) = \(s.recommended) is outside its allowed \(s.fixed ? "value \(s.current) (fixed)" : "range \(s.low)…\(s.high)"); not recorded")
            }
        }
        let sha = SHA256.hex([UInt8](data))
        if let earlier = try entries().first(where: { $0.sha256 == sha }) {
            throw ModelFitError("\(recommendationPath): already \(earlier.decision) by \(earlier.who) at \(earlier.time); a decision is recorded once")
        }
        let entry = Entry(time: ISO8601DateFormatter().string(from: Date()), who: who, decision: approve ? "approved" : "rejected",
                          recommendation: recommendationPath, sha256: sha, objective: rec.objective,
                          predictedGain: rec.gain, setPoints: Dictionary(uniqueKeysWithValues: rec.settings.filter { !$0.fixed }.map { ($0.name, $0.recommended) }),
                          model: rec.model, modelSha256: rec.modelSha256, note: note)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(entry)
        line.append(0x0A)
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw ModelFitError("\(path): cannot open the audit trail for appending (errno \(errno))") }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else { throw ModelFitError("\(path): writing the audit entry failed (errno \(errno))") }
        return entry
    }

    /// Every entry so far, oldest first.
    public func entries() throws -> [Entry] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").enumerated().map { k, line in
            do { return try JSONDecoder().decode(Entry.self, from: Data(line.utf8)) } catch {
                throw ModelFitError("\(path):\(k + 1): not an audit entry")
            }
        }
    }
}

extension Recommendation {
    public func write(to path: String) throws {
        try OutputFile.writeJSON(self, to: path)
    }

    /// The recommendation page a person approves from.
    public func report(problem: SetPointProblem) -> HTMLReport {
        var r = HTMLReport(title: "Set-point recommendation: \(sense.rawValue) \(objective)",
                           subtitle: "For a person to approve: `loupe process approve <recommendation.json> --by NAME`")
        let unit = problem.objective.targetUnit ?? ""
        r.addKeyValues([
            ("predicted now", "\(ReportFormat.number(predictedNow, digits: 5)) \(unit)"),
            ("predicted at the recommendation", "\(ReportFormat.number(predictedRecommended, digits: 5)) \(unit)"),
            ("gain", "\(ReportFormat.number(gain, digits: 4)) ± \(ReportFormat.number(gainUncertainty, digits: 3)) \(unit) (1σ of the model)"),
            ("model", "\(problem.objective.kind.rawValue), trained on \(problem.objective.metadata.trainedOn)"),
        ])
        if gain < 2 * gainUncertainty {
            r.addAlert("The predicted gain is within twice the model's uncertainty: it may not be real.", level: .warning)
        }
        r.addTable(headers: ["input", "now", "recommended", "move", "allowed low", "allowed high", ""],
                   rows: settings.map { s in
                       [s.name, ReportFormat.number(s.current, digits: 5), ReportFormat.number(s.recommended, digits: 5),
                        ReportFormat.number(s.recommended - s.current, digits: 3), ReportFormat.number(s.low, digits: 5),
                        ReportFormat.number(s.high, digits: 5), s.fixed ? "fixed" : ""]
                   }, numericColumns: [1, 2, 3, 4, 5])
        if !quality.isEmpty {
            r.addHeading("Quality constraints")
            r.addTable(headers: ["quality", "predicted", "low", "high", "met"],
                       rows: quality.map { [$0.name, ReportFormat.number($0.predicted, digits: 5), $0.low.map { ReportFormat.number($0, digits: 5) } ?? "",
                                            $0.high.map { ReportFormat.number($0, digits: 5) } ?? "", $0.satisfied ? "yes" : "NO"] },
                       numericColumns: [1, 2, 3])
        }
        return r
    }
}
