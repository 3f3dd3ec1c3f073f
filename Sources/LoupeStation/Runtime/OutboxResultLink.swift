import Foundation
import LoupeMES

/// The MES side of the station: each part's result becomes a ``ResultRecord`` in the durable
/// outbox (group commit, so the line never waits on a disk flush), from where an
/// ``MESPublisher`` forwards it over MQTT when a broker is configured. Alarms go to `onAlarm`.
public struct OutboxResultLink: ResultLink {
    public let outbox: Outbox
    public let station: String
    public let point: String
    public let modelID: String
    public let modelSHA256: String
    public let classes: [String]
    /// The threshold in force, recorded for parts settled without a verdict.
    public let threshold: Float
    /// Results whose group commit failed (the disk is full or the outbox over budget).
    public let failedCommits = SharedCount()
    public var onAlarm: (StationAlarm) -> Void
    /// The point's Prometheus series (nil: not counted).
    public var metrics: StationMetrics.Point?

    public init(outbox: Outbox, station: String, point: String, modelID: String, modelSHA256: String, classes: [String],
                threshold: Float, onAlarm: @escaping (StationAlarm) -> Void) {
        self.outbox = outbox
        self.station = station
        self.point = point
        self.modelID = modelID
        self.modelSHA256 = modelSHA256
        self.classes = classes
        self.threshold = threshold
        self.onAlarm = onAlarm
    }

    public mutating func publish(_ result: PartResult) {
        metrics?.settled(result.disposition)
        let verdict: ResultRecord.Verdict
        let defectClass: String
        switch result.disposition {
        case .pass:
            verdict = .pass
            defectClass = result.classIndex.map { classes[$0] } ?? "good"
        case .reject(.verdict):
            verdict = .reject
            defectClass = result.classIndex.map { classes[$0] } ?? "defective"
        case let .reject(reason):
            verdict = .uncertain
            defectClass = reason.rawValue
        }
        let record = ResultRecord(resultId: "\(station)-\(point)-\(result.part.id)-\(Int(result.enteredAt * 1000))", jobId: point,
                                  partId: String(result.part.id), measId: String(result.part.slot), station: station,
                                  modelId: modelID, modelSha256: modelSHA256, recipeId: point,
                                  processingTimesMs: ["decision": (result.settledAt - result.enteredAt) * 1000],
                                  verdict: verdict, defectClass: defectClass, score: Self.recordedScore(result.score),
                                  threshold: Double(result.threshold ?? threshold))
        let failed = failedCommits
        outbox.enqueueGrouped(record) { error in if error != nil { failed.add() } }
    }

    public mutating func raise(_ alarm: StationAlarm) {
        metrics?.alarms.increment()
        if case .lateVerdict = alarm { metrics?.lateVerdicts.increment() }
        onAlarm(alarm)
    }

    /// A part with no usable score (frame lost, no verdict in time, a NaN from the network) is
    /// recorded with score 1: it was treated as defective. JSON has no NaN.
    static func recordedScore(_ score: Float?) -> Double {
        guard let score, score.isFinite else { return 1 }
        return Double(score)
    }
}
