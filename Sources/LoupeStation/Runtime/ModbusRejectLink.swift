import LoupeMES

/// The PLC side of the station: each reject command goes to the ``RejectController``, which
/// writes the reject block over Modbus TCP, reads it back, retries until the deadline, and
/// raises `stop-line` when a reject cannot be confirmed in time.
public struct ModbusRejectLink: RejectLink {
    public let controller: RejectController

    public init(controller: RejectController) { self.controller = controller }

    public mutating func sendReject(_ command: RejectCommand) {
        let reason: RejectController.Reason
        switch command.reason {
        case .verdict: reason = .verdict
        case .uncertain: reason = .uncertain
        default: reason = .missing
        }
        controller.reject(command.part.id, slot: command.part.slot, reason: reason, deadlineMono: command.deadline)
    }
}

/// No PLC configured: reject commands are only counted (the results still say "reject").
public struct CountingRejectLink: RejectLink {
    public private(set) var sent = 0
    public init() {}
    public mutating func sendReject(_ command: RejectCommand) { sent += 1 }
}
