#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoupeModel
import LoupeTensor

/// What the dashboard shows of one inspection point, kept up to date by its decision thread:
/// the last image the model saw (and the last one it or the fail-safe rejected), the last
/// results, counts per hour and per shift, the latency histogram, and the model in force.
/// Updating it allocates nothing per part (fixed buffers and rings); reading it takes a lock.
public final class PointLiveView: @unchecked Sendable {
    /// One settled part as the dashboard lists it.
    public struct Result: Sendable {
        public var part: UInt32
        public var disposition: PartResult.Disposition
        public var score: Float?
        public var classIndex: Int?
        /// Wall-clock seconds when it was settled.
        public var at: Double
        /// Entry → settlement, milliseconds.
        public var latencyMs: Double
        /// The archived image ("2026-12-01/….png"), if one was kept.
        public var imageRef: String?
    }

    /// Counts of one hour (UTC) or one shift.
    public struct Tally: Sendable, Equatable {
        public var stamp: Int
        public var parts = 0
        public var rejected = 0
    }

    public static let latencyBucketsMs: [Double] = [2, 5, 10, 20, 50, 100, 200, 500, 1000]
    public static let recentCapacity = 50

    public let name: String
    public let spec: InputSpec
    public let shifts: [StationConfiguration.Shift]
    private let lock = NSLock()
    private let inputCount: Int
    private let lastInput: UnsafeMutablePointer<Float>
    private let lastRejectInput: UnsafeMutablePointer<Float>
    private var lastImagePart: UInt32?
    private var lastRejectImagePart: UInt32?
    private var recent: [Result?]
    private var recentNext = 0
    private var lastResult: Result?
    private var lastRejectResult: Result?
    private var passed = 0
    private var rejects = [Int](repeating: 0, count: RejectReason.allCases.count)
    private var hours: [Tally]
    private var shiftTallies: [Tally]
    private var latencyCounts = [Int](repeating: 0, count: PointLiveView.latencyBucketsMs.count + 1)
    private var model = ModelInForce(id: "", path: "", classes: [], previousID: nil, threshold: 0, uncertaintyBand: 0)
    private var heatmapCache: (part: UInt32, png: [UInt8])?

    /// The model, threshold and band a point decides with.
    public struct ModelInForce: Sendable, Equatable {
        public var id: String
        public var path: String
        public var classes: [String]
        public var previousID: String?
        public var threshold: Float
        public var uncertaintyBand: Float
    }

    public init(name: String, spec: InputSpec, shifts: [StationConfiguration.Shift]) {
        self.name = name
        self.spec = spec
        self.shifts = shifts
        inputCount = spec.channels * spec.height * spec.width
        lastInput = .allocate(capacity: inputCount)
        lastInput.initialize(repeating: 0, count: inputCount)
        lastRejectInput = .allocate(capacity: inputCount)
        lastRejectInput.initialize(repeating: 0, count: inputCount)
        recent = Array(repeating: nil, count: Self.recentCapacity)
        hours = Array(repeating: Tally(stamp: -1), count: 24)
        shiftTallies = Array(repeating: Tally(stamp: -1), count: shifts.count)
    }

    deinit {
        lastInput.deallocate()
        lastRejectInput.deallocate()
    }

    // MARK: Decision thread

    /// Keeps a copy of the network input of `part` (and as the last reject's, when `rejecting`).
    func keepInput(_ input: UnsafePointer<Float>, part: UInt32, rejecting: Bool) {
        lock.lock()
        lastInput.update(from: input, count: inputCount)
        lastImagePart = part
        if rejecting {
            lastRejectInput.update(from: input, count: inputCount)
            lastRejectImagePart = part
        }
        lock.unlock()
    }

    /// Frame capture → decision of one decided part.
    func recordLatency(ms: Double) {
        let bucket = Self.latencyBucketsMs.firstIndex { ms <= $0 } ?? Self.latencyBucketsMs.count
        lock.lock()
        latencyCounts[bucket] += 1
        lock.unlock()
    }

    /// A part was settled (from the result link).
    func settled(_ result: PartResult, imageRef: String?, wallTime: Double = WallClock.seconds()) {
        let entry = Result(part: result.part.id, disposition: result.disposition, score: result.score, classIndex: result.classIndex,
                           at: wallTime, latencyMs: (result.settledAt - result.enteredAt) * 1000, imageRef: imageRef)
        let isReject: Bool
        if case .pass = result.disposition { isReject = false } else { isReject = true }
        let hour = Int(wallTime / 3600)
        let (day, shift) = Self.shift(at: wallTime, shifts: shifts)
        lock.lock()
        defer { lock.unlock() }
        recent[recentNext] = entry
        recentNext = (recentNext + 1) % recent.count
        lastResult = entry
        switch result.disposition {
        case .pass: passed += 1
        case let .reject(reason): rejects[reason.index] += 1
        }
        if isReject && lastRejectImagePart == result.part.id { lastRejectResult = entry }
        Self.count(&hours[hour % 24], stamp: hour, reject: isReject)
        if !shiftTallies.isEmpty { Self.count(&shiftTallies[shift], stamp: day, reject: isReject) }
    }

    /// The model in force changed (start, switch, rollback, threshold or band change).
    func setModel(_ model: ModelInForce) {
        lock.lock()
        self.model = model
        lock.unlock()
    }

    private static func count(_ tally: inout Tally, stamp: Int, reject: Bool) {
        if tally.stamp != stamp { tally = Tally(stamp: stamp) }
        tally.parts += 1
        if reject { tally.rejected += 1 }
    }

    /// The plant's day (days since 1970, local time, shifted so a night shift past midnight
    /// belongs to the day it started) and the shift at `time`.
    static func shift(at time: Double, shifts: [StationConfiguration.Shift]) -> (day: Int, index: Int) {
        var seconds = time_t(time), local = tm()
        localtime_r(&seconds, &local)
        let minute = Int(local.tm_hour) * 60 + Int(local.tm_min)
        let localDay = (Int(time) + Int(local.tm_gmtoff)) / 86_400
        guard let first = shifts.first else { return (localDay, 0) }
        if minute < first.startMinute { return (localDay - 1, shifts.count - 1) }
        return (localDay, (shifts.lastIndex { $0.startMinute <= minute }) ?? 0)
    }

    // MARK: Readers (HTTP)

    /// A consistent copy of what the dashboard shows.
    public struct Snapshot: Sendable {
        public var name: String
        public var model: ModelInForce
        public var passed: Int
        public var rejects: [Int]
        public var last: Result?
        public var lastReject: Result?
        public var hasImage: Bool
        public var hasRejectImage: Bool
        /// Newest first.
        public var recent: [Result]
        public var latencyCounts: [Int]
        /// The last 24 hours that saw parts, oldest first.
        public var hours: [Tally]
        /// Today's shifts (by the plant's day), in the order of the day.
        public var shifts: [(StationConfiguration.Shift, Tally)]
        public var parts: Int { passed + rejects.reduce(0, +) }
    }

    public func snapshot(now: Double = WallClock.seconds()) -> Snapshot {
        let today = Self.shift(at: now, shifts: shifts).day
        let currentHour = Int(now / 3600)
        lock.lock()
        defer { lock.unlock() }
        var newestFirst: [Result] = []
        for k in 1...recent.count { if let r = recent[(recentNext - k + recent.count) % recent.count] { newestFirst.append(r) } }
        return Snapshot(name: name, model: model, passed: passed, rejects: rejects, last: lastResult, lastReject: lastRejectResult,
                        hasImage: lastImagePart != nil, hasRejectImage: lastRejectImagePart != nil, recent: newestFirst,
                        latencyCounts: latencyCounts,
                        hours: hours.filter { $0.stamp > currentHour - 24 && $0.stamp >= 0 }.sorted { $0.stamp < $1.stamp },
                        shifts: zip(shifts, shiftTallies).map { ($0, $1.stamp == today ? $1 : Tally(stamp: today)) })
    }

    /// The model, threshold and band the point decides with now.
    public var modelInForce: ModelInForce {
        lock.lock()
        defer { lock.unlock() }
        return model
    }

    /// A copy of the last network input (`last-reject`: of the last rejected part's), and its part.
    public func copyInput(lastReject: Bool) -> (part: UInt32, input: [Float])? {
        lock.lock()
        defer { lock.unlock() }
        guard let part = lastReject ? lastRejectImagePart : lastImagePart else { return nil }
        return (part, Array(UnsafeBufferPointer(start: lastReject ? lastRejectInput : lastInput, count: inputCount)))
    }

    /// The heatmap PNG of `part`, if it is the one cached.
    func cachedHeatmap(part: UInt32) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        return heatmapCache?.part == part ? heatmapCache?.png : nil
    }

    func cacheHeatmap(_ png: [UInt8], part: UInt32) {
        lock.lock()
        heatmapCache = (part, png)
        lock.unlock()
    }
}
