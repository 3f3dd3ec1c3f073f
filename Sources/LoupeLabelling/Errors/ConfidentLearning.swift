/// Finding wrong labels from out-of-sample probabilities, the confident-learning way
/// (Northcutt, Jiang & Chuang 2021, "Confident Learning: Estimating Uncertainty in Dataset
/// Labels"; what cleanlab's `find_label_issues` does with `filter_by="prune_by_noise_rate"`).
///
/// 1. Per class j a threshold t_j: the mean predicted probability of j over the images labelled j.
/// 2. The confident joint C[i][j]: images labelled i whose probability of j reaches t_j
///    (argmax over such j), counted.
/// 3. Calibrated to the class sizes: C̃[i][j] = C[i][j] / Σ_j C[i][j] · n_i. The estimated number
///    of errors in class i is Σ_{j≠i} C̃[i][j].
/// 4. For every off-diagonal (i, j), the round(C̃[i][j]) images labelled i with the largest
///    margin p_j − p_i are the suspected errors.
/// 5. Every image is ranked by self-confidence (1 − p_given, highest first), suspected errors
///    ahead of the rest.
///
/// Pure: probabilities in, ranking out. ``LabelErrorSearch`` makes the probabilities.
public struct ConfidentLearning: Sendable {
    /// Estimated label errors per given class (calibrated off-diagonal mass).
    public let estimatedErrors: [Double]
    /// The calibrated confident joint, `[given][true]`.
    public let joint: [[Double]]
    /// Per-class thresholds t_j.
    public let thresholds: [Double]
    /// Whether each image is a suspected error.
    public let suspected: [Bool]
    /// 1 − out-of-sample probability of the given label, per image.
    public let suspicion: [Double]
    /// Image indices, most likely wrong first.
    public let ranking: [Int]

    /// - Parameters:
    ///   - probabilities: per image, `k` out-of-sample class probabilities.
    ///   - labels: per image, the given class index in `0..<k`.
    public init(probabilities: [[Double]], labels: [Int], classes k: Int) {
        let n = labels.count
        precondition(probabilities.count == n && probabilities.allSatisfy { $0.count == k }, "ConfidentLearning: \(n) labels, probabilities not n x \(k)")
        var sums = [Double](repeating: 0, count: k), counts = [Int](repeating: 0, count: k)
        for i in 0..<n {
            sums[labels[i]] += probabilities[i][labels[i]]
            counts[labels[i]] += 1
        }
        let t = (0..<k).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : 1 }
        var raw = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for i in 0..<n {
            var best: Int? = nil
            for j in 0..<k where probabilities[i][j] >= t[j] - 1e-12 {
                if best == nil || probabilities[i][j] > probabilities[i][best!] { best = j }
            }
            if let b = best { raw[labels[i]][b] += 1 }
        }
        var joint = raw
        for i in 0..<k {
            let row = raw[i].reduce(0, +)
            for j in 0..<k { joint[i][j] = row > 0 ? raw[i][j] / row * Double(counts[i]) : 0 }
        }
        var suspected = [Bool](repeating: false, count: n)
        for i in 0..<k {
            let members = (0..<n).filter { labels[$0] == i }
            for j in 0..<k where j != i {
                let take = Int(joint[i][j].rounded())
                guard take > 0 else { continue }
                let byMargin = members.sorted { probabilities[$0][j] - probabilities[$0][i] > probabilities[$1][j] - probabilities[$1][i] }
                for m in byMargin.prefix(take) { suspected[m] = true }
            }
        }
        let suspicion = (0..<n).map { 1 - probabilities[$0][labels[$0]] }
        ranking = (0..<n).sorted { a, b in
            if suspected[a] != suspected[b] { return suspected[a] }
            if suspicion[a] != suspicion[b] { return suspicion[a] > suspicion[b] }
            return a < b
        }
        self.joint = joint
        thresholds = t
        estimatedErrors = (0..<k).map { i in (0..<k).filter { $0 != i }.reduce(0) { $0 + joint[i][$1] } }
        self.suspected = suspected
        self.suspicion = suspicion
    }
}
