import Foundation
import LoupeTensor

/// The bounded hand-over between an inspection point's capture thread and its decision thread.
///
/// Capture converts each frame straight into one of a few preallocated network-input slots and
/// posts small events; when every slot is still waiting for inference, the frame is dropped at
/// once (capture never waits for a slower stage) and its part is posted as lost, so the
/// decision thread rejects it by the fail-safe. Slots, the event ring and the decision thread's
/// batch are allocated once: handing a part over allocates nothing.
final class PartQueue: @unchecked Sendable {
    enum Event {
        /// A part was seen (its frame captured); it must be settled by `deadline`.
        case entered(PartID, deadline: Double, at: Double)
        /// Its frame is converted and waits in `slot` for inference.
        case ready(UInt32, slot: Int, capturedAt: Double)
        /// Its frame is gone: dropped by the source, unreadable, or no slot was free.
        case lost(UInt32, FrameLoss, at: Double)
    }

    enum FrameLoss {
        case droppedBySource, unreadable, noFreeSlot, conversionFailed, noFrameAfterTrigger

        var detail: String {
            switch self {
            case .droppedBySource: return "frame dropped by the source"
            case .unreadable: return "frame could not be read"
            case .noFreeSlot: return "frame dropped: inference is behind (all input slots busy)"
            case .conversionFailed: return "frame could not be converted to the network input"
            case .noFrameAfterTrigger: return "no frame came in time after the PLC's trigger"
            }
        }
    }

    let inputCount: Int
    private let slots: [UnsafeMutablePointer<Float>]
    private var free: [Int]
    private var ring: [Event]
    private var head = 0
    private var count = 0
    private var closed = false
    private let condition = NSCondition()
    /// Events the ring could not take. The ring holds thousands of events, so this happens only
    /// when the decision thread has stalled for minutes; the runner reports it as an alarm.
    private(set) var overflows = 0

    init(slots slotCount: Int, inputCount: Int, eventCapacity: Int = 4096) {
        self.inputCount = inputCount
        slots = (0..<slotCount).map { _ in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: inputCount)
            p.initialize(repeating: 0, count: inputCount)
            return p
        }
        free = Array((0..<slotCount).reversed())
        free.reserveCapacity(slotCount)
        ring = [Event](repeating: .lost(0, .unreadable, at: 0), count: eventCapacity)
    }

    deinit { slots.forEach { $0.deallocate() } }

    func input(_ slot: Int) -> UnsafeMutablePointer<Float> { slots[slot] }

    /// A free input slot, or nil when all wait for inference (capture then drops the frame).
    func takeSlot() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        return free.popLast()
    }

    /// Slots holding a converted frame (waiting for inference or being inferred).
    var slotsInUse: Int {
        condition.lock()
        defer { condition.unlock() }
        return slots.count - free.count
    }

    /// Gives a slot back (after inference, or when its conversion failed).
    func releaseSlot(_ slot: Int) {
        condition.lock()
        free.append(slot)
        condition.unlock()
    }

    /// Posts an event for the decision thread; never waits.
    /// - Returns: false if the ring was full (the event is counted in ``overflows``).
    @discardableResult
    func post(_ event: Event) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard count < ring.count else {
            overflows += 1
            return false
        }
        ring[(head + count) % ring.count] = event
        count += 1
        condition.signal()
        return true
    }

    /// Accepts events again after ``close()`` (a runner started anew).
    func reopen() {
        condition.lock()
        closed = false
        condition.unlock()
    }

    /// No more events will be posted; the decision thread drains what is left and stops.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until events arrive or `wakeAt` (monotonic seconds) passes, then moves every
    /// waiting event into `batch` (emptied first; its capacity is kept).
    /// - Returns: false once the queue is closed and empty.
    func take(into batch: inout [Event], wakeAt: Double) -> Bool {
        batch.removeAll(keepingCapacity: true)
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed {
            let wait = wakeAt - MonotonicClock.seconds()
            if wait <= 0 { return true }
            _ = condition.wait(until: Date(timeIntervalSinceNow: wait))
        }
        while count > 0 {
            batch.append(ring[head])
            head = (head + 1) % ring.count
            count -= 1
        }
        return !(closed && batch.isEmpty)
    }
}
