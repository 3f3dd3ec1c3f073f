import LoupeModel

/// Part tracking and the fail-safe: a pure state machine fed events and the current time.
///
/// Every part that enters is settled exactly once, as pass or reject, and its result is
/// published exactly once. A reject command goes to the PLC link for every part that is not
/// shown good in time:
/// - the model's verdict says defective (`score > threshold`, the ``VerdictRule``);
/// - the score lies inside the uncertainty band around the threshold;
/// - inference failed, or the part's frame was lost;
/// - no verdict arrived by the fail-safe time, `deadline - rejectLeadTime`;
/// - the part could not be tracked (tracker full, or its id already in flight).
///
/// Time: every call carries "now" (monotonic seconds) and is handled after the fail-safes due by
/// then have fired, so a verdict exactly at a part's fail-safe time is late. Time never runs
/// backwards: an earlier "now" is taken as the latest seen. The tracker reads no clock and does
/// no I/O: the links are protocols, so tests drive thousands of parts with a fake clock.
///
/// Memory: the in-flight table and the recently-settled ring (``InFlightParts``) are allocated
/// once, at `capacity`; handling a part allocates nothing (the links may).
public struct PartTracker<Rejects: RejectLink, Results: ResultLink> {
    public struct Configuration: Equatable, Sendable {
        /// Seconds before its deadline at which an undecided part is rejected.
        public var rejectLeadTime: Double
        /// Scores within this distance of the threshold (inclusive) are uncertain; 0 disables it.
        public var uncertaintyBand: Float
        /// Parts in flight at once; a part beyond that is rejected untracked.
        public var capacity: Int

        public init(rejectLeadTime: Double, uncertaintyBand: Float = 0, capacity: Int = 256) {
            precondition(rejectLeadTime >= 0 && uncertaintyBand >= 0 && capacity > 0,
                         "PartTracker.Configuration: lead time and band must be >= 0, capacity > 0")
            self.rejectLeadTime = rejectLeadTime
            self.uncertaintyBand = uncertaintyBand
            self.capacity = capacity
        }
    }

    /// Counts since the tracker was made.
    public struct Counters: Equatable, Sendable {
        public var entered = 0
        public var passed = 0
        /// Rejects by reason (index: ``RejectReason/index``).
        public var rejected = [Int](repeating: 0, count: RejectReason.allCases.count)
        public var lateVerdicts = 0
        public var unknownParts = 0

        public func rejected(_ reason: RejectReason) -> Int { rejected[reason.index] }
        public var totalRejected: Int { rejected.reduce(0, +) }
        public var failSafeRejects: Int { totalRejected - rejected(.verdict) }
        /// Settled parts: every entered part, once settled, is either passed or rejected.
        public var settled: Int { passed + totalRejected }
    }

    private typealias Tracked = InFlightParts.Tracked

    public private(set) var configuration: Configuration
    public var rejects: Rejects
    public var results: Results
    public private(set) var counters = Counters()
    /// The latest time seen.
    public private(set) var now: Double
    private var inFlight: InFlightParts

    public init(configuration: Configuration, rejects: Rejects, results: Results, now: Double = 0) {
        self.configuration = configuration
        self.rejects = rejects
        self.results = results
        self.now = now
        inFlight = InFlightParts(capacity: configuration.capacity)
    }

    /// From now on, scores within `band` of the threshold are uncertain (a reload or an operator
    /// changed it); parts already decided keep their disposition.
    public mutating func setUncertaintyBand(_ band: Float) { configuration.uncertaintyBand = band }

    /// Whether part `id` is in flight (entered, not yet settled).
    public func isInFlight(_ id: UInt32) -> Bool { inFlight.index(of: id) != nil }

    /// Parts entered and not yet settled.
    public var inFlightCount: Int { inFlight.count }

    /// When the next fail-safe is due (nil with nothing in flight): the latest time a driver
    /// should call ``advance(to:)`` by.
    public var nextFailSafeTime: Double? { inFlight.nextFailSafeTime }

    // MARK: Events

    /// A part was detected (trigger) or its frame taken (free-running); it must be settled
    /// before `deadline - rejectLeadTime`.
    public mutating func partEntered(_ part: PartID, deadline: Double, at time: Double) {
        advance(to: time)
        counters.entered += 1
        let tracked = Tracked(part: part, enteredAt: now, deadline: deadline, failSafeAt: deadline - configuration.rejectLeadTime)
        if inFlight.index(of: part.id) != nil {
            results.raise(.duplicatePart(part))
            settle(tracked, .reject(.untracked), detail: "id already in flight")
            return
        }
        guard !inFlight.isFull else {
            results.raise(.overload(part, capacity: configuration.capacity))
            settle(tracked, .reject(.untracked), detail: "\(configuration.capacity) parts already in flight")
            return
        }
        inFlight.append(tracked)
        advance(to: now) // already past its fail-safe time: reject now
    }

    /// The model's verdict for part `id`: reject when `score > threshold` (``VerdictRule``) or
    /// the score is uncertain or not a number; pass otherwise.
    public mutating func verdict(for id: UInt32, score: Float, threshold: Float, classIndex: Int, at time: Double) {
        advance(to: time)
        guard let index = inFlight.index(of: id) else { return reportUntracked(id) }
        let tracked = inFlight.remove(at: index)
        let disposition = self.disposition(score: score, threshold: threshold)
        settle(tracked, disposition, score: score, threshold: threshold, classIndex: classIndex,
               detail: score.isFinite ? nil : "score is \(score)")
    }

    /// What a score means: reject as `inference-failed` when it is not a number, as `uncertain`
    /// within the band around the threshold, as `verdict` above it (``VerdictRule``); else pass.
    public func disposition(score: Float, threshold: Float) -> PartResult.Disposition {
        if !score.isFinite { return .reject(.inferenceFailed) }
        if configuration.uncertaintyBand > 0 && abs(score - threshold) <= configuration.uncertaintyBand { return .reject(.uncertain) }
        return VerdictRule.rejects(score: score, threshold: threshold) ? .reject(.verdict) : .pass
    }

    /// Part `id` cannot get a verdict: its frame was lost, inference failed, or the station is
    /// paused (`reason`).
    public mutating func failed(_ id: UInt32, _ reason: RejectReason, detail: String, at time: Double) {
        precondition(reason == .frameLost || reason == .inferenceFailed || reason == .paused, "PartTracker.failed: \(reason) is not a failure")
        advance(to: time)
        guard let index = inFlight.index(of: id) else { return reportUntracked(id) }
        settle(inFlight.remove(at: index), .reject(reason), detail: detail)
    }

    /// Moves time to `time` and rejects every part whose fail-safe time has come, earliest
    /// first (ties in entry order).
    public mutating func advance(to time: Double) {
        if time > now { now = time }
        while let index = inFlight.dueIndex(now: now) {
            let tracked = inFlight.remove(at: index)
            inFlight.recordFailSafe(tracked)
            settle(tracked, .reject(.noVerdictInTime), detail: nil)
        }
    }

    // MARK: Settling

    private mutating func reportUntracked(_ id: UInt32) {
        if let failSafeAt = inFlight.failSafeTime(ofSettled: id) {
            counters.lateVerdicts += 1
            results.raise(.lateVerdict(PartID(id), lateBy: now - failSafeAt))
        } else {
            counters.unknownParts += 1
            results.raise(.unknownPart(id))
        }
    }

    private mutating func settle(_ tracked: Tracked, _ disposition: PartResult.Disposition, score: Float? = nil,
                                 threshold: Float? = nil, classIndex: Int? = nil, detail: String?) {
        switch disposition {
        case .pass:
            counters.passed += 1
        case let .reject(reason):
            counters.rejected[reason.index] += 1
            // The reject path first: it never waits on the MES.
            rejects.sendReject(RejectCommand(part: tracked.part, reason: reason, deadline: tracked.deadline, decidedAt: now))
        }
        results.publish(PartResult(part: tracked.part, disposition: disposition, score: score, threshold: threshold,
                                   classIndex: classIndex, enteredAt: tracked.enteredAt, settledAt: now,
                                   deadline: tracked.deadline, detail: detail))
    }
}
