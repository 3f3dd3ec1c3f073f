#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoupeMES
import LoupeTensor

/// PLC-triggered parts: the PLC announces each part in a block of holding registers,
/// `[sequence, partHigh, partLow, slot, encoderHigh, encoderLow]` at `register`, bumping
/// `sequence` for every part. This poller reads the block every `interval` seconds over its own
/// Modbus TCP connection and reports each new sequence number once, with the time it was seen.
/// A PLC that does not answer is reported (once per outage) and polled again.
public final class PLCTriggerPoller: @unchecked Sendable {
    /// One announced part.
    public struct Trigger: Sendable, Equatable {
        public var part: PartID
        public var encoder: UInt32
        /// Monotonic seconds when the poll saw it.
        public var seenAt: Double
    }

    public let register: UInt16
    public let interval: Double
    private let client: ModbusClient
    private let timeoutMs: Int
    private let lock = NSLock()
    private var running = false
    private var finished: DispatchSemaphore?

    public init(host: String, port: Int, unit: UInt8, register: UInt16, interval: Double = 0.002, timeoutMs: Int = 50) {
        client = ModbusClient(host: host, port: port, unit: unit)
        self.register = register
        self.interval = interval
        self.timeoutMs = timeoutMs
    }

    /// Starts polling on a new thread; `onTrigger` runs on it for every new part.
    public func start(onTrigger: @escaping (Trigger) -> Void, onError: @escaping (String) -> Void) {
        lock.lock()
        running = true
        let done = DispatchSemaphore(value: 0)
        finished = done
        lock.unlock()
        let thread = Thread { [self] in
            var last: UInt16?
            var down = false
            while isRunning {
                do {
                    let block = try client.readRegisters(register, count: 6, timeoutMs: timeoutMs)
                    down = false
                    let now = MonotonicClock.seconds()
                    if let previous = last, block[0] != previous {
                        onTrigger(Trigger(part: PartID(UInt32(block[1]) << 16 | UInt32(block[2]), slot: block[3]),
                                          encoder: UInt32(block[4]) << 16 | UInt32(block[5]), seenAt: now))
                    }
                    last = block[0]
                } catch {
                    if !down { onError("PLC trigger block at register \(register): \(error)") }
                    down = true
                }
                usleep(UInt32(interval * 1e6))
            }
            client.close()
            done.signal()
        }
        thread.name = "loupe-plc-trigger"
        thread.start()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    public func stop() {
        lock.lock()
        running = false
        let done = finished
        finished = nil
        lock.unlock()
        done?.wait()
    }
}
