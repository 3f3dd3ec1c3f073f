#if canImport(Glibc)
import Glibc
#endif
import LoupeCapture
import LoupeImaging
import LoupeInspection
import LoupeTensor

/// One inspection point at work, free-running: every frame from the source is a part. Each
/// frame enters the ``PartTracker`` with its deadline (from the frame's capture time and the
/// line geometry), is converted in place into the network input, decided by the
/// ``Inspector``, and settled; the tracker's fail-safe rejects whatever is not decided in time.
/// Frames the source reports dropped, and frames that cannot be read or converted, are parts
/// too: they are rejected as `frame-lost`, never passed.
///
/// Capture, conversion and inference run one after another on the calling thread.
public final class InspectionPointRunner<Rejects: RejectLink, Results: ResultLink> {
    public let name: String
    public let source: FrameSource
    public let inspector: Inspector
    public let line: LineGeometry
    public let slot: UInt16
    public let region: PixelRegion?
    public var tracker: PartTracker<Rejects, Results>
    /// Frame capture → decision, milliseconds, for every decided part (capacity fixed at start).
    public private(set) var latenciesMs: [Double] = []
    /// Told when the source fails without a frame (a camera unplugged): no part was lost.
    public var onSourceError: ((String) -> Void)?
    private var converter: FrameConverter?
    private var nextPart: UInt32 = 1
    private var unreadableSinceLastFrame = 0

    public init(name: String, source: FrameSource, inspector: Inspector, line: LineGeometry, slot: UInt16, region: PixelRegion?,
                uncertaintyBand: Float, rejects: Rejects, results: Results, latencyCapacity: Int = 1 << 20) {
        self.name = name
        self.source = source
        self.inspector = inspector
        self.line = line
        self.slot = slot
        self.region = region
        tracker = PartTracker(configuration: .init(rejectLeadTime: line.rejectLeadTime, uncertaintyBand: uncertaintyBand),
                              rejects: rejects, results: results, now: MonotonicClock.seconds())
        latenciesMs.reserveCapacity(latencyCapacity)
    }

    /// Handles the next frame, waiting up to `timeout` seconds for it.
    /// - Returns: false when no frame came (timeout, or a replay at its end).
    public func step(timeout: Double) -> Bool {
        let got: Bool?
        do {
            got = try source.withNextFrame(timeout: timeout) { frame -> Bool in
                // A frame already counted as lost (it failed to read) shows again as a gap here.
                let dropped = max(0, frame.droppedBefore - unreadableSinceLastFrame)
                unreadableSinceLastFrame = 0
                for _ in 0..<dropped { lostPart(at: frame.timestamp, detail: "frame dropped by \(source.name)") }
                inspect(frame)
                return true
            }
        } catch let error as CaptureError {
            if case .deviceLost = error {
                // No frame was taken, so no part is lost here; the camera reconnects on the next calls.
                onSourceError?("\(name): \(error)")
                got = false
            } else {
                lostPart(at: MonotonicClock.seconds(), detail: "\(error)")
                unreadableSinceLastFrame += 1
                got = true
            }
        } catch {
            // The frame could not be read (a corrupt or truncated file): it still was a part.
            lostPart(at: MonotonicClock.seconds(), detail: "\(error)")
            unreadableSinceLastFrame += 1
            got = true
        }
        tracker.advance(to: MonotonicClock.seconds())
        return got ?? false
    }

    /// Settles every part still in flight (their fail-safe times pass or are reached now).
    public func finish() {
        while let due = tracker.nextFailSafeTime {
            let now = MonotonicClock.seconds()
            if due > now { sleepUntil(due) }
            tracker.advance(to: max(due, MonotonicClock.seconds()))
        }
    }

    private func inspect(_ frame: Frame) {
        let part = PartID(nextPart, slot: slot)
        nextPart &+= 1
        tracker.partEntered(part, deadline: line.deadline(detectedAt: frame.timestamp), at: MonotonicClock.seconds())
        do {
            let converter = try self.converter(for: frame.format)
            let decision = try inspector.decide { input in
                try converter.convert(frame.bytes, into: input.baseAddress!, capacity: input.count)
            }
            let now = MonotonicClock.seconds()
            if latenciesMs.count < latenciesMs.capacity { latenciesMs.append((now - frame.timestamp) * 1000) }
            tracker.verdict(for: part.id, score: decision.defectScore, threshold: decision.threshold, classIndex: decision.classIndex, at: now)
        } catch {
            tracker.failed(part.id, .frameLost, detail: "\(error)", at: MonotonicClock.seconds())
        }
    }

    private func lostPart(at time: Double, detail: String) {
        let part = PartID(nextPart, slot: slot)
        nextPart &+= 1
        tracker.partEntered(part, deadline: line.deadline(detectedAt: time), at: MonotonicClock.seconds())
        tracker.failed(part.id, .frameLost, detail: detail, at: MonotonicClock.seconds())
    }

    /// The converter for `format`, made once per frame format (a replayed folder may mix sizes).
    private func converter(for format: FrameFormat) throws -> FrameConverter {
        if let converter, converter.format == format { return converter }
        let input = inspector.input
        let made = try FrameConverter(format: format, region: region, outputWidth: input.width, outputHeight: input.height,
                                      channels: input.channels, normalization: NormalizationParameters(mean: input.mean, std: input.std))
        converter = made
        return made
    }

    private func sleepUntil(_ time: Double) {
        let wait = time - MonotonicClock.seconds()
        if wait > 0 { usleep(UInt32(min(wait, 1) * 1e6)) }
    }
}
