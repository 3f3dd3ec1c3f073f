import LoupeModel

/// One labelled image after inference: what the model said and what is true.
///
/// The binary verdict uses ``defectScore`` (the sum of the defect-class probabilities) and the
/// production rule `reject when defectScore > threshold`; the multi-class metrics use
/// ``predictedClass`` (the argmax of ``probabilities``).
public struct EvalSample: Equatable, Sendable {
    /// Image path as given in the labels (shown in the report; also used to load thumbnails).
    public var path: String
    /// Optional stratum for the per-group breakdown, e.g. "mono" / "poly" cell type.
    public var group: String?
    /// Index of the true class in the evaluation's class list.
    public var trueClass: Int
    /// The model's class probabilities, one per class (softmax output).
    public var probabilities: [Float]
    /// Sum of the defect-class probabilities, in [0, 1].
    public var defectScore: Float
    /// Ground truth for the binary metrics: is this part defective?
    public var isDefective: Bool

    /// A sample whose score and ground truth follow from the defect classes:
    /// `defectScore` = Σ probabilities of `defectClasses` (clamped to [0, 1] against rounding),
    /// `isDefective` = `defectClasses.contains(trueClass)`.
    ///
    /// Out-of-range defect-class indices are ignored here and reported by ``Evaluation``'s init.
    public init(path: String, group: String? = nil, trueClass: Int, probabilities: [Float], defectClasses: [Int]) {
        let rule = VerdictRule(defectClasses: defectClasses, threshold: 0.5)
        self.init(path: path, group: group, trueClass: trueClass, probabilities: probabilities,
                  defectScore: rule.defectScore(probabilities), isDefective: rule.isDefect(classIndex: trueClass))
    }

    /// A sample with an explicit score and ground truth (e.g. a binary label that is not a class).
    public init(path: String, group: String? = nil, trueClass: Int, probabilities: [Float], defectScore: Float, isDefective: Bool) {
        self.path = path
        self.group = group
        self.trueClass = trueClass
        self.probabilities = probabilities
        self.defectScore = defectScore
        self.isDefective = isDefective
    }

    /// The argmax of ``probabilities`` (the first on ties); -1 if there are none.
    public var predictedClass: Int {
        var best = -1
        var bestValue = -Float.infinity
        for (index, value) in probabilities.enumerated() where best < 0 || value > bestValue {
            best = index
            bestValue = value
        }
        return best
    }

    /// The production verdict: `true` (reject) when `defectScore > threshold`.
    public func isRejected(threshold: Float) -> Bool { VerdictRule.rejects(score: defectScore, threshold: threshold) }
}
