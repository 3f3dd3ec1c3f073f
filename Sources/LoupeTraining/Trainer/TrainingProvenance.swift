import Foundation
import LoupeDataset
import LoupeModel

/// Where a trained model came from, written into its `model.json` metadata (`training.*` keys)
/// and beside it as `history.json`, so any model on a station can be traced back to its data
/// (by content hash), options, seed and per-epoch curve. Every tool that trains (or retrains on
/// corrected labels) records its models this way.
public struct TrainingProvenance {
    /// Where the labelled data came from (file or folder, as given).
    public var dataSource: String
    public var training: ImageTensorCache
    public var validation: ImageTensorCache?
    public var options: TrainingOptions
    public var result: TrainingResult

    public init(dataSource: String, training: ImageTensorCache, validation: ImageTensorCache?, options: TrainingOptions,
                result: TrainingResult) {
        self.dataSource = dataSource
        self.training = training
        self.validation = validation
        self.options = options
        self.result = result
    }

    /// The epoch the shipped weights come from.
    public var bestRecord: EpochRecord? { result.history.first { $0.epoch == result.bestEpoch } }

    /// The `training.*` metadata entries.
    public func metadata(finished: Date = Date()) throws -> [String: String] {
        var meta: [String: String] = [:]
        meta["training.data"] = dataSource
        meta["training.data_sha256"] = training.sha256
        meta["training.validation_sha256"] = validation?.sha256
        meta["training.images"] = "\(training.count) train, \(validation?.count ?? 0) validation"
        meta["training.seed"] = "\(options.seed)"
        meta["training.epochs"] = "\(result.history.count)" + (result.stoppedEarly ? " (stopped early)" : "")
        meta["training.best_epoch"] = "\(result.bestEpoch)"
        meta["training.options"] = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        if let best = bestRecord {
            meta["training.train_loss"] = String(format: "%.4f", best.trainLoss)
            meta["training.validation_loss"] = best.validationLoss.map { String(format: "%.4f", $0) }
            meta["training.validation_accuracy"] = best.validationAccuracy.map { String(format: "%.4f", $0) }
            meta["training.validation_binary_accuracy"] = best.validationBinaryAccuracy.map { String(format: "%.4f", $0) }
        }
        meta["training.finished"] = ISO8601DateFormatter().string(from: finished)
        return meta
    }

    /// Writes the trained model with its provenance into `directory` (`model.json`, weights,
    /// `history.json`), and returns the model as written.
    /// - Parameter description: One line for `model.json`'s description.
    @discardableResult
    public func writeModel(to directory: String, description: String) throws -> Model {
        var model = result.model
        model.spec.metadata = (model.spec.metadata ?? [:]).merging(try metadata()) { _, new in new }
        model.spec.description = description
        try model.write(to: directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result.history).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("history.json")),
                                                 options: .atomic)
        return model
    }
}
