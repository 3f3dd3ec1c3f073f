import Foundation

/// A count several threads add to (commit callbacks, the PLC link's outcomes, alarms) and the
/// runner reads for its summary.
public final class SharedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    public init() {}

    public var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    func add() {
        lock.lock()
        count += 1
        lock.unlock()
    }
}
