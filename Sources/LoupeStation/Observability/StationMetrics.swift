import Prometheus

/// The station's Prometheus metrics, served at `/metrics`. Names follow Prometheus practice
/// (`_total` counters, base units); every series carries the inspection point's name.
///
/// - `loupe_parts_total{point, disposition}`: settled parts, `pass` or `reject`
/// - `loupe_rejects_total{point, reason}`: rejects by reason (`verdict`, `uncertain`, `frame-lost`, …)
/// - `loupe_frames_dropped_total{point}`: frames dropped because inference was behind
/// - `loupe_late_verdicts_total{point}`: verdicts that came after the fail-safe had rejected the part
/// - `loupe_alarms_total{point}`: alarms raised
/// - `loupe_decision_latency_seconds{point}`: frame capture → decision (histogram)
/// - `loupe_model_info{point, model}`: 1 for the model in use
public final class StationMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    /// One inspection point's series, made once at start (updating them allocates nothing).
    public struct Point: Sendable {
        public let passed: Counter
        public let rejected: Counter
        /// Indexed by ``RejectReason/index``.
        public let rejectsByReason: [Counter]
        public let droppedFrames: Counter
        public let lateVerdicts: Counter
        public let alarms: Counter
        public let decisionLatency: ValueHistogram

        public func settled(_ disposition: PartResult.Disposition) {
            switch disposition {
            case .pass:
                passed.increment()
            case let .reject(reason):
                rejected.increment()
                rejectsByReason[reason.index].increment()
            }
        }
    }

    public init() {}

    public func point(_ name: String, model: String) -> Point {
        registry.makeGauge(name: "loupe_model_info", labels: [("point", name), ("model", model)],
                           help: "1 for the model an inspection point runs").set(to: 1.0)
        let parts = "Parts settled, by disposition"
        return Point(
            passed: registry.makeCounter(name: "loupe_parts_total", labels: [("point", name), ("disposition", "pass")], help: parts),
            rejected: registry.makeCounter(name: "loupe_parts_total", labels: [("point", name), ("disposition", "reject")], help: parts),
            rejectsByReason: RejectReason.allCases.map {
                registry.makeCounter(name: "loupe_rejects_total", labels: [("point", name), ("reason", $0.rawValue)],
                                     help: "Rejected parts, by reason (all but verdict are fail-safe rejects)")
            },
            droppedFrames: registry.makeCounter(name: "loupe_frames_dropped_total", labels: [("point", name)],
                                                help: "Frames dropped because inference was behind (their parts were rejected)"),
            lateVerdicts: registry.makeCounter(name: "loupe_late_verdicts_total", labels: [("point", name)],
                                               help: "Verdicts that arrived after the fail-safe had rejected the part"),
            alarms: registry.makeCounter(name: "loupe_alarms_total", labels: [("point", name)], help: "Alarms raised"),
            decisionLatency: registry.makeValueHistogram(name: "loupe_decision_latency_seconds", labels: [("point", name)],
                                                         buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
                                                         help: "Frame capture to decision"))
    }

    /// The Prometheus text exposition of every series.
    public func exposition() -> String { registry.emitToString() }
}
