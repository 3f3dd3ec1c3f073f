import Foundation
import LoupeMES

/// The MES side of the station: each part's result becomes a ``ResultRecord`` in the durable
/// outbox (group commit, so the line never waits on a disk flush), from where an
/// ``MESPublisher`` forwards it over MQTT when a broker is configured. Alarms go to `onAlarm`.
public struct OutboxResultLink: ResultLink {
    public let outbox: Outbox
    public let station: String
    public let point: String
    public private(set) var modelID: String
    public private(set) var modelSHA256: String
    public private(set) var classes: [String]
    /// The threshold in force, recorded for parts settled without a verdict.
    public private(set) var threshold: Float
    /// Results whose group commit failed (the disk is full or the outbox over budget).
    public let failedCommits = SharedCount()
    public var onAlarm: (StationAlarm) -> Void
    /// The point's Prometheus series (nil: not counted).
    public var metrics: StationMetrics.Point?
    /// The point's dashboard view (nil: not shown).
    public var live: PointLiveView?
    /// The archived image waiting for its part's result.
    private var pendingImage: (part: UInt32, ref: String)?

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

    public mutating func attachImage(_ ref: String, to part: UInt32) { pendingImage = (part, ref) }

    public mutating func modelChanged(_ model: ModelIdentity) {
        modelID = model.id
        modelSHA256 = model.sha256
        classes = model.classes
        threshold = model.threshold
    }

    public mutating func publish(_ result: PartResult) {
        metrics?.settled(result.disposition)
        var imageRef: String?
        if let pending = pendingImage, pending.part == result.part.id {
            imageRef = pending.ref
            pendingImage = nil
        }
        live?.settled(result, imageRef: imageRef)
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
                                  threshold: Double(result.threshold ?? threshold), imageRef: imageRef)
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
