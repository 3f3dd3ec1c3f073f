/// The tracker's bookkeeping, kept out of the generic ``PartTracker`` so it is compiled for its
/// concrete types once (generic code called from another module would box every element it
/// iterates): the parts in flight, in entry order, and a ring of ids recently settled by the
/// fail-safe. Both are allocated once, at capacity.
struct InFlightParts {
    struct Tracked {
        var part: PartID
        var enteredAt: Double
        var deadline: Double
        var failSafeAt: Double
    }

    private struct Settled {
        var id: UInt32
        var failSafeAt: Double
    }

    let capacity: Int
    private var parts: [Tracked] = []
    private var recentlySettled: [Settled]
    private var recentNext = 0

    init(capacity: Int) {
        self.capacity = capacity
        parts.reserveCapacity(capacity)
        recentlySettled = [Settled](repeating: Settled(id: 0, failSafeAt: -.infinity), count: capacity)
    }

    var count: Int { parts.count }
    var isFull: Bool { parts.count >= capacity }

    mutating func append(_ tracked: Tracked) { parts.append(tracked) }

    func index(of id: UInt32) -> Int? {
        var i = 0
        while i < parts.count {
            if parts[i].part.id == id { return i }
            i += 1
        }
        return nil
    }

    mutating func remove(at index: Int) -> Tracked { parts.remove(at: index) }

    /// The part whose fail-safe time is earliest and not after `now` (ties: entry order).
    func dueIndex(now: Double) -> Int? {
        var best: Int?
        var i = 0
        while i < parts.count {
            if parts[i].failSafeAt <= now, best == nil || parts[i].failSafeAt < parts[best!].failSafeAt { best = i }
            i += 1
        }
        return best
    }

    var nextFailSafeTime: Double? {
        var next: Double?
        var i = 0
        while i < parts.count {
            if next == nil || parts[i].failSafeAt < next! { next = parts[i].failSafeAt }
            i += 1
        }
        return next
    }

    /// Remembers that `tracked` was settled by the fail-safe.
    mutating func recordFailSafe(_ tracked: Tracked) {
        recentlySettled[recentNext] = Settled(id: tracked.part.id, failSafeAt: tracked.failSafeAt)
        recentNext = (recentNext + 1) % recentlySettled.count
    }

    /// The fail-safe time of a recently fail-safed part `id`, if it is still remembered.
    func failSafeTime(ofSettled id: UInt32) -> Double? {
        var i = 0
        while i < recentlySettled.count {
            if recentlySettled[i].id == id && recentlySettled[i].failSafeAt.isFinite { return recentlySettled[i].failSafeAt }
            i += 1
        }
        return nil
    }
}
