import Foundation

/// One row of a labels file: what a model said about one image, and the label a person (or
/// the data set) gives it. `loupe label` writes the model part, `loupe label --find-errors` adds
/// the given label and its suspicion, `loupe review --import` adds a person's correction.
public struct LabelRecord: Sendable, Equatable {
    /// The image file (absolute, or as given on the command line).
    public var path: String
    /// SHA-256 (hex) of the file's bytes: the image's identity across renames and copies.
    public var sha256: String
    /// `pass` or `reject`, by the model's rule.
    public var verdict: String
    /// Defect score in [0, 1] (probability mass on the model's defect classes).
    public var score: Float
    /// The most probable class.
    public var className: String
    /// Per-class probabilities, in the model's class order.
    public var probabilities: [(name: String, value: Float)]
    /// The model that labelled: name and the first 12 hex digits of its weights' SHA-256.
    public var model: String
    /// The reject threshold in force.
    public var threshold: Float
    /// When the row was made (ISO 8601, UTC).
    public var time: String
    /// Group for even sampling and per-group counts: the image's folder under the input root
    /// (a camera, a line, a shift), or a data set's group column.
    public var group: String?
    /// Defect heatmap (PNG) written for this image, if any.
    public var heatmap: String?

    /// The label the image carries: from the data set (`given`) or from a reviewer (`human`).
    public var label: String?
    public var labelSource: LabelSource?
    /// Provenance of a human label.
    public var review: Review?
    /// How likely the label is wrong (``LabelErrorSearch``), in [0, 1]; 1 − out-of-sample
    /// probability of the given label.
    public var suspicion: Double?
    /// 1 = the image whose label is most likely wrong.
    public var errorRank: Int?
    /// Whether confident learning counts the label as an error.
    public var suspectedError: Bool?

    public enum LabelSource: String, Sendable, Codable { case given, human }

    /// Who changed or confirmed a label, when, and over which model's opinion.
    public struct Review: Sendable, Equatable, Codable {
        public var reviewer: String
        public var at: String
        /// `confirm`, `flip` or `set`.
        public var action: String
        /// The model whose label the review overrides (its id), and what it said.
        public var model: String
        public var modelClass: String?
        /// The label before the review (given, or an earlier review), if any.
        public var previousLabel: String?

        public init(reviewer: String, at: String, action: String, model: String, modelClass: String?, previousLabel: String?) {
            self.reviewer = reviewer
            self.at = at
            self.action = action
            self.model = model
            self.modelClass = modelClass
            self.previousLabel = previousLabel
        }
    }

    public init(path: String, sha256: String, verdict: String, score: Float, className: String,
                probabilities: [(name: String, value: Float)], model: String, threshold: Float, time: String,
                group: String? = nil, heatmap: String? = nil) {
        self.path = path
        self.sha256 = sha256
        self.verdict = verdict
        self.score = score
        self.className = className
        self.probabilities = probabilities
        self.model = model
        self.threshold = threshold
        self.time = time
        self.group = group
        self.heatmap = heatmap
    }

    public static func == (a: LabelRecord, b: LabelRecord) -> Bool {
        a.path == b.path && a.sha256 == b.sha256 && a.verdict == b.verdict && a.score == b.score && a.className == b.className
            && a.probabilities.map(\.name) == b.probabilities.map(\.name) && a.probabilities.map(\.value) == b.probabilities.map(\.value)
            && a.model == b.model && a.threshold == b.threshold && a.time == b.time && a.group == b.group && a.heatmap == b.heatmap
            && a.label == b.label && a.labelSource == b.labelSource && a.review == b.review && a.suspicion == b.suspicion
            && a.errorRank == b.errorRank && a.suspectedError == b.suspectedError
    }

    /// The label to train on: a person's, else the data set's, else the model's class.
    public var effectiveLabel: String { label ?? className }

    /// How unsure the verdict is, in [0, 1]: 1 at the reject threshold, 0 at a score of 0 or 1.
    public var uncertainty: Double {
        let s = Double(score), t = Double(threshold)
        let room = s > t ? 1 - t : t
        return room > 0 ? max(0, 1 - abs(s - t) / room) : 0
    }

    /// Probability of a class by name (nil if the model does not have it).
    public func probability(of name: String) -> Float? { probabilities.first { $0.name == name }?.value }

    /// The time format of ``time``: ISO 8601 in UTC, to the millisecond.
    public static func timestamp(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
