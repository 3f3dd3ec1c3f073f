import Foundation
import Prometheus

/// The station's Prometheus metrics, served at `/metrics`. Names follow Prometheus practice
/// (`_total` counters, base units); every series carries the inspection point's name.
///
/// - `loupe_frames_total{point}`: frames taken from the source
/// - `loupe_parts_total{point, disposition}`: settled parts, `pass` or `reject`
/// - `loupe_rejects_total{point, reason}`: rejects by reason (`verdict`, `uncertain`, `frame-lost`, …)
/// - `loupe_frames_dropped_total{point}`: frames dropped because inference was behind
/// - `loupe_late_verdicts_total{point}`: verdicts that came after the fail-safe had rejected the part
/// - `loupe_alarms_total{point}`: alarms raised
/// - `loupe_decision_latency_seconds{point}`: frame capture → decision (histogram)
/// - `loupe_capture_to_inference_seconds{point}`: frame capture → inference start: conversion
///   and the wait in the hand-over (histogram)
/// - `loupe_inference_seconds{point}`: the network's own time per part (histogram)
/// - `loupe_queue_depth{point}`: converted frames waiting for or in inference
/// - `loupe_outbox_pending`: results in the outbox not yet acknowledged by the MES side
/// - `loupe_link_up{link}`: 1 while the MES broker (`mes`) or the PLC (`plc`) answers
/// - `loupe_model_info{point, model}`: 1 for the model in use, 0 for models used before
public final class StationMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    /// One inspection point's series, made once at start (updating them allocates nothing).
    public struct Point: Sendable {
        public let frames: Counter
        public let passed: Counter
        public let rejected: Counter
        /// Indexed by ``RejectReason/index``.
        public let rejectsByReason: [Counter]
        public let droppedFrames: Counter
        public let lateVerdicts: Counter
        public let alarms: Counter
        public let decisionLatency: ValueHistogram
        public let captureToInference: ValueHistogram
        public let inference: ValueHistogram
        public let queueDepth: Gauge
        let modelInfo: ModelInfo

        /// `model` decides from now on (a no-op when it already did).
        public func modelInUse(_ model: String) { modelInfo.set(model) }

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

    /// Results not yet acknowledged by the MES side.
    public let outboxPending: Gauge

    public init() {
        outboxPending = registry.makeGauge(name: "loupe_outbox_pending", help: "Results in the outbox not yet acknowledged by the MES side")
    }

    /// Sets `loupe_link_up{link}`: 1 while the MES broker (`mes`) or the PLC (`plc`) answers; a
    /// link that is not configured has no series.
    public func link(_ name: String, up: Bool) {
        registry.makeGauge(name: "loupe_link_up", labels: [("link", name)], help: "1 while the link answers").set(to: up ? 1.0 : 0.0)
    }

    /// `loupe_model_info` of one point: the model in use at 1, those it replaced at 0.
    final class ModelInfo: @unchecked Sendable {
        private let lock = NSLock()
        private let registry: PrometheusCollectorRegistry
        private let point: String
        private var current: String?

        init(registry: PrometheusCollectorRegistry, point: String) {
            self.registry = registry
            self.point = point
        }

        func set(_ model: String) {
            lock.lock()
            defer { lock.unlock() }
            guard model != current else { return }
            if let current { gauge(current).set(to: 0.0) }
            gauge(model).set(to: 1.0)
            current = model
        }

        private func gauge(_ model: String) -> Gauge {
            registry.makeGauge(name: "loupe_model_info", labels: [("point", point), ("model", model)], help: "1 for the model an inspection point runs")
        }
    }

    public func point(_ name: String, model: String) -> Point {
        let modelInfo = ModelInfo(registry: registry, point: name)
        modelInfo.set(model)
        let parts = "Parts settled, by disposition"
        let buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5]
        return Point(
            frames: registry.makeCounter(name: "loupe_frames_total", labels: [("point", name)], help: "Frames taken from the source"),
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
                                                         help: "Frame capture to decision"),
            captureToInference: registry.makeValueHistogram(name: "loupe_capture_to_inference_seconds", labels: [("point", name)], buckets: buckets,
                                                            help: "Frame capture to inference start: conversion and the wait in the hand-over"),
            inference: registry.makeValueHistogram(name: "loupe_inference_seconds", labels: [("point", name)], buckets: buckets,
                                                   help: "The network's own time per part"),
            queueDepth: registry.makeGauge(name: "loupe_queue_depth", labels: [("point", name)],
                                           help: "Converted frames waiting for or in inference"),
            modelInfo: modelInfo)
    }

    /// The Prometheus text exposition of every series.
    public func exposition() -> String { registry.emitToString() }
}
