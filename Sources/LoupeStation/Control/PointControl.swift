import Foundation
import LoupeInspection

/// The hand-over of an operator's or a reload's change to one inspection point's decision
/// thread, which applies it between two parts, never during one. A caller submits a change and
/// waits until it was applied (or refused), so an API answer tells the truth.
final class PointControl: @unchecked Sendable {
    enum Change {
        /// A new threshold (nil: back to the model's own).
        case threshold(Float?)
        case uncertaintyBand(Float)
        /// A model already loaded, checked and compiled, with the folder it came from.
        case model(Inspector, path: String)
        /// Back to the model in use before the last switch.
        case rollback
    }

    private let condition = NSCondition()
    private var pending: [(ticket: Int, change: Change)] = []
    private var outcomes: [Int: Result<String, StationControlError>] = [:]
    private var nextTicket = 0
    private var paused = false
    /// Whether a decision thread is taking changes (false before start and after stop).
    private var serving = false

    /// Whether every part is to be rejected as `paused` (read by the decision thread per part).
    var isPaused: Bool {
        condition.lock()
        defer { condition.unlock() }
        return paused
    }

    /// Sets the pause flag; returns the previous value.
    func setPaused(_ value: Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let was = paused
        paused = value
        return was
    }

    /// Hands `change` to the decision thread and waits for its outcome.
    /// - Returns: what was applied, in words ("model demo@… → demo@…").
    /// - Throws: ``StationControlError`` when the point refuses it or is not running.
    func submit(_ change: Change, timeout: Double = 5) throws -> String {
        condition.lock()
        defer { condition.unlock() }
        guard serving else { throw StationControlError(.conflict, "the inspection point is not running") }
        nextTicket += 1
        let ticket = nextTicket
        pending.append((ticket, change))
        let giveUp = Date(timeIntervalSinceNow: timeout)
        while outcomes[ticket] == nil {
            if !condition.wait(until: giveUp) {
                pending.removeAll { $0.ticket == ticket }
                throw StationControlError(.conflict, "the inspection point did not take the change within \(timeout) s")
            }
        }
        return try outcomes.removeValue(forKey: ticket)!.get()
    }

    /// Decision thread: applies every waiting change with `apply` (no allocation when none waits).
    func applyPending(_ apply: (Change) -> Result<String, StationControlError>) {
        condition.lock()
        guard !pending.isEmpty else { return condition.unlock() }
        let changes = pending
        pending.removeAll()
        condition.unlock()
        var results: [(Int, Result<String, StationControlError>)] = []
        for (ticket, change) in changes { results.append((ticket, apply(change))) }
        condition.lock()
        for (ticket, result) in results { outcomes[ticket] = result }
        condition.broadcast()
        condition.unlock()
    }

    /// Decision thread: whether changes are taken now; stopping refuses what still waits.
    func setServing(_ value: Bool) {
        condition.lock()
        serving = value
        if !value {
            for (ticket, _) in pending { outcomes[ticket] = .failure(StationControlError(.conflict, "the inspection point stopped")) }
            pending.removeAll()
            condition.broadcast()
        }
        condition.unlock()
    }
}

/// Why a change to the running station was refused, with the HTTP status the API answers.
public struct StationControlError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Int, Sendable {
        case badRequest = 400, unauthorized = 401, forbidden = 403, notFound = 404, conflict = 409, unprocessable = 422
    }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
