/// Column statistics the selection methods share: average ranks (ties share their mean rank),
/// standardisation, and the |Spearman| correlation matrix from standardised ranks.
enum Ranks {
    /// Average ranks, 0-based.
    static func averageRanks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var ranks = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            let r = Double(i + j) / 2
            for k in i...j { ranks[order[k]] = r }
            i = j + 1
        }
        return ranks
    }

    /// (x − mean) / population σ; a constant column becomes zeros.
    static func standardised(_ v: [Double]) -> [Double] {
        let n = Double(v.count)
        let mean = v.reduce(0, +) / n
        let sd = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        return sd > 0 ? v.map { ($0 - mean) / sd } : v.map { _ in 0 }
    }
}
