#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoupeCapture
import LoupeImaging
import LoupeInspection
import LoupeModel
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
///
/// Changes to a running point (threshold, uncertainty band, model switch and rollback) come
/// through ``control`` and are applied by the decision thread between two parts. While the
/// station is paused, every part is rejected as `paused`.
public final class InspectionPointRunner<Rejects: RejectLink, Results: ResultLink>: @unchecked Sendable {
    public let name: String
    public let source: FrameSource
    /// The model deciding; swapped by the decision thread only (a model switch or rollback).
    public private(set) var inspector: Inspector
    /// Where ``inspector``'s model was loaded from.
    public private(set) var modelPath: String
    /// The model in use before the last switch, kept for a rollback.
    public private(set) var previousModel: (inspector: Inspector, path: String)?
    /// The threshold in force: the operator's or the configuration's, else the model's own.
    public private(set) var threshold: Float
    private var thresholdOverride: Float?
    /// The network input every model of this point eats (fixed for the point's life: capture
    /// converts frames to it).
    public let inputSpec: InputSpec
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
    /// Changes to apply between parts, and the pause flag.
    let control = PointControl()
    /// The dashboard's view of this point (nil: not shown).
    public var live: PointLiveView?
    /// Where rejected and sampled passed images go (nil: not kept).
    public var archive: ImageArchive?
    /// Share of passed parts whose image is archived too.
    public var archivePassedShare = 0.0
    private var passedShareOwed = 0.0

    let queue: PartQueue
    private var converter: FrameConverter?
    private var nextPart: UInt32 = 1
    private var unreadableSinceLastFrame = 0
    private var capturedParts = 0
    private let capturedPartsLock = NSLock()
    /// PLC-triggered: parts announced and waiting for their frame, oldest first.
    private var announced: [(part: PartID, at: Double)] = []
    private let announcedLock = NSLock()

    /// - Parameter threshold: overrides the model's threshold (nil: the model's own).
    public init(name: String, source: FrameSource, inspector: Inspector, modelPath: String = "", threshold: Float? = nil, line: LineGeometry,
                slot: UInt16, region: PixelRegion?, uncertaintyBand: Float, rejects: Rejects, results: Results, inputSlots: Int = 8,
                latencyCapacity: Int = 1 << 20) {
        self.name = name
        self.source = source
        self.inspector = inspector
        self.modelPath = modelPath
        thresholdOverride = threshold
        self.threshold = threshold ?? inspector.rule.threshold
        inputSpec = inspector.input
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
        control.setServing(true)
        publishModel()
        decisionLoop()
        control.setServing(false)
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
                    metrics?.frames.increment()
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
        let input = inputSpec
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
            control.applyPending(apply)
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
            if control.isPaused {
                queue.releaseSlot(slot)
                tracker.failed(id, .paused, detail: "the station is paused", at: MonotonicClock.seconds())
                return
            }
            let input = queue.input(slot)
            if let metrics {
                metrics.queueDepth.set(to: Double(queue.slotsInUse))
                metrics.captureToInference.record(MonotonicClock.seconds() - capturedAt)
            }
            let decision = inspector.decide(input: input)
            let now = MonotonicClock.seconds()
            metrics?.inference.record(decision.timings.inferenceMs / 1000)
            if latenciesMs.count < latenciesMs.capacity {
                latenciesMs.append((now - capturedAt) * 1000)
                overheadsMs.append((now - capturedAt) * 1000 - decision.timings.inferenceMs)
            }
            metrics?.decisionLatency.record(now - capturedAt)
            let score = decision.defectScore
            let rejecting = tracker.disposition(score: score, threshold: threshold) != .pass
            if let live {
                live.keepInput(input, part: id, rejecting: rejecting)
                live.recordLatency(ms: (now - capturedAt) * 1000)
            }
            if let archive, tracker.isInFlight(id), rejecting || keepPassedImage() {
                if let ref = archive.submit(input, spec: inputSpec, name: "\(name)-\(id)-\(Int(WallClock.seconds() * 1000))") {
                    tracker.results.attachImage(ref, to: id)
                }
            }
            queue.releaseSlot(slot)
            tracker.verdict(for: id, score: score, threshold: threshold, classIndex: decision.classIndex, at: now)
        }
    }

    /// Whether this passed part's image is in the archive's sample.
    private func keepPassedImage() -> Bool {
        passedShareOwed += archivePassedShare
        guard passedShareOwed >= 1 else { return false }
        passedShareOwed -= 1
        return true
    }

    // MARK: Changes (decision thread)

    private func apply(_ change: PointControl.Change) -> Result<String, StationControlError> {
        switch change {
        case let .threshold(value):
            let old = threshold
            thresholdOverride = value
            threshold = value ?? inspector.rule.threshold
            publishModel()
            return .success("threshold \(old) → \(threshold)")
        case let .uncertaintyBand(band):
            let old = tracker.configuration.uncertaintyBand
            tracker.setUncertaintyBand(band)
            publishModel()
            return .success("uncertainty band \(old) → \(band)")
        case let .model(next, path):
            guard next.input == inputSpec else {
                return .failure(StationControlError(.unprocessable, "model \(next.modelID) eats \(next.input.channels)x\(next.input.height)x\(next.input.width)"
                    + " with its own normalisation, the running one \(inputSpec.channels)x\(inputSpec.height)x\(inputSpec.width);"
                    + " a model with another input needs a restart"))
            }
            return .success(swapModel(to: (next, path)))
        case .rollback:
            guard let previousModel else { return .failure(StationControlError(.conflict, "\(name) has no previous model to roll back to")) }
            return .success(swapModel(to: previousModel))
        }
    }

    private func swapModel(to next: (inspector: Inspector, path: String)) -> String {
        let old = inspector.modelID
        previousModel = (inspector, modelPath)
        inspector = next.inspector
        modelPath = next.path
        threshold = thresholdOverride ?? inspector.rule.threshold
        publishModel()
        return "model \(old) → \(inspector.modelID)"
    }

    /// Tells the results, the metrics and the dashboard which model, threshold and band decide.
    private func publishModel() {
        tracker.results.modelChanged(ModelIdentity(id: inspector.modelID, sha256: inspector.modelSHA256,
                                                   classes: inspector.model.spec.classes, threshold: threshold))
        metrics?.modelInUse(inspector.modelID)
        live?.setModel(.init(id: inspector.modelID, path: modelPath, classes: inspector.model.spec.classes, previousID: previousModel?.inspector.modelID, threshold: threshold,
                             uncertaintyBand: tracker.configuration.uncertaintyBand))
    }
}
