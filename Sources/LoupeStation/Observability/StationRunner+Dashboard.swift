import Foundation
import LoupeImaging
import LoupeInspection
import LoupeMES
import LoupeModel
import LoupeTensor

/// What the dashboard reads: `/api/state` (and each `/api/events` update), the points' last
/// images and reject heatmaps, and archived images.
extension StationRunner {
    public func dashboardState() -> [UInt8] {
        let now = WallClock.seconds()
        var document: [String: Any] = [
            "station": configuration.name,
            "paused": points.contains { $0.control.isPaused },
            "token_required": configuration.api.token != nil,
            "started_at": Self.timestamp(startedAt),
            "now": Self.timestamp(now),
            "alarms": recentAlarms.all.reversed().map { ["at": Self.timestamp($0.at), "message": $0.message] },
        ]
        document["audit"] = ((try? outbox.changes(limit: 50)) ?? []).map { change -> [String: Any] in
            ["at": Self.timestamp(change.at), "who": change.who, "action": change.action, "point": change.point ?? NSNull(),
             "old": change.old, "new": change.new, "outcome": change.outcome]
        }
        document["points"] = points.compactMap { point -> [String: Any]? in
            guard let live = point.live else { return nil }
            return pointState(live.snapshot(now: now), configured: configuration.inspectionPoints.first { $0.name == point.name })
        }
        return (try? Array(JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))) ?? Array("{}".utf8)
    }

    private func pointState(_ view: PointLiveView.Snapshot, configured: StationConfiguration.InspectionPoint?) -> [String: Any] {
        let classes = view.model.classes
        let base = "/api/points/" + (view.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? view.name)
        func result(_ r: PointLiveView.Result?) -> Any {
            guard let r else { return NSNull() }
            let verdict: String, reason: String
            switch r.disposition {
            case .pass: (verdict, reason) = ("pass", "")
            case .reject(.verdict): (verdict, reason) = ("reject", "verdict")
            case let .reject(other): (verdict, reason) = ("uncertain", other.rawValue)
            }
            let className = r.classIndex.flatMap { $0 < classes.count ? classes[$0] : nil }
            return ["part": Int(r.part), "verdict": verdict, "reason": reason, "score": r.score.map { Double($0) } ?? NSNull(),
                    "class": className ?? (verdict == "pass" ? "good" : reason), "at": Self.timestamp(r.at), "latency_ms": r.latencyMs,
                    "image": r.imageRef.map { "/api/archive/" + $0 } ?? NSNull()] as [String: Any]
        }
        var rejectsByReason: [String: Int] = [:]
        for reason in RejectReason.allCases { rejectsByReason[reason.rawValue] = view.rejects[reason.index] }
        let rejected = view.rejects.reduce(0, +)
        return [
            "name": view.name, "model": view.model.id, "model_path": view.model.path, "previous_model": view.model.previousID ?? NSNull(),
            "threshold": Double(view.model.threshold), "uncertainty_band": Double(view.model.uncertaintyBand), "recipe": view.name,
            "trigger": configured?.trigger.rawValue ?? "free-running",
            "parts": view.parts, "passed": view.passed, "rejected": rejected, "fail_safe": rejected - view.rejects[RejectReason.verdict.index],
            "rejects_by_reason": rejectsByReason,
            "last": result(view.last),
            "last_image": view.hasImage ? base + "/last.png" : NSNull(),
            "last_reject": result(view.lastReject),
            "last_reject_image": view.hasRejectImage ? base + "/last-reject.png" : NSNull(),
            "last_reject_heatmap": view.hasRejectImage ? base + "/last-reject-heatmap.png" : NSNull(),
            "latency_histogram": ["buckets_ms": PointLiveView.latencyBucketsMs, "counts": Array(view.latencyCounts.dropLast()),
                                  "over": view.latencyCounts.last ?? 0] as [String: Any],
            "hourly": view.hours.map { ["hour": Self.timestamp(Double($0.stamp) * 3600), "parts": $0.parts, "rejected": $0.rejected] as [String: Any] },
            "shifts": view.shifts.map { shift, tally in
                ["name": shift.name, "start": String(format: "%02d:%02d", shift.startMinute / 60, shift.startMinute % 60),
                 "parts": tally.parts, "rejected": tally.rejected] as [String: Any]
            },
            "recent": view.recent.map(result),
        ]
    }

    public func pointImage(point name: String, kind: String) throws -> [UInt8]? {
        guard let live = try point(name).live else { return nil }
        switch kind {
        case "last", "last-reject":
            guard let (_, input) = live.copyInput(lastReject: kind == "last-reject") else { return nil }
            return try input.withUnsafeBufferPointer { try ImageEncoder.pngData(NetworkInputImage.image($0.baseAddress!, spec: live.spec), compressionLevel: 3) }
        case "last-reject-heatmap":
            guard let (part, input) = live.copyInput(lastReject: true) else { return nil }
            if let png = live.cachedHeatmap(part: part) { return png }
            let model = live.modelInForce
            let png = try heatmaps.withInspector(point: name, modelPath: model.path, modelID: model.id) { inspector in
                try input.withUnsafeBufferPointer { buffer in
                    let map = OcclusionHeatmap(inspector: inspector, input: buffer.baseAddress!)
                    return try ImageEncoder.pngData(try map.overlay(on: buffer.baseAddress!, spec: live.spec), compressionLevel: 3)
                }
            }
            live.cacheHeatmap(png, part: part)
            return png
        default:
            throw StationControlError(.notFound, "no image '\(kind)' (there are: last, last-reject, last-reject-heatmap)")
        }
    }

    public func archivedImagePath(_ ref: String) -> String? { archive?.path(of: ref) }

    /// ISO 8601 UTC with milliseconds.
    static func timestamp(_ seconds: Double) -> String { ResultRecord.iso8601(Date(timeIntervalSince1970: seconds)) }
}

/// The inspectors that draw reject heatmaps: one per point, on the HTTP side (the decision
/// thread's own is never shared), rebuilt when the point's model changes.
final class HeatmapInspectors: @unchecked Sendable {
    private let lock = NSLock()
    private var inspectors: [String: (id: String, inspector: Inspector)] = [:]

    func withInspector<T>(point: String, modelPath: String, modelID: String, _ body: (Inspector) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if let cached = inspectors[point], cached.id == modelID { return try body(cached.inspector) }
        let inspector = try Inspector(model: try Model.load(from: modelPath), threads: 1)
        inspectors[point] = (modelID, inspector)
        return try body(inspector)
    }
}
