/// Everything `loupe eval` reports, computed once from the labelled, scored samples.
///
/// Binary metrics use the production verdict `reject when defectScore > threshold` with
/// *defect = positive*; multi-class metrics use the argmax class. See docs/evaluation.md for what
/// each number means on the line.
public struct Evaluation: Sendable {
    static let operation = "evaluation"

    public let samples: [EvalSample]
    /// Class names, index = class.
    public let classes: [String]
    /// Indices of the classes that count as defective (for labels and the report).
    public let defectClasses: [Int]
    /// The threshold the binary metrics are computed at (usually the model's).
    public let threshold: Float
    /// Binary metrics over all samples at ``threshold``.
    public let binary: BinaryMetrics
    /// ROC over all samples (empty without both defects and goods).
    public let roc: ROCCurve
    /// Argmax confusion over all samples.
    public let multiClass: MultiClassConfusion
    /// The same numbers per ``EvalSample/group``, groups sorted by name; empty when no sample has a group.
    public let perGroup: [GroupEvaluation]

    /// Validates the samples and computes every metric.
    ///
    /// - Parameters:
    ///   - samples: At least one; each with one probability per class, a true class in range and a
    ///     finite score in [0, 1].
    ///   - classes: At least two names.
    ///   - defectClasses: Indices into `classes`.
    ///   - threshold: Finite, in [0, 1].
    /// - Throws: ``EvaluationError`` naming the first offending sample or argument.
    public init(samples: [EvalSample], classes: [String], defectClasses: [Int], threshold: Float) throws {
        guard !samples.isEmpty else { throw EvaluationError.noSamples(operation: Self.operation) }
        guard classes.count >= 2 else {
            throw EvaluationError.invalidClasses(operation: Self.operation, received: "classes \(classes)", expected: "at least two class names")
        }
        guard !defectClasses.isEmpty, defectClasses.allSatisfy({ classes.indices.contains($0) }) else {
            throw EvaluationError.invalidClasses(operation: Self.operation, received: "defect classes \(defectClasses)",
                                                 expected: "one or more indices in 0..<\(classes.count)")
        }
        guard threshold.isFinite, (0...1).contains(threshold) else {
            throw EvaluationError.invalidThreshold(operation: Self.operation, received: threshold)
        }
        for sample in samples {
            try Self.validate(sample, classCount: classes.count)
        }
        self.samples = samples
        self.classes = classes
        self.defectClasses = defectClasses
        self.threshold = threshold
        let scores = samples.map(\.defectScore), truth = samples.map(\.isDefective)
        binary = BinaryMetrics(scores: scores, isDefective: truth, threshold: threshold)
        roc = ROCCurve(scores: scores, isDefective: truth)
        multiClass = MultiClassConfusion(classes: classes, trueClasses: samples.map(\.trueClass),
                                         predictedClasses: samples.map(\.predictedClass))
        perGroup = GroupEvaluation.groups(of: samples, classes: classes, threshold: threshold)
    }

    /// ROC AUC (Mann–Whitney, ties ½); `nil` without both defects and goods.
    public var auc: Double? { roc.auc }
    public var defects: Int { binary.confusion.defects }
    public var goods: Int { binary.confusion.goods }

    /// The calibrated threshold per target escape rate (see ``ThresholdCalibrator`` for the rule).
    ///
    /// - Throws: ``EvaluationError`` for a target outside [0, 1], no defects, no goods, or an unreachable target.
    public func calibrate(targetEscapeRates: [Double]) throws -> [ThresholdCalibration] {
        try ThresholdCalibrator.calibrate(scores: samples.map(\.defectScore), isDefective: samples.map(\.isDefective),
                                          targets: targetEscapeRates)
    }

    /// Defective parts that passed, worst (lowest score) first; ties by path.
    public func falsePasses(limit: Int) -> [EvalSample] {
        Array(samples.filter { $0.isDefective && !$0.isRejected(threshold: threshold) }
            .sorted { ($0.defectScore, $0.path) < ($1.defectScore, $1.path) }.prefix(max(limit, 0)))
    }

    /// Good parts that were rejected, worst (highest score) first; ties by path.
    public func falseRejects(limit: Int) -> [EvalSample] {
        Array(samples.filter { !$0.isDefective && $0.isRejected(threshold: threshold) }
            .sorted { $0.defectScore != $1.defectScore ? $0.defectScore > $1.defectScore : $0.path < $1.path }
            .prefix(max(limit, 0)))
    }

    /// Display name of a sample's true class ("#7" if out of range, which validation prevents).
    public func className(_ index: Int) -> String {
        classes.indices.contains(index) ? classes[index] : "#\(index)"
    }

    private static func validate(_ sample: EvalSample, classCount: Int) throws {
        func invalid(_ received: String, _ expected: String) -> EvaluationError {
            .invalidSample(path: sample.path, operation: operation, received: received, expected: expected)
        }
        guard sample.probabilities.count == classCount else {
            throw invalid("\(sample.probabilities.count) probabilities", "one per class (\(classCount))")
        }
        guard (0..<classCount).contains(sample.trueClass) else {
            throw invalid("true class \(sample.trueClass)", "a class index in 0..<\(classCount)")
        }
        guard sample.probabilities.allSatisfy(\.isFinite) else {
            throw invalid("probabilities \(sample.probabilities)", "finite numbers (did inference produce NaN?)")
        }
        guard sample.defectScore.isFinite, (0...1).contains(sample.defectScore) else {
            throw invalid("defect score \(sample.defectScore)", "a finite number in [0, 1]")
        }
    }
}

/// The metrics of one group of samples (e.g. mono or poly cells).
public struct GroupEvaluation: Codable, Equatable, Sendable {
    /// The group's name; samples without a group are collected under ``ungrouped``.
    public let group: String
    public let count: Int
    public let binary: BinaryMetrics
    /// `nil` when the group lacks defects or goods.
    public let auc: Double?
    public let multiClass: MultiClassConfusion

    /// Name used for samples whose group is `nil` when other samples have one.
    public static let ungrouped = "(no group)"

    static func groups(of samples: [EvalSample], classes: [String], threshold: Float) -> [GroupEvaluation] {
        guard samples.contains(where: { $0.group != nil }) else { return [] }
        let byGroup = Dictionary(grouping: samples) { $0.group ?? ungrouped }
        return byGroup.keys.sorted().map { name in
            let members = byGroup[name]!
            let scores = members.map(\.defectScore), truth = members.map(\.isDefective)
            return GroupEvaluation(
                group: name, count: members.count,
                binary: BinaryMetrics(scores: scores, isDefective: truth, threshold: threshold),
                auc: ROCCurve.mannWhitneyAUC(scores: scores, isDefective: truth),
                multiClass: MultiClassConfusion(classes: classes, trueClasses: members.map(\.trueClass),
                                                predictedClasses: members.map(\.predictedClass)))
        }
    }
}
