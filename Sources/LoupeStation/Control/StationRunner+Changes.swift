import Foundation
import LoupeInspection
import LoupeMES
import LoupeModel
import LoupeTensor

/// Changes to the running station: pause and resume, a point's threshold, band and model, and
/// a reload of the configuration file. Each is validated first, applied between two parts, and
/// written to the audit trail (the outbox's `change` table: who, when, old, new, outcome) —
/// refusals too. A model that does not load or does not run raises an alarm and changes nothing.
extension StationRunner: StationControlPanel {
    public var apiToken: Secret? { configuration.api.token }

    public func perform(_ change: StationChange, who: String) throws -> String {
        changeLock.lock()
        defer { changeLock.unlock() }
        let before = describeCurrent(change)
        do {
            let message = try apply(change, who: who)
            audit(change, who: who, old: before, new: describeCurrent(change), outcome: "applied")
            return message
        } catch let error as StationControlError {
            audit(change, who: who, old: before, new: describeRequested(change), outcome: "refused: \(error.message)")
            throw error
        }
    }

    private func apply(_ change: StationChange, who: String) throws -> String {
        switch change {
        case .pause:
            let was = points.map { $0.control.setPaused(true) }
            return was.allSatisfy { $0 } ? "already paused" : "paused: every part is rejected until resumed"
        case .resume:
            let was = points.map { $0.control.setPaused(false) }
            return was.contains(true) ? "resumed" : "was not paused"
        case let .threshold(name, value):
            return try point(name).control.submit(.threshold(value))
        case let .uncertaintyBand(name, band):
            guard (0...0.5).contains(band) else { throw StationControlError(.badRequest, "uncertainty band \(band) is outside 0...0.5") }
            return try point(name).control.submit(.uncertaintyBand(band))
        case let .model(name, path):
            let point = try point(name)
            return try point.control.submit(.model(try loadInspector(path, for: name), path: path))
        case let .rollback(name):
            return try point(name).control.submit(.rollback)
        case .reload:
            return try reload()
        }
    }

    func point(_ name: String) throws -> Point {
        guard let point = points.first(where: { $0.name == name }) else {
            throw StationControlError(.notFound, "no inspection point '\(name)' (there are: \(points.map(\.name).joined(separator: ", ")))")
        }
        return point
    }

    /// Loads, compiles and test-runs the model in `path` for point `name`.
    /// - Throws: ``StationControlError`` (unprocessable, alarm raised) naming the model and what is wrong.
    func loadInspector(_ path: String, for name: String) throws -> Inspector {
        try checkedInspector(try loadModel(path, for: name), path: path, for: name)
    }

    /// Loads (and checksums) the model in `path` for point `name`.
    /// - Throws: ``StationControlError`` (unprocessable, alarm raised) naming the model and what is wrong.
    private func loadModel(_ path: String, for name: String) throws -> Model {
        do {
            return try Model.load(from: path)
        } catch {
            raise("\(name): model '\(path)' cannot be used (\(error)); the running model stays")
            throw StationControlError(.unprocessable, "model '\(path)' cannot be used: \(error)")
        }
    }

    /// Compiles `model` and runs it once on a blank input: the score must be a number.
    /// - Throws: ``StationControlError`` (unprocessable, alarm raised) naming the model and what is wrong.
    private func checkedInspector(_ model: Model, path: String, for name: String) throws -> Inspector {
        do {
            let inspector = try Inspector(model: model, threads: inferenceThreads)
            let zeros = [Float](repeating: 0, count: inspector.inputCount)
            let score = zeros.withUnsafeBufferPointer { inspector.decide(input: $0.baseAddress!).defectScore }
            guard score.isFinite else { throw StationControlError(.unprocessable, "model '\(path)' gives a defect score of \(score) on a blank image") }
            return inspector
        } catch let error as StationControlError {
            raise("\(name): \(error.message); the running model stays")
            throw error
        } catch {
            raise("\(name): model '\(path)' cannot be used (\(error)); the running model stays")
            throw StationControlError(.unprocessable, "model '\(path)' cannot be used: \(error)")
        }
    }

    /// Re-reads the configuration file and applies, per point, a new or changed model (also the
    /// same folder with new weights), threshold and uncertainty band. Other changes are listed as
    /// needing a restart. A point whose model fails keeps its model (alarm); the others still change.
    private func reload() throws -> String {
        guard let file = configurationFile else { throw StationControlError(.conflict, "the station was started without a configuration file") }
        let next: StationConfiguration
        do {
            next = try StationConfiguration.load(contentsOf: file)
        } catch {
            raise("reload: \(error); nothing changed")
            throw StationControlError(.unprocessable, "\(error)")
        }
        var done: [String] = [], failed: [String] = [], restart: [String] = []
        for var wanted in next.inspectionPoints {
            guard let index = configuration.inspectionPoints.firstIndex(where: { $0.name == wanted.name }) else {
                restart.append("new inspection point '\(wanted.name)'")
                continue
            }
            let current = configuration.inspectionPoints[index], runner = points[index]
            do {
                // Loaded once: its checksum says whether the folder holds new weights.
                let model = try loadModel(wanted.model, for: wanted.name)
                if wanted.model != current.model || runner.live?.modelInForce.id != Inspector.modelID(of: model) {
                    let inspector = try checkedInspector(model, path: wanted.model, for: wanted.name)
                    done.append(wanted.name + ": " + (try runner.control.submit(.model(inspector, path: wanted.model))))
                }
            } catch let error as StationControlError {
                failed.append("\(wanted.name): \(error.message)")
                wanted.model = current.model
            }
            if wanted.threshold != current.threshold { done.append(wanted.name + ": " + (try runner.control.submit(.threshold(wanted.threshold)))) }
            if wanted.uncertaintyBand != current.uncertaintyBand {
                done.append(wanted.name + ": " + (try runner.control.submit(.uncertaintyBand(wanted.uncertaintyBand))))
            }
            var applied = current
            (applied.model, applied.threshold, applied.uncertaintyBand) = (wanted.model, wanted.threshold, wanted.uncertaintyBand)
            if applied != wanted { restart.append("inspection point '\(wanted.name)' (source, region, trigger, line or slot)") }
            configuration.inspectionPoints[index] = applied
        }
        for removed in configuration.inspectionPoints where !next.inspectionPoints.contains(where: { $0.name == removed.name }) {
            restart.append("removed inspection point '\(removed.name)'")
        }
        let stationKeys: [(String, Bool)] = [("station.name", next.name != configuration.name), ("station.outbox", next.outbox != configuration.outbox),
                                             ("station.shifts", next.shifts != configuration.shifts), ("mes", next.mes != configuration.mes),
                                             ("plc", next.plc != configuration.plc), ("api", next.api != configuration.api),
                                             ("archive", next.archive != configuration.archive)]
        restart += stationKeys.filter(\.1).map(\.0)
        var lines = [done.isEmpty ? "nothing to change" : done.joined(separator: "; ")]
        if !restart.isEmpty { lines.append("take effect at the next start: " + restart.joined(separator: ", ")) }
        if !failed.isEmpty {
            lines.append("refused: " + failed.joined(separator: "; "))
            throw StationControlError(.unprocessable, lines.joined(separator: ". "))
        }
        return lines.joined(separator: ". ")
    }

    // MARK: Audit trail

    private func describeCurrent(_ change: StationChange) -> String {
        guard let name = change.point else {
            if change == .reload { return configurationFile ?? "-" }
            return points.contains { $0.control.isPaused } ? "paused" : "running"
        }
        guard let model = (try? point(name))?.live?.modelInForce else { return "-" }
        switch change {
        case .threshold: return "\(model.threshold)"
        case .uncertaintyBand: return "\(model.uncertaintyBand)"
        default: return "\(model.id) (\(model.path))"
        }
    }

    private func describeRequested(_ change: StationChange) -> String {
        switch change {
        case .pause: "paused"
        case .resume: "running"
        case .reload: configurationFile ?? "-"
        case let .threshold(_, value): value.map { "\($0)" } ?? "the model's own"
        case let .uncertaintyBand(_, band): "\(band)"
        case let .model(_, path): path
        case .rollback: "the previous model"
        }
    }

    private func audit(_ change: StationChange, who: String, old: String, new: String, outcome: String) {
        do {
            try outbox.recordChange(Outbox.Change(who: who, action: change.action, point: change.point, old: old, new: new, outcome: outcome))
        } catch {
            raise("audit trail: \(change.action) by \(who) could not be recorded: \(error)")
        }
        log("change: \(change.action)\(change.point.map { " \($0)" } ?? "") by \(who): \(old) → \(new): \(outcome)")
    }
}

/// The last alarms, newest last, for the dashboard.
final class RecentAlarms: @unchecked Sendable {
    private let lock = NSLock()
    private var alarms: [(at: Double, message: String)] = []

    func add(_ message: String) {
        lock.lock()
        alarms.append((WallClock.seconds(), message))
        if alarms.count > 100 { alarms.removeFirst(alarms.count - 100) }
        lock.unlock()
    }

    var all: [(at: Double, message: String)] {
        lock.lock()
        defer { lock.unlock() }
        return alarms
    }
}
