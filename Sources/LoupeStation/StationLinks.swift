/// A part on the line: its id travels from trigger to frame to verdict to reject command and
/// MES record. `slot` is the PLC's tracking slot (the reject gate or robot program to use).
public struct PartID: Hashable, Sendable, CustomStringConvertible {
    public var id: UInt32
    public var slot: UInt16

    public init(_ id: UInt32, slot: UInt16 = 0) {
        self.id = id
        self.slot = slot
    }

    public var description: String { "part \(id) (slot \(slot))" }
}

/// Why a part is rejected. Every reason but `verdict` is a fail-safe reject: the station could
/// not show the part is good in time, so it is taken off the line.
public enum RejectReason: String, Sendable, CaseIterable, Codable {
    /// The model judged the part defective.
    case verdict
    /// The score fell inside the configured band around the threshold.
    case uncertain
    /// Inference failed for this part's frame.
    case inferenceFailed = "inference-failed"
    /// The part's frame was dropped, truncated or corrupt.
    case frameLost = "frame-lost"
    /// No verdict by the fail-safe time (missing, or still being computed).
    case noVerdictInTime = "no-verdict-in-time"
    /// The part could not be tracked: too many parts in flight, or its id was already in flight.
    case untracked
    /// The station was paused by an operator: no part is inspected, so every one is rejected.
    case paused

    /// Whether this reject was the fail-safe's rather than the model's.
    public var isFailSafe: Bool { self != .verdict }

    /// Position in `allCases`, without building that array (it is made anew on every access).
    public var index: Int {
        switch self {
        case .verdict: return 0
        case .uncertain: return 1
        case .inferenceFailed: return 2
        case .frameLost: return 3
        case .noVerdictInTime: return 4
        case .untracked: return 5
        case .paused: return 6
        }
    }
}

/// The command for the PLC: take this part off the line before `deadline` (monotonic seconds).
public struct RejectCommand: Equatable, Sendable {
    public var part: PartID
    public var reason: RejectReason
    public var deadline: Double
    /// When the station decided (monotonic seconds).
    public var decidedAt: Double

    public init(part: PartID, reason: RejectReason, deadline: Double, decidedAt: Double) {
        self.part = part
        self.reason = reason
        self.deadline = deadline
        self.decidedAt = decidedAt
    }
}

/// What happened to one part, reported exactly once.
public struct PartResult: Equatable, Sendable {
    public enum Disposition: Equatable, Sendable {
        case pass
        case reject(RejectReason)
    }

    public var part: PartID
    public var disposition: Disposition
    /// The model's defect score, when a verdict arrived in time (nil otherwise).
    public var score: Float?
    public var threshold: Float?
    /// The model's most probable class, when a verdict arrived in time.
    public var classIndex: Int?
    /// When the part entered, when it was settled, and its deadline (monotonic seconds).
    public var enteredAt: Double
    public var settledAt: Double
    public var deadline: Double
    /// What went wrong, for fail-safe rejects (inference error text, which frame was lost).
    public var detail: String?
}

/// Something an operator must see (counted as well).
public enum StationAlarm: Equatable, Sendable {
    /// A verdict arrived after the part had been settled by the fail-safe (its result stands).
    case lateVerdict(PartID, lateBy: Double)
    /// A verdict or failure for a part the station does not track (never entered, or settled twice).
    case unknownPart(UInt32)
    /// A part arrived while `capacity` parts were in flight; it was rejected without inspection.
    case overload(PartID, capacity: Int)
    /// A part entered with an id still in flight; the new one is rejected without inspection.
    case duplicatePart(PartID)
}

/// The PLC side: reject commands. The link owns retries, read-back and the stop-line signal;
/// the tracker sends each reject exactly once.
public protocol RejectLink {
    mutating func sendReject(_ command: RejectCommand)
}

/// The MES side: one result per part, and alarms.
public protocol ResultLink {
    mutating func publish(_ result: PartResult)
    mutating func raise(_ alarm: StationAlarm)
    /// The result of `part`, when it is published, carries this archived image's reference.
    mutating func attachImage(_ ref: String, to part: UInt32)
    /// Results from now on were decided by this model (a switch or a rollback).
    mutating func modelChanged(_ model: ModelIdentity)
}

extension ResultLink {
    public mutating func attachImage(_ ref: String, to part: UInt32) {}
    public mutating func modelChanged(_ model: ModelIdentity) {}
}

/// Which model decided a result, as results name it.
public struct ModelIdentity: Equatable, Sendable {
    public var id: String
    public var sha256: String
    public var classes: [String]
    /// The threshold in force.
    public var threshold: Float

    public init(id: String, sha256: String, classes: [String], threshold: Float) {
        self.id = id
        self.sha256 = sha256
        self.classes = classes
        self.threshold = threshold
    }
}
