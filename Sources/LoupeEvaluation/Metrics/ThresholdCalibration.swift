/// The reject threshold chosen for one target escape rate, and what it costs in overkill.
public struct ThresholdCalibration: Codable, Equatable, Sendable {
    /// Highest acceptable fraction of defective parts passed, e.g. 0.01.
    public let targetEscapeRate: Double
    /// Reject when `defectScore > threshold`; in [0, 1], ready for `ModelSpec.threshold`.
    public let threshold: Float
    /// Escape rate reached on this data at ``threshold`` (≤ target).
    public let escapeRate: Double
    /// Fraction of good parts rejected at ``threshold`` — the price of the target.
    public let overkill: Double
    /// Defective parts passed at ``threshold``.
    public let escapes: Int
    /// Good parts rejected at ``threshold``.
    public let overkills: Int
    public let defects: Int
    public let goods: Int
}

/// Chooses reject thresholds the way a QC engineer asks for them: "at most this many escapes,
/// and otherwise reject as few good parts as possible".
///
/// Rule (production verdict `reject when score > threshold`):
/// 1. At most ⌊target × defects⌋ escapes are allowed (a 1e-9 slack absorbs rounding such as
///    0.29 × 100 = 28.999999999999996, which must allow 29). Target 0 means no escape at all.
/// 2. Lowering the threshold only ever adds rejections, so the least overkill is reached by the
///    *highest* threshold that meets the escape limit. Parts with equal scores are rejected together.
/// 3. Among thresholds with that same overkill, the one with the fewest escapes: defect-only score
///    levels just below it are rejected too, since they cost no good part.
/// 4. The threshold is the midpoint between the lowest rejected score and the highest passed score
///    (0 if every part is rejected), leaving margin on both sides for unseen parts. When the two
///    scores are adjacent Floats the midpoint cannot be represented, and the threshold is exactly the
///    highest passed score (still passed, as `score > threshold` is false). If nothing needs
///    rejecting the threshold is 1 (nothing is ever rejected).
public enum ThresholdCalibrator {
    static let operation = "reject-threshold calibration"

    /// The calibrated threshold for `targetEscapeRate`.
    ///
    /// - Parameters:
    ///   - scores: Defect score per part, finite.
    ///   - isDefective: Ground truth per part, same count.
    ///   - targetEscapeRate: In [0, 1].
    /// - Throws: ``EvaluationError/invalidTarget(operation:received:)``,
    ///   ``EvaluationError/noDefects(operation:samples:)``, ``EvaluationError/noGoods(operation:samples:)``,
    ///   or ``EvaluationError/unreachableTarget(operation:target:detail:)`` when defects scored 0 would
    ///   have to be rejected.
    public static func calibrate(scores: [Float], isDefective: [Bool], targetEscapeRate: Double) throws -> ThresholdCalibration {
        precondition(scores.count == isDefective.count, "ThresholdCalibrator: \(scores.count) scores, \(isDefective.count) labels")
        guard targetEscapeRate.isFinite, (0...1).contains(targetEscapeRate) else {
            throw EvaluationError.invalidTarget(operation: operation, received: targetEscapeRate)
        }
        let levels = ScoreLevel.descending(scores: scores, isDefective: isDefective)
        let defects = levels.reduce(0) { $0 + $1.defects }
        let goods = levels.reduce(0) { $0 + $1.goods }
        guard defects > 0 else { throw EvaluationError.noDefects(operation: operation, samples: scores.count) }
        guard goods > 0 else { throw EvaluationError.noGoods(operation: operation, samples: scores.count) }

        let allowed = allowedEscapes(target: targetEscapeRate, defects: defects)
        var escapes = defects, overkills = 0, rejectedLevels = 0
        while escapes > allowed {  // terminates: rejecting every level leaves 0 escapes
            escapes -= levels[rejectedLevels].defects
            overkills += levels[rejectedLevels].goods
            rejectedLevels += 1
        }
        if rejectedLevels > 0 && levels[rejectedLevels - 1].score <= 0 {
            let zeroDefects = levels[rejectedLevels - 1].defects
            throw EvaluationError.unreachableTarget(
                operation: operation, target: targetEscapeRate,
                detail: "\(zeroDefects) defective part(s) scored 0 and only \(allowed) escape(s) of \(defects) are allowed; no threshold ≥ 0 rejects a score of 0")
        }
        // Free rejections: defect-only levels cost no overkill (never the level at score 0).
        while rejectedLevels < levels.count && levels[rejectedLevels].goods == 0 && levels[rejectedLevels].score > 0 {
            escapes -= levels[rejectedLevels].defects
            rejectedLevels += 1
        }
        let threshold: Float
        if rejectedLevels == 0 {
            threshold = 1
        } else {
            let highestPassed = rejectedLevels < levels.count ? levels[rejectedLevels].score : 0
            threshold = midpointThreshold(lowestRejected: levels[rejectedLevels - 1].score, highestPassed: highestPassed)
        }
        return ThresholdCalibration(targetEscapeRate: targetEscapeRate, threshold: threshold,
                                    escapeRate: Double(escapes) / Double(defects), overkill: Double(overkills) / Double(goods),
                                    escapes: escapes, overkills: overkills, defects: defects, goods: goods)
    }

    /// One calibration per target, in the order given (a table for the report).
    public static func calibrate(scores: [Float], isDefective: [Bool], targets: [Double]) throws -> [ThresholdCalibration] {
        try targets.map { try calibrate(scores: scores, isDefective: isDefective, targetEscapeRate: $0) }
    }

    /// ⌊target × defects + 1e-9⌋.
    public static func allowedEscapes(target: Double, defects: Int) -> Int {
        Int((target * Double(defects) + 1e-9).rounded(.down))
    }

    /// A threshold with `highestPassed ≤ threshold < lowestRejected`: their midpoint, or
    /// `highestPassed` itself when the midpoint rounds up to `lowestRejected` (adjacent Floats).
    public static func midpointThreshold(lowestRejected: Float, highestPassed: Float) -> Float {
        precondition(highestPassed < lowestRejected, "midpointThreshold: \(highestPassed) is not below \(lowestRejected)")
        let midpoint = Float((Double(lowestRejected) + Double(highestPassed)) / 2)
        return midpoint < lowestRejected ? midpoint : highestPassed
    }
}

/// All parts sharing one score: they are always rejected or passed together.
struct ScoreLevel {
    let score: Float
    var defects: Int
    var goods: Int

    /// Distinct scores from highest to lowest, with the truth counted at each.
    static func descending(scores: [Float], isDefective: [Bool]) -> [ScoreLevel] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var levels: [ScoreLevel] = []
        for index in order {
            if levels.last?.score != scores[index] { levels.append(ScoreLevel(score: scores[index], defects: 0, goods: 0)) }
            if isDefective[index] { levels[levels.count - 1].defects += 1 } else { levels[levels.count - 1].goods += 1 }
        }
        return levels
    }
}
