#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoupeCapture
import LoupeImaging
import LoupeInspection
import LoupeTensor

/// One inspection point at work, on two threads joined by a bounded ``PartQueue``. Free-running,
/// every frame is a part; PLC-triggered (``announce(_:)``), a part is registered the moment the
/// PLC announces it and takes the next frame captured after that; a part whose frame does not
/// come within `triggerWait` is rejected as `frame-lost` (frames with no part are not inspected).
/// - **capture** takes each frame, registers its part (deadline from the frame's capture time and
///   the line geometry) and converts the frame in place into a free network-input slot. It never
///   waits for inference: with no slot free, the frame is dropped and its part posted as lost.
/// - **decision** owns the ``PartTracker``: it registers parts, runs the ``Inspector`` on each
///   ready slot, settles the parts, and wakes at the next fail-safe time, so every part not
///   shown good in time is rejected, whatever capture or inference is doing.
///
/// Frames the source reports dropped, and frames that cannot be read or converted, are parts
/// too: they are rejected as `frame-lost`, never passed. Handing a part from capture to decision
/// allocates nothing (``PartQueue``).
public final class InspectionPointRunner<Rejects: RejectLink, Results: ResultLink>: @unchecked Sendable {
    public let name: String
    public let source: FrameSource
    public let inspector: Inspector
    public let line: LineGeometry
    public let slot: UInt16
    public let region: PixelRegion?
    /// Owned by the decision thread while running; read it after ``run(partLimit:shouldStop:)``.
    public private(set) var tracker: PartTracker<Rejects, Results>
    /// Frame capture → decision, milliseconds, for every decided part (capacity fixed at start).
    public private(set) var latenciesMs: [Double] = []
    /// The same minus the network's own time: what the pipeline adds (hand-over, waiting, tracker).
    public private(set) var overheadsMs: [Double] = []
    /// Frames dropped because inference was behind (their parts were rejected).
    public private(set) var droppedForOverload = 0
    /// The point's Prometheus series (nil: not counted).
    public var metrics: StationMetrics.Point?
    /// PLC-triggered: the longest a part waits for its frame; nil for free-running.
    public var triggerWait: Double?
    /// Told when the source fails without a frame (a camera unplugged: no part was lost), and
    /// when the hand-over ring overflowed (parts untracked).
    public var onSourceError: ((String) -> Void)?

    let queue: PartQueue
    private var converter: FrameConverter?
    private var nextPart: UInt32 = 1
    private var unreadableSinceLastFrame = 0
    private var capturedParts = 0
    private let capturedPartsLock = NSLock()
    /// PLC-triggered: parts announced and waiting for their frame, oldest first.
    private var announced: [(part: PartID, at: Double)] = []
    private let announcedLock = NSLock()

    public init(name: String, source: FrameSource, inspector: Inspector, line: LineGeometry, slot: UInt16, region: PixelRegion?,
                uncertaintyBand: Float, rejects: Rejects, results: Results, inputSlots: Int = 3, latencyCapacity: Int = 1 << 20) {
        self.name = name
        self.source = source
        self.inspector = inspector
        self.line = line
        self.slot = slot
        self.region = region
        tracker = PartTracker(configuration: .init(rejectLeadTime: line.rejectLeadTime, uncertaintyBand: uncertaintyBand),
                              rejects: rejects, results: results, now: MonotonicClock.seconds())
        queue = PartQueue(slots: inputSlots, inputCount: inspector.inputCount)
        latenciesMs.reserveCapacity(latencyCapacity)
        overheadsMs.reserveCapacity(latencyCapacity)
    }

    /// Runs capture on a new thread and decisions on the calling thread until `shouldStop()`,
    /// `partLimit` parts, or the source's end (a folder replayed without looping); then settles
    /// every part still in flight.
    public func run(partLimit: Int?, shouldStop: @escaping @Sendable () -> Bool) {
        queue.reopen()
        let captureDone = DispatchSemaphore(value: 0)
        let capture = Thread { [self] in
            captureLoop(partLimit: partLimit, shouldStop: shouldStop)
            queue.close()
            captureDone.signal()
        }
        capture.name = "loupe-\(name)-capture"
        capture.start()
        decisionLoop()
        captureDone.wait()
        if queue.overflows > 0 { onSourceError?("\(name): \(queue.overflows) hand-over events lost: the decision thread stalled") }
    }

    /// PLC-triggered: the PLC announced `part` at `time`. It is registered at once (its
    /// fail-safe runs from now) and takes the next frame captured after `time`.
    public func announce(_ part: PartID, at time: Double) {
        register(part, detectedAt: time)
        announcedLock.lock()
        if announced.count < 1024 { announced.append((part, time)) } else { queue.post(.lost(part.id, .noFrameAfterTrigger, at: time)) }
        announcedLock.unlock()
    }

    /// PLC-triggered: the part `frame` belongs to (parts whose wait ran out are posted as lost).
    private func claimPart(for frame: Frame) -> PartID? {
        announcedLock.lock()
        defer { announcedLock.unlock() }
        while let first = announced.first {
            if first.at > frame.timestamp { return nil }                       // the frame predates the trigger
            announced.removeFirst()
            if frame.timestamp - first.at <= triggerWait! { return first.part }
            queue.post(.lost(first.part.id, .noFrameAfterTrigger, at: MonotonicClock.seconds()))
        }
        return nil
    }

    // MARK: Capture thread

    private func captureLoop(partLimit: Int?, shouldStop: () -> Bool) {
        // A folder replayed without looping ends after its last file: every file became a part
        // (read, unreadable, or skipped by the replay clock), or nothing came for 5 s.
        let replayLength = (source as? FolderSource).flatMap { $0.loop ? nil : $0.files.count }
        var idleTurns = 0
        while !shouldStop() {
            let parts = partsSoFar
            if let partLimit, parts >= partLimit { return }
            if triggerWait == nil, let replayLength, parts >= replayLength || idleTurns >= 25 { return }
            do {
                let got: Void? = try source.withNextFrame(timeout: 0.2) { frame in
                    // A frame already counted as lost (it failed to read) shows again as a gap here.
                    let dropped = max(0, frame.droppedBefore - unreadableSinceLastFrame)
                    unreadableSinceLastFrame = 0
                    if triggerWait != nil {
                        if let part = claimPart(for: frame) { capture(frame, for: part) }  // no part: not inspected
                    } else {
                        for _ in 0..<dropped { lostPart(at: frame.timestamp, .droppedBySource) }
                        capture(frame, for: newPart(at: frame.timestamp))
                    }
                }
                idleTurns = got == nil ? idleTurns + 1 : 0
            } catch {
                if case CaptureError.deviceLost = error {
                    // No frame was taken: no part lost; the camera reconnects on the next calls.
                    onSourceError?("\(name): \(error)")
                } else if triggerWait == nil {
                    // A corrupt or truncated frame is still a part (triggered: its part waits for the next frame).
                    lostPart(at: MonotonicClock.seconds(), .unreadable)
                    unreadableSinceLastFrame += 1
                }
            }
        }
    }

    private var partsSoFar: Int {
        capturedPartsLock.lock()
        defer { capturedPartsLock.unlock() }
        return capturedParts
    }

    /// Free-running: the next part number, registered as detected at `time`.
    private func newPart(at time: Double) -> PartID {
        let part = PartID(nextPart, slot: slot)
        nextPart &+= 1
        register(part, detectedAt: time)
        return part
    }

    /// Counts `part` and hands it to the tracker with its deadline (from either thread).
    private func register(_ part: PartID, detectedAt time: Double) {
        capturedPartsLock.lock()
        capturedParts += 1
        capturedPartsLock.unlock()
        queue.post(.entered(part, deadline: line.deadline(detectedAt: time), at: MonotonicClock.seconds()))
    }

    private func capture(_ frame: Frame, for part: PartID) {
        guard let slot = queue.takeSlot() else {
            droppedForOverload += 1
            metrics?.droppedFrames.increment()
            queue.post(.lost(part.id, .noFreeSlot, at: MonotonicClock.seconds()))
            return
        }
        do {
            try converter(for: frame.format).convert(frame.bytes, into: queue.input(slot), capacity: queue.inputCount)
            queue.post(.ready(part.id, slot: slot, capturedAt: frame.timestamp))
        } catch {
            queue.releaseSlot(slot)
            queue.post(.lost(part.id, .conversionFailed, at: MonotonicClock.seconds()))
        }
    }

    private func lostPart(at time: Double, _ loss: PartQueue.FrameLoss) {
        let part = newPart(at: time)
        queue.post(.lost(part.id, loss, at: MonotonicClock.seconds()))
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

    // MARK: Decision thread

    private func decisionLoop() {
        var batch: [PartQueue.Event] = []
        batch.reserveCapacity(4096)
        while queue.take(into: &batch, wakeAt: tracker.nextFailSafeTime ?? MonotonicClock.seconds() + 0.05) {
            for event in batch { handle(event) }
            tracker.advance(to: MonotonicClock.seconds())
        }
        // Capture has stopped: every part still in flight gets its verdict-less fail-safe.
        while let due = tracker.nextFailSafeTime {
            let wait = due - MonotonicClock.seconds()
            if wait > 0 { usleep(UInt32(min(wait, 1) * 1e6)) }
            tracker.advance(to: max(due, MonotonicClock.seconds()))
        }
    }

    private func handle(_ event: PartQueue.Event) {
        switch event {
        case let .entered(part, deadline, at):
            tracker.partEntered(part, deadline: deadline, at: at)
        case let .lost(id, loss, at):
            tracker.failed(id, .frameLost, detail: loss.detail, at: at)
        case let .ready(id, slot, capturedAt):
            let decision = inspector.decide(input: queue.input(slot))
            queue.releaseSlot(slot)
            let now = MonotonicClock.seconds()
            if latenciesMs.count < latenciesMs.capacity {
                latenciesMs.append((now - capturedAt) * 1000)
                overheadsMs.append((now - capturedAt) * 1000 - decision.timings.inferenceMs)
            }
            metrics?.decisionLatency.record(now - capturedAt)
            tracker.verdict(for: id, score: decision.defectScore, threshold: decision.threshold, classIndex: decision.classIndex, at: now)
        }
    }
}
