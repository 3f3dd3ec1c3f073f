import Foundation

/// SIGINT/SIGTERM ask a long-running command (training, the station) to stop at its next safe
/// point: the training loop before its next step, the station after settling its parts in flight.
enum StopSignal {
    nonisolated(unsafe) static var flag: sig_atomic_t = 0
    static var requested: Bool { flag != 0 }
    static func install() {
        signal(SIGINT) { _ in StopSignal.flag = 1 }
        signal(SIGTERM) { _ in StopSignal.flag = 1 }
    }
}
