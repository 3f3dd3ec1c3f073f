import LoupeModel
/// Counts of the binary verdict at one threshold, with *defect = positive*:
/// a true positive is a defective part rejected, a false negative a defective part passed (an escape),
/// a false positive a good part rejected (overkill).
public struct BinaryConfusion: Codable, Equatable, Sendable {
    public var truePositives: Int
    public var falsePositives: Int
    public var trueNegatives: Int
    public var falseNegatives: Int

    public init(truePositives: Int, falsePositives: Int, trueNegatives: Int, falseNegatives: Int) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// Counts the production verdict `reject when score > threshold` against the truth.
    ///
    /// - Parameters:
    ///   - scores: Defect score per part.
    ///   - isDefective: Ground truth per part, same count as `scores`.
    public init(scores: [Float], isDefective: [Bool], threshold: Float) {
        precondition(scores.count == isDefective.count, "BinaryConfusion: \(scores.count) scores, \(isDefective.count) labels")
        var counts = BinaryConfusion(truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0)
        for (score, defective) in zip(scores, isDefective) {
            switch (defective, VerdictRule.rejects(score: score, threshold: threshold)) {
            case (true, true): counts.truePositives += 1
            case (true, false): counts.falseNegatives += 1
            case (false, true): counts.falsePositives += 1
            case (false, false): counts.trueNegatives += 1
            }
        }
        self = counts
    }

    public var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
    /// Truly defective parts.
    public var defects: Int { truePositives + falseNegatives }
    /// Truly good parts.
    public var goods: Int { trueNegatives + falsePositives }
}

/// The usual binary scores at one threshold, and the two QC words for the errors.
///
/// Every ratio is `nil` when its denominator is 0 (e.g. recall of a group without defects):
/// "undefined", never a made-up 0 or 1. F1 is `2TP / (2TP + FP + FN)`, which equals the harmonic
/// mean of precision and recall where both exist and is 0 when there are defects but none was caught
/// (scikit-learn's value with `zero_division=0`).
public struct BinaryMetrics: Codable, Equatable, Sendable {
    /// Reject when `defectScore > threshold`.
    public let threshold: Float
    public let confusion: BinaryConfusion
    /// (TP + TN) / all parts.
    public let accuracy: Double?
    /// TP / (TP + FP): of the rejected parts, the fraction truly defective.
    public let precision: Double?
    /// TP / (TP + FN): of the defective parts, the fraction caught (= 1 − escape rate).
    public let recall: Double?
    /// 2TP / (2TP + FP + FN).
    public let f1: Double?
    /// TN / (TN + FP): of the good parts, the fraction passed (= 1 − overkill).
    public let specificity: Double?
    /// FN / defects: defective parts passed as good — the customer sees these.
    public let escapeRate: Double?
    /// FP / goods: good parts rejected — scrap or re-inspection cost.
    public let overkill: Double?

    public init(confusion c: BinaryConfusion, threshold: Float) {
        func ratio(_ numerator: Int, _ denominator: Int) -> Double? {
            denominator == 0 ? nil : Double(numerator) / Double(denominator)
        }
        self.threshold = threshold
        confusion = c
        accuracy = ratio(c.truePositives + c.trueNegatives, c.total)
        precision = ratio(c.truePositives, c.truePositives + c.falsePositives)
        recall = ratio(c.truePositives, c.defects)
        f1 = ratio(2 * c.truePositives, 2 * c.truePositives + c.falsePositives + c.falseNegatives)
        specificity = ratio(c.trueNegatives, c.goods)
        escapeRate = ratio(c.falseNegatives, c.defects)
        overkill = ratio(c.falsePositives, c.goods)
    }

    /// Metrics of the verdict `reject when score > threshold`.
    public init(scores: [Float], isDefective: [Bool], threshold: Float) {
        self.init(confusion: BinaryConfusion(scores: scores, isDefective: isDefective, threshold: threshold), threshold: threshold)
    }
}
