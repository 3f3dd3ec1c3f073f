/// The K x K confusion matrix of the argmax prediction: `counts[true][predicted]`.
///
/// For ELPV's four defect-probability levels (0, 1/3, 2/3, 1) this shows whether mistakes are
/// between neighbouring levels (expected: the labels themselves are uncertain there) or far apart.
public struct MultiClassConfusion: Codable, Equatable, Sendable {
    public let classes: [String]
    /// `counts[t][p]`: parts of true class `t` predicted as class `p`.
    public let counts: [[Int]]

    /// - Parameters:
    ///   - classes: Class names; K = `classes.count`.
    ///   - trueClasses: True class index per part, each in `0..<K`.
    ///   - predictedClasses: Predicted class index per part, each in `0..<K`.
    public init(classes: [String], trueClasses: [Int], predictedClasses: [Int]) {
        precondition(trueClasses.count == predictedClasses.count, "MultiClassConfusion: label and prediction counts differ")
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        for (truth, prediction) in zip(trueClasses, predictedClasses) {
            precondition(classes.indices.contains(truth) && classes.indices.contains(prediction),
                         "MultiClassConfusion: class \(truth) or \(prediction) outside 0..<\(classes.count)")
            counts[truth][prediction] += 1
        }
        self.classes = classes
        self.counts = counts
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Trace / total; `nil` without samples.
    public var accuracy: Double? {
        let total = self.total
        guard total > 0 else { return nil }
        return Double(counts.indices.reduce(0) { $0 + counts[$1][$1] }) / Double(total)
    }

    /// Parts of true class `index` predicted as that class, over parts of that class; `nil` if none.
    public func recall(ofClass index: Int) -> Double? {
        let row = counts[index].reduce(0, +)
        return row == 0 ? nil : Double(counts[index][index]) / Double(row)
    }
}
