import Foundation

/// The numbers of an ``Evaluation`` for `loupe eval --json` and for the model's training metadata.
///
/// Ratios that are undefined (denominator 0) are omitted from the JSON rather than written as 0.
public struct EvaluationSummary: Codable, Equatable, Sendable {
    public let samples: Int
    public let defects: Int
    public let goods: Int
    /// Reject when `defectScore > threshold`.
    public let threshold: Float
    public let accuracy: Double?
    public let precision: Double?
    public let recall: Double?
    public let f1: Double?
    public let specificity: Double?
    public let auc: Double?
    public let escapeRate: Double?
    public let overkill: Double?
    public let confusion: BinaryConfusion
    public let classes: [String]
    public let multiClassAccuracy: Double?
    /// `multiClassConfusion[true][predicted]`.
    public let multiClassConfusion: [[Int]]
    public let perGroup: [GroupSummary]
    public let calibration: [ThresholdCalibration]
    /// Why ``calibration`` is empty, when it is (e.g. no good parts in the data).
    public let calibrationError: String?

    /// One group's row of the per-group breakdown.
    public struct GroupSummary: Codable, Equatable, Sendable {
        public let group: String
        public let samples: Int
        public let accuracy: Double?
        public let precision: Double?
        public let recall: Double?
        public let f1: Double?
        public let auc: Double?
        public let escapeRate: Double?
        public let overkill: Double?
        public let confusion: BinaryConfusion
        public let multiClassAccuracy: Double?
    }

    /// Collects the summary; a calibration that cannot be done is reported in ``calibrationError``
    /// instead of failing the whole summary.
    public init(_ evaluation: Evaluation, calibrationTargets: [Double]) {
        let binary = evaluation.binary
        samples = evaluation.samples.count
        defects = evaluation.defects
        goods = evaluation.goods
        threshold = evaluation.threshold
        accuracy = binary.accuracy
        precision = binary.precision
        recall = binary.recall
        f1 = binary.f1
        specificity = binary.specificity
        auc = evaluation.auc
        escapeRate = binary.escapeRate
        overkill = binary.overkill
        confusion = binary.confusion
        classes = evaluation.classes
        multiClassAccuracy = evaluation.multiClass.accuracy
        multiClassConfusion = evaluation.multiClass.counts
        perGroup = evaluation.perGroup.map { group in
            GroupSummary(group: group.group, samples: group.count, accuracy: group.binary.accuracy,
                         precision: group.binary.precision, recall: group.binary.recall, f1: group.binary.f1,
                         auc: group.auc, escapeRate: group.binary.escapeRate, overkill: group.binary.overkill,
                         confusion: group.binary.confusion, multiClassAccuracy: group.multiClass.accuracy)
        }
        do {
            calibration = try evaluation.calibrate(targetEscapeRates: calibrationTargets)
            calibrationError = nil
        } catch {
            calibration = []
            calibrationError = "\(error)"
        }
    }

    /// Pretty-printed JSON with sorted keys (stable diffs between runs).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

extension Evaluation {
    /// The default QC targets: 1 %, 2 % and 5 % escapes.
    public static let defaultCalibrationTargets: [Double] = [0.01, 0.02, 0.05]

    /// ``EvaluationSummary`` of this evaluation.
    public func summary(calibrationTargets: [Double] = Evaluation.defaultCalibrationTargets) -> EvaluationSummary {
        EvaluationSummary(self, calibrationTargets: calibrationTargets)
    }
}
