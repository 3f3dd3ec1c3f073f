import Foundation

/// SIGINT/SIGTERM ask a long-running command (training, the station) to stop at its next safe
/// point: the training loop before its next step, the station after settling its parts in flight.
/// SIGHUP asks the station to reload its configuration.
enum StopSignal {
    nonisolated(unsafe) static var flag: sig_atomic_t = 0
    nonisolated(unsafe) static var reloadFlag: sig_atomic_t = 0
    static var requested: Bool { flag != 0 }

    /// Whether SIGHUP came since the last call (and forgets it).
    static func takeReloadRequest() -> Bool {
        guard reloadFlag != 0 else { return false }
        reloadFlag = 0
        return true
    }

    static func install(reload: Bool = false) {
        signal(SIGINT) { _ in StopSignal.flag = 1 }
        signal(SIGTERM) { _ in StopSignal.flag = 1 }
        if reload { signal(SIGHUP) { _ in StopSignal.reloadFlag = 1 } }
    }
}
