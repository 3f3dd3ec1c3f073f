import Foundation
import LoupeModel
import LoupeTensor

/// What a run has done so far, written after every epoch.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double?
    /// Share of validation images whose most probable class is right.
    public var validationAccuracy: Double?
    /// Share of validation images judged right as good/defective under the model's verdict rule (``VerdictRule``).
    public var validationBinaryAccuracy: Double?
    public var learningRate: Float
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// A resumable training state on disk: a folder holding
/// - `state.json`: options, data hash, epochs done, optimiser step, best epoch, history;
/// - `current/`: the model after the last completed epoch (weights incl. BN running statistics);
/// - `best/`: the model of the best validation epoch so far;
/// - `optimizer.bin`: the optimiser's moments, `2·P` float32 (little-endian).
///
/// Written into `<dir>.tmp` and swapped in by renames, so a kill at any moment leaves either the
/// previous or the new checkpoint whole (a leftover `<dir>.old` is used if `<dir>` is missing).
struct Checkpoint: Codable {
    static let formatVersion = 1
    var version = formatVersion
    var options: TrainingOptions
    var dataSHA256: String
    var epochsDone: Int
    var adamSteps: Int
    var bestEpoch: Int
    var bestValidationLoss: Double?
    var epochsSinceBest: Int
    var history: [EpochRecord]

    static func write(_ state: Checkpoint, current: Model, best: Model?, moments: UnsafePointer<Float>, count: Int, to dir: String) throws {
        let fm = FileManager.default
        let tmp = dir + ".tmp", old = dir + ".old"
        do {
            try? fm.removeItem(atPath: tmp)
            try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
            try current.write(to: tmp + "/current")
            if let best { try best.write(to: tmp + "/best") }
            try Data(bytes: moments, count: count * MemoryLayout<Float>.size).write(to: URL(fileURLWithPath: tmp + "/optimizer.bin"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(state).write(to: URL(fileURLWithPath: tmp + "/state.json"))
            try? fm.removeItem(atPath: old)
            if fm.fileExists(atPath: dir) { try fm.moveItem(atPath: dir, toPath: old) }
            try fm.moveItem(atPath: tmp, toPath: dir)
            try? fm.removeItem(atPath: old)
        } catch {
            throw TrainingError.checkpointIO(path: dir, reason: "\(error)")
        }
    }

    /// The checkpoint at `dir` (or its `.old` twin after a kill mid-swap), with its models.
    static func read(from dir: String, parameterCount: Int) throws -> (state: Checkpoint, current: Model, best: Model?, moments: [Float]) {
        let fm = FileManager.default
        let path = fm.fileExists(atPath: dir + "/state.json") ? dir : dir + ".old"
        guard fm.fileExists(atPath: path + "/state.json") else {
            throw TrainingError.cannotResume(checkpoint: dir, reason: "no checkpoint there (state.json missing); start without --resume")
        }
        do {
            let state = try JSONDecoder().decode(Checkpoint.self, from: Data(contentsOf: URL(fileURLWithPath: path + "/state.json")))
            guard state.version == formatVersion else {
                throw TrainingError.cannotResume(checkpoint: path, reason: "checkpoint version \(state.version), this build reads \(formatVersion)")
            }
            let current = try Model.load(from: path + "/current")
            let best = fm.fileExists(atPath: path + "/best/model.json") ? try Model.load(from: path + "/best") : nil
            let data = try Data(contentsOf: URL(fileURLWithPath: path + "/optimizer.bin"))
            guard data.count == 2 * parameterCount * MemoryLayout<Float>.size, current.weights.count == parameterCount else {
                throw TrainingError.cannotResume(checkpoint: path, reason: "its model has \(current.weights.count) parameters and "
                    + "\(data.count / 4) optimiser values, this run needs \(parameterCount) and \(2 * parameterCount)")
            }
            let moments = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return (state, current, best, moments)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.cannotResume(checkpoint: path, reason: "\(error)")
        }
    }
}
