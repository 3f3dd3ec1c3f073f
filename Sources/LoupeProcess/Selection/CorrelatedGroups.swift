/// Groups of near-copy tags: tags stay together when every pair in the group is correlated at
/// least `threshold` in absolute value (complete linkage, merged strongest pair first). A group
/// of near-copies is one process quantity measured several times; selection and importance
/// treat it as one.
public enum CorrelatedGroups {
    /// - Parameters:
    ///   - correlation: a symmetric correlation matrix over all tags.
    ///   - among: the tags to group (others are left out).
    /// - Returns: groups as tag indices; every tag of `among` is in exactly one (singletons too),
    ///   groups in order of their first member.
    public static func completeLinkage(correlation r: Matrix, among tags: [Int], threshold: Double) -> [[Int]] {
        var groupOf = [Int: Int]()
        var groups: [[Int]?] = tags.map { [$0] }
        for (g, t) in tags.enumerated() { groupOf[t] = g }
        var pairs: [(Double, Int, Int)] = []
        for a in 0..<tags.count { for b in (a + 1)..<max(a + 1, tags.count) {
            let v = abs(r[tags[a], tags[b]])
            if v >= threshold { pairs.append((v, tags[a], tags[b])) }
        } }
        pairs.sort { $0.0 > $1.0 }
        for (_, i, j) in pairs {
            let gi = groupOf[i]!, gj = groupOf[j]!
            guard gi != gj, let a = groups[gi], let b = groups[gj] else { continue }
            var linked = true
            outer: for x in a { for y in b where abs(r[x, y]) < threshold { linked = false; break outer } }
            guard linked else { continue }
            groups[gi] = a + b
            groups[gj] = nil
            for y in b { groupOf[y] = gi }
        }
        return groups.compactMap { $0?.sorted() }.sorted { $0[0] < $1[0] }
    }
}
