import Foundation

/// One inspection result as the MES receives it, modelled on OPC UA for Machine Vision's
/// `ResultType` (OPC 40100-1): `resultId` is system-unique and is the MES's de-duplication key
/// (`partId` may repeat). Schema: docs/mes.md, "Result record"; versioned by `schema`.
public struct ResultRecord: Codable, Sendable, Equatable {
    /// The schema this record follows; bump on any incompatible change.
    public static let schemaVersion = "loupe.result/1"

    public enum Verdict: String, Codable, Sendable {
        case pass, reject
        /// No trustworthy verdict (missing, late, or too close to the threshold): the part is rejected.
        case uncertain
    }

    public var schema: String = ResultRecord.schemaVersion
    /// System-unique id (UUID unless given): the MES de-duplicates on it.
    public var resultId: String
    public var jobId: String
    public var partId: String
    public var measId: String
    public var station: String
    public var modelId: String
    public var modelSha256: String
    public var recipeId: String
    /// ISO 8601 UTC with milliseconds, when the verdict was made.
    public var creationTime: String
    /// Milliseconds per stage, e.g. `decode`, `preprocess`, `inference`.
    public var processingTimesMs: [String: Double]
    public var verdict: Verdict
    public var defectClass: String
    public var score: Double
    public var threshold: Double
    /// Where the image is kept (path or URL), if it is.
    public var imageRef: String?
    /// OPC UA's `IsPartial`: always false here (one record per part).
    public var isPartial: Bool = false
    /// True when re-sent after a station restart (OPC UA: historical); set by the outbox at send time.
    public var replayed: Bool = false

    public init(resultId: String = UUID().uuidString.lowercased(), jobId: String, partId: String, measId: String = "",
                station: String, modelId: String, modelSha256: String, recipeId: String, creationTime: Date = Date(),
                processingTimesMs: [String: Double], verdict: Verdict, defectClass: String, score: Double,
                threshold: Double, imageRef: String? = nil) {
        self.resultId = resultId; self.jobId = jobId; self.partId = partId; self.measId = measId
        self.station = station; self.modelId = modelId; self.modelSha256 = modelSha256; self.recipeId = recipeId
        self.creationTime = Self.iso8601(creationTime); self.processingTimesMs = processingTimesMs
        self.verdict = verdict; self.defectClass = defectClass; self.score = score; self.threshold = threshold
        self.imageRef = imageRef
    }

    /// Compact JSON with sorted keys (stable bytes for the same record).
    public func json() -> Data {
        // Encoding a struct of strings and numbers cannot fail.
        try! Self.encoder.encode(self)
    }

    /// Decodes a record, checking the schema version.
    /// - Throws: `MESError.malformedCommand`-style `.outbox` error naming what was received.
    public static func decode(_ data: Data, source: String) throws -> ResultRecord {
        let record: ResultRecord
        do { record = try JSONDecoder().decode(ResultRecord.self, from: data) } catch {
            throw MESError.outbox(operation: "decode result", path: source, detail: "not a result record: \(error)")
        }
        guard record.schema == schemaVersion else {
            throw MESError.outbox(operation: "decode result", path: source, detail: "schema \(record.schema), expected \(schemaVersion)")
        }
        return record
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// `2026-11-24T01:58:15.123Z`.
    public static func iso8601(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var t = time_t(ms / 1000)
        var tm = tm()
        gmtime_r(&t, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), Int(ms % 1000))
    }
}
