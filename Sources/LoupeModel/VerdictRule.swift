/// The production verdict of a Loupe classifier, in one place: the *defect score* is the
/// probability mass on the model's defect classes, and a part is rejected when that score is
/// above the threshold. The station, `loupe predict`, `loupe eval` and training validation
/// all judge with this rule.
public struct VerdictRule: Equatable, Sendable {
    /// Indices of the classes that count as defects.
    public var defectClasses: [Int]
    /// Reject when the defect score is above this (in [0, 1]).
    public var threshold: Float

    public init(defectClasses: [Int], threshold: Float) {
        self.defectClasses = defectClasses
        self.threshold = threshold
    }

    /// Σ probabilities of the defect classes, clamped to [0, 1] against rounding. Indices outside
    /// `probabilities` are ignored (a validated model has none).
    /// - Parameter probabilities: One image's class probabilities (the softmax output).
    @inlinable
    public func defectScore(_ probabilities: UnsafeBufferPointer<Float>) -> Float {
        var score: Float = 0
        for index in defectClasses where index >= 0 && index < probabilities.count { score += probabilities[index] }
        return min(max(score, 0), 1)
    }

    /// ``defectScore(_:)`` of an array of probabilities.
    public func defectScore(_ probabilities: [Float]) -> Float {
        probabilities.withUnsafeBufferPointer { defectScore($0) }
    }

    /// The verdict: `true` (reject) when `score > threshold`.
    @inlinable
    public func rejects(score: Float) -> Bool { Self.rejects(score: score, threshold: threshold) }

    /// The rule itself, for callers that sweep thresholds (metrics, calibration).
    @inlinable
    public static func rejects(score: Float, threshold: Float) -> Bool { score > threshold }

    /// Whether class `index` is a defect class (ground truth of a labelled image).
    public func isDefect(classIndex index: Int) -> Bool { defectClasses.contains(index) }
}

extension ModelSpec {
    /// The model's verdict rule: its defect classes and threshold.
    public var verdictRule: VerdictRule { VerdictRule(defectClasses: effectiveDefectClasses, threshold: threshold) }
}
