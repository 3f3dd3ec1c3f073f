import Foundation
import LoupeTensor

/// Finds the few tags that drive a target among hundreds: tags are grouped into near-copies
/// (|Spearman| ≥ threshold, single linkage), each group is represented by its member closest to
/// the target, and the groups are ranked five ways — correlation, mutual information, the order
/// they enter an L1 path, permutation importance and stability selection. Stability selection
/// decides: complementary half-samples (Shah & Samworth 2013), each fitted with an adaptive lasso
/// (ridge weights, λ from 5-fold cross-validation by the one-standard-error rule), and a group is
/// selected when its selection probability reaches the cut-off.
public enum KeyParameterSelection {
    public struct Settings: Sendable {
        public var groupThreshold = 0.8
        public var halfSamplePairs = 50
        public var cutoff = 0.6
        public var seed: UInt64 = 1
        public init() {}
    }

    /// One group of near-copy tags and how it ranks.
    public struct Group: Sendable {
        /// Members, the one most correlated with the target first.
        public var members: [String]
        public var representative: String
        /// Each member's own Spearman correlation with the target (same order as `members`).
        public var memberSpearman: [Double]
        /// The representative's.
        public var spearman: Double
        public var mutualInformation: Double
        /// Index along the L1 path where the group first enters (smaller = earlier; nil: never).
        public var lassoEntry: Int?
        public var permutationImportance: Double
        public var selectionProbability: Double
        public var selected: Bool
    }

    public struct Result: Sendable {
        /// Groups, best first: by selection probability, then permutation importance.
        public var groups: [Group]
        public var target: String
        public var rows: Int
        public var lambdaFraction: Double
        /// Tags left out because they do not vary.
        public var constantTags: [String]
        public var seconds: Double
        public var selected: [Group] { groups.filter(\.selected) }
        /// Tags in ranking order (members within a group by |Spearman| with the target).
        public var tagRanking: [String] { groups.flatMap(\.members) }
    }

    /// - Parameters:
    ///   - x: candidate tags (rows × tags), no missing values.
    public static func run(x: Matrix, y: [Double], names: [String], target: String, settings: Settings = .init()) throws -> Result {
        let started = Date()
        let n = x.rows, p = x.columns
        guard n >= 20 else { throw ProcessDataError.tooFewRows(operation: "selecting key parameters for \(target)", rows: n, needed: 20) }
        let yRanks = Ranks.standardised(Ranks.averageRanks(y))
        guard yRanks.contains(where: { $0 != 0 }) else { throw ProcessDataError.unusableColumn(name: target, reason: "it is constant: nothing drives it") }
        // Spearman between tags and with the target, from standardised ranks.
        let rankMatrix = Matrix(columnArrays: (0..<p).map { Ranks.standardised(Ranks.averageRanks(x.column($0))) })
        var spearman = LinearAlgebra.gram(rankMatrix)
        for k in spearman.values.indices { spearman.values[k] /= Double(n) }
        let withTarget = rankMatrix.transposed.times(yRanks).map { $0 / Double(n) }
        let constant = (0..<p).filter { spearman[$0, $0] < 0.5 }
        let usable = (0..<p).filter { spearman[$0, $0] >= 0.5 }
        let groups = singleLinkage(spearman, among: usable, threshold: settings.groupThreshold)
            .map { g in g.sorted { abs(withTarget[$0]) != abs(withTarget[$1]) ? abs(withTarget[$0]) > abs(withTarget[$1]) : $0 < $1 } }
        let reps = groups.map { $0[0] }
        let xs = Matrix(columnArrays: reps.map { Ranks.standardised(x.column($0)) })
        let ys = Ranks.standardised(y)
        let mi = reps.map { mutualInformation(x.column($0), y) }
        let entry = lassoEntryOrder(xs, ys)
        let fraction = try crossValidatedLambdaFraction(xs, ys, seed: settings.seed)
        let (probability, importance) = try stability(xs, ys, fraction: fraction, settings: settings)
        var out: [Group] = []
        for (g, members) in groups.enumerated() {
            out.append(Group(members: members.map { names[$0] }, representative: names[reps[g]], memberSpearman: members.map { withTarget[$0] },
                             spearman: withTarget[reps[g]],
                             mutualInformation: mi[g], lassoEntry: entry[g], permutationImportance: importance[g],
                             selectionProbability: probability[g], selected: probability[g] >= settings.cutoff))
        }
        out.sort { $0.selectionProbability != $1.selectionProbability ? $0.selectionProbability > $1.selectionProbability
                                                                        : $0.permutationImportance > $1.permutationImportance }
        return Result(groups: out, target: target, rows: n, lambdaFraction: fraction, constantTags: constant.map { names[$0] },
                      seconds: Date().timeIntervalSince(started))
    }

    /// Single linkage (union-find): tags join when |ρ| ≥ threshold; groups by smallest member.
    static func singleLinkage(_ r: Matrix, among tags: [Int], threshold: Double) -> [[Int]] {
        var parent = Dictionary(uniqueKeysWithValues: tags.map { ($0, $0) })
        func find(_ a: Int) -> Int { var a = a; while parent[a]! != a { parent[a] = parent[parent[a]!]!; a = parent[a]! }; return a }
        for (k, a) in tags.enumerated() { for b in tags[(k + 1)...] where abs(r[a, b]) >= threshold {
            let ra = find(a), rb = find(b)
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        } }
        var groups: [Int: [Int]] = [:]
        for t in tags { groups[find(t), default: []].append(t) }
        return groups.keys.sorted().map { groups[$0]! }
    }

    /// Plug-in mutual information (nats) on equal-frequency bins — 16, fewer for small samples
    /// (about √(n/5)) so the Miller–Madow bias correction stays small — never below zero.
    static func mutualInformation(_ a: [Double], _ b: [Double]) -> Double {
        let n = a.count
        let bins = max(2, min(16, Int((Double(n) / 5).squareRoot())))
        func binOf(_ v: [Double]) -> [Int] { Ranks.averageRanks(v).map { min(bins - 1, Int(Double(bins) * $0 / Double(n))) } }
        let ba = binOf(a), bb = binOf(b)
        var joint = [Double](repeating: 0, count: bins * bins), pa = [Double](repeating: 0, count: bins), pb = pa
        for i in 0..<n { joint[ba[i] * bins + bb[i]] += 1; pa[ba[i]] += 1; pb[bb[i]] += 1 }
        var mi = 0.0
        for i in 0..<bins { for j in 0..<bins where joint[i * bins + j] > 0 {
            let pij = joint[i * bins + j] / Double(n)
            mi += pij * log(pij / (pa[i] / Double(n) * pb[j] / Double(n)))
        } }
        return max(0, mi - Double((bins - 1) * (bins - 1)) / Double(2 * n))
    }

    /// Where each column first enters a plain lasso path of 100 λ from λmax to λmax/1000.
    static func lassoEntryOrder(_ x: Matrix, _ y: [Double]) -> [Int?] {
        var solver = LassoSolver(gram: LinearAlgebra.gram(x), correlation: x.transposed.times(y), rows: x.rows)
        let top = solver.lambdaMax
        var entry = [Int?](repeating: nil, count: x.columns)
        for s in 0..<100 {
            solver.solve(lambda: top * pow(1e-3, Double(s) / 99))
            for j in 0..<x.columns where entry[j] == nil && solver.weights[j] != 0 { entry[j] = s }
        }
        return entry
    }

    /// Standardises the columns of `x` on `rows` and returns (X, centred y, means, σ, y mean).
    static func standardise(_ x: Matrix, _ y: [Double], rows: [Int]) -> (Matrix, [Double], [Double], [Double], Double) {
        let sub = x.selectingRows(rows)
        var means = [Double](repeating: 0, count: x.columns), sds = means
        var out = sub
        for j in 0..<x.columns {
            let c = sub.column(j)
            let m = c.reduce(0, +) / Double(c.count)
            let sd = (c.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(c.count)).squareRoot()
            means[j] = m
            sds[j] = sd > 0 ? sd : 1
            for i in 0..<sub.rows { out[i, j] = (sub[i, j] - m) / sds[j] }
        }
        let ym = rows.reduce(0) { $0 + y[$1] } / Double(rows.count)
        return (out, rows.map { y[$0] - ym }, means, sds, ym)
    }

    /// Adaptive-lasso weights from a ridge fit, and the weighted Gram and correlation.
    static func adaptive(_ x: Matrix, _ y: [Double]) throws -> (weights: [Double], gram: Matrix, correlation: [Double]) {
        let h = Double(x.rows)
        var g = LinearAlgebra.gram(x)
        let c = x.transposed.times(y)
        var ridge = g
        for k in ridge.values.indices { ridge.values[k] /= h }
        for j in 0..<x.columns { ridge[j, j] += 0.01 }
        let beta = try LinearAlgebra.solveSPD(ridge, Matrix(rows: x.columns, columns: 1, values: c.map { $0 / h })).values
        let top = beta.reduce(0) { max($0, abs($1)) }
        let a = beta.map { top > 0 ? abs($0) / top : 0 }
        for i in 0..<x.columns { for j in 0..<x.columns { g[i, j] *= a[i] * a[j] } }
        return (a, g, zip(a, c).map { $0 * $1 })
    }

    /// The λ fraction (of λmax) by 5-fold cross-validation with the one-standard-error rule.
    static func crossValidatedLambdaFraction(_ x: Matrix, _ y: [Double], seed: UInt64) throws -> Double {
        let fractions = (0..<50).map { pow(10, -2 * Double($0) / 49) }
        var errors = [[Double]](repeating: [], count: fractions.count)
        for split in CrossValidation.kFold(rows: x.rows, k: 5, seed: seed &+ 999) {
            let (xt, yt, means, sds, ym) = standardise(x, y, rows: split.train)
            let (a, g, c) = try adaptive(xt, yt)
            var solver = LassoSolver(gram: g, correlation: c, rows: xt.rows)
            let top = solver.lambdaMax
            for (k, f) in fractions.enumerated() {
                solver.solve(lambda: f * top)
                let b = zip(a, solver.weights).map { $0 * $1 }
                var sse = 0.0
                for i in split.test {
                    var pred = ym
                    for j in 0..<x.columns where b[j] != 0 { pred += b[j] * (x[i, j] - means[j]) / sds[j] }
                    sse += (y[i] - pred) * (y[i] - pred)
                }
                errors[k].append(sse / Double(split.test.count))
            }
        }
        let means = errors.map { $0.reduce(0, +) / Double($0.count) }
        let best = means.indices.min { means[$0] < means[$1] }!
        let e = errors[best], m = means[best]
        let se = (e.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(e.count - 1)).squareRoot() / Double(e.count).squareRoot()
        return fractions[means.indices.first { means[$0] <= m + se }!]
    }

    /// Selection probability and mean permutation importance per column over complementary half-samples.
    static func stability(_ x: Matrix, _ y: [Double], fraction: Double, settings: Settings) throws -> ([Double], [Double]) {
        let p = x.columns, h = x.rows / 2
        var selected = [Double](repeating: 0, count: p), importance = selected
        var rng = SplitMix64(seed: settings.seed &+ 0x5E1EC7)
        for b in 0..<settings.halfSamplePairs {
            let order = CrossValidation.shuffled(x.rows, seed: settings.seed &+ UInt64(b) &* 7919)
            let halves = [Array(order[0..<h]), Array(order[h..<(2 * h)])]
            for (k, fit) in halves.enumerated() {
                let (xa, ya, means, sds, ym) = standardise(x, y, rows: fit)
                let (a, g, c) = try adaptive(xa, ya)
                var solver = LassoSolver(gram: g, correlation: c, rows: xa.rows)
                solver.solvePath(to: fraction * solver.lambdaMax, steps: 30)
                let beta = zip(a, solver.weights).map { $0 * $1 }
                for j in 0..<p where beta[j] != 0 { selected[j] += 1 }
                // Permutation importance on the other half.
                let other = halves[1 - k]
                var xb = Matrix(rows: other.count, columns: p)
                for (r, i) in other.enumerated() { for j in 0..<p { xb[r, j] = (x[i, j] - means[j]) / sds[j] } }
                let residual = other.enumerated().map { r, i in y[i] - ym - (0..<p).reduce(0) { $0 + beta[$1] * xb[r, $1] } }
                let base = residual.reduce(0) { $0 + $1 * $1 } / Double(other.count)
                var perm = Array(0..<other.count)
                perm.shuffle(using: &rng)
                for j in 0..<p where beta[j] != 0 {
                    var mse = 0.0
                    for r in 0..<other.count {
                        let e = residual[r] - beta[j] * (xb[perm[r], j] - xb[r, j])
                        mse += e * e
                    }
                    importance[j] += mse / Double(other.count) - base
                }
            }
        }
        let fits = Double(2 * settings.halfSamplePairs)
        return (selected.map { $0 / fits }, importance.map { $0 / fits })
    }
}
