/// One operating point of the ROC curve: every part scored ≥ ``lowestRejectedScore`` rejected.
public struct ROCPoint: Codable, Equatable, Sendable {
    /// Overkill at this point: FP / goods.
    public let falsePositiveRate: Double
    /// Defects caught: TP / defects (= 1 − escape rate).
    public let truePositiveRate: Double
    /// The lowest score rejected here; `nil` for the first point, where nothing is rejected.
    /// Any threshold in [next lower distinct score, this score) gives this point.
    public let lowestRejectedScore: Float?
}

/// The ROC curve over all distinct scores, and its area.
///
/// Ties: parts with equal scores are always rejected together, so each *distinct* score adds
/// exactly one point (a diagonal step when the tie mixes defects and goods). This is scikit-learn's
/// `roc_curve(..., drop_intermediate=False)`.
///
/// AUC is the Mann–Whitney statistic: the probability that a random defective part scores higher
/// than a random good part, ties counting ½. It equals the trapezoidal area under ``points``.
public struct ROCCurve: Codable, Equatable, Sendable {
    /// From (0, 0) (nothing rejected) to (1, 1) (everything rejected), one point per distinct score.
    /// Empty when there are no defects or no goods (the rates are undefined).
    public let points: [ROCPoint]
    /// `nil` when there are no defects or no goods.
    public let auc: Double?

    /// - Parameters:
    ///   - scores: Defect score per part (finite).
    ///   - isDefective: Ground truth per part, same count.
    public init(scores: [Float], isDefective: [Bool]) {
        precondition(scores.count == isDefective.count, "ROCCurve: \(scores.count) scores, \(isDefective.count) labels")
        let defects = isDefective.reduce(0) { $0 + ($1 ? 1 : 0) }
        let goods = scores.count - defects
        guard defects > 0, goods > 0 else {
            points = []
            auc = nil
            return
        }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points = [ROCPoint(falsePositiveRate: 0, truePositiveRate: 0, lowestRejectedScore: nil)]
        var caught = 0, overkilled = 0
        var start = 0
        while start < order.count {
            let score = scores[order[start]]
            var end = start
            while end < order.count && scores[order[end]] == score {
                if isDefective[order[end]] { caught += 1 } else { overkilled += 1 }
                end += 1
            }
            points.append(ROCPoint(falsePositiveRate: Double(overkilled) / Double(goods),
                                   truePositiveRate: Double(caught) / Double(defects), lowestRejectedScore: score))
            start = end
        }
        self.points = points
        auc = Self.mannWhitneyAUC(scores: scores, isDefective: isDefective)
    }

    /// P(defect score > good score) + ½ P(equal), from mid-ranks: (R_defects − n_d(n_d+1)/2) / (n_d n_g).
    /// `nil` when either class is absent.
    public static func mannWhitneyAUC(scores: [Float], isDefective: [Bool]) -> Double? {
        let defects = isDefective.reduce(0) { $0 + ($1 ? 1 : 0) }
        let goods = scores.count - defects
        guard defects > 0, goods > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumOfDefects = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            // Ranks start..<end (1-based: start+1 ... end) share their mean.
            let midRank = Double(start + 1 + end) / 2
            for position in start..<end where isDefective[order[position]] { rankSumOfDefects += midRank }
            start = end
        }
        let d = Double(defects)
        return (rankSumOfDefects - d * (d + 1) / 2) / (d * Double(goods))
    }

    /// Trapezoidal area under ``points`` (equals ``auc``; kept as an independent check).
    public var trapezoidArea: Double {
        zip(points, points.dropFirst()).reduce(0) { area, pair in
            area + (pair.1.falsePositiveRate - pair.0.falsePositiveRate) * (pair.0.truePositiveRate + pair.1.truePositiveRate) / 2
        }
    }
}
