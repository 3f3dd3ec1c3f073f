/// Everything that can be wrong with what `loupe eval` is given to evaluate.
///
/// Thrown where input enters the module (``Evaluation/init(samples:classes:defectClasses:threshold:)``,
/// calibration targets). Each case names the operation and what was received and expected, so the
/// message alone tells a QC engineer what to fix.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    /// There is nothing to evaluate.
    case noSamples(operation: String)
    /// The class list or defect-class list does not make sense.
    case invalidClasses(operation: String, received: String, expected: String)
    /// One sample is inconsistent with the class list (wrong probability count, class out of range,
    /// score not a number in [0, 1]).
    case invalidSample(path: String, operation: String, received: String, expected: String)
    /// The threshold is not a finite number in [0, 1].
    case invalidThreshold(operation: String, received: Float)
    /// A calibration target escape rate is not a finite number in [0, 1].
    case invalidTarget(operation: String, received: Double)
    /// Calibration needs defective parts: the escape rate is undefined without them.
    case noDefects(operation: String, samples: Int)
    /// Calibration needs good parts: the overkill it minimises is undefined without them.
    case noGoods(operation: String, samples: Int)
    /// The target can only be met by rejecting parts scored exactly 0, which no threshold in [0, 1]
    /// does under the rule `reject when score > threshold`.
    case unreachableTarget(operation: String, target: Double, detail: String)

    public var description: String {
        switch self {
        case let .noSamples(operation):
            return "\(operation): no samples to evaluate; expected at least one labelled image."
        case let .invalidClasses(operation, received, expected):
            return "\(operation): received \(received); expected \(expected)."
        case let .invalidSample(path, operation, received, expected):
            return "\(operation): sample '\(path)' has \(received); expected \(expected)."
        case let .invalidThreshold(operation, received):
            return "\(operation): threshold \(received) is not usable; expected a finite number in [0, 1] (reject when score > threshold)."
        case let .invalidTarget(operation, received):
            return "\(operation): target escape rate \(received) is not usable; expected a fraction in [0, 1], e.g. 0.01 for 1 %."
        case let .noDefects(operation, samples):
            return "\(operation): none of the \(samples) samples is defective, so the escape rate is undefined; add labelled defective images."
        case let .noGoods(operation, samples):
            return "\(operation): none of the \(samples) samples is good, so the overkill is undefined; add labelled good images."
        case let .unreachableTarget(operation, target, detail):
            return "\(operation): target escape rate \(target) cannot be met: \(detail)."
        }
    }
}
