import LoupeImaging

/// Active learning: the N images most worth a person's look (`loupe label --uncertain N`).
///
/// - **Uncertainty**: ``LabelRecord/uncertainty`` (how close the defect score is to the threshold).
/// - **Diversity**: among the uncertain ones, images unlike those already picked, so a burst of
///   near-identical frames from one stretch of the line costs one look, not twenty. Images are
///   compared by a 16x16 gray thumbnail (mean 0, unit norm): a cheap picture of layout and defects.
/// - **Even share**: the N places are split equally across groups (cameras, lines, folders); a
///   group with fewer images hands its places on to the others.
///
/// Images a person has already labelled are not picked again.
public enum UncertainPick {
    /// The picks, in selection order (within each group, most uncertain and most different first).
    /// - Parameter features: the picture of each candidate (nil: compare by uncertainty only),
    ///   e.g. ``thumbnailFeatures(path:)``.
    public static func pick(_ records: [LabelRecord], count n: Int, diversity: Double = 1,
                            features: (LabelRecord) -> [Float]? = { _ in nil }) -> [LabelRecord] {
        let open = records.filter { $0.labelSource != .human }
        guard n > 0, !open.isEmpty else { return [] }
        var byGroup: [String: [LabelRecord]] = [:]
        for r in open { byGroup[r.group ?? "", default: []].append(r) }
        let groups = byGroup.keys.sorted()
        let quota = shares(n: n, sizes: groups.map { byGroup[$0]!.count })
        var picked: [LabelRecord] = []
        var pickedFeatures: [[Float]] = []
        for (g, name) in groups.enumerated() where quota[g] > 0 {
            let pool = Array(byGroup[name]!.sorted { ($0.uncertainty, $1.path) > ($1.uncertainty, $0.path) }.prefix(max(quota[g] * 4, quota[g])))
            let poolFeatures = pool.map(features)
            var taken = [Bool](repeating: false, count: pool.count)
            var nearest = [Float](repeating: .infinity, count: pool.count)
            for f in pickedFeatures { for i in pool.indices { nearest[i] = min(nearest[i], distance(poolFeatures[i], f)) } }
            for _ in 0..<quota[g] {
                let reachable = pool.indices.filter { !taken[$0] }.map { nearest[$0] }.filter(\.isFinite)
                let scale = reachable.max() ?? 0
                var best: Int? = nil, bestScore = -Double.infinity
                for i in pool.indices where !taken[i] {
                    let spread = scale > 0 && nearest[i].isFinite ? Double(nearest[i] / scale) : 1
                    let s = pool[i].uncertainty + diversity * spread
                    if s > bestScore { bestScore = s; best = i }
                }
                guard let b = best else { break }
                taken[b] = true
                picked.append(pool[b])
                if let f = poolFeatures[b] {
                    pickedFeatures.append(f)
                    for i in pool.indices { nearest[i] = min(nearest[i], distance(poolFeatures[i], f)) }
                }
            }
        }
        return picked
    }

    /// Places per group: equal shares of `n`, each capped at the group's size, the rest handed on.
    static func shares(n: Int, sizes: [Int]) -> [Int] {
        var quota = [Int](repeating: 0, count: sizes.count)
        var left = min(n, sizes.reduce(0, +))
        while left > 0 {
            let open = sizes.indices.filter { quota[$0] < sizes[$0] }
            guard !open.isEmpty else { break }
            let each = max(1, left / open.count)
            for g in open where left > 0 {
                let add = min(each, sizes[g] - quota[g], left)
                quota[g] += add
                left -= add
            }
        }
        return quota
    }

    static func distance(_ a: [Float]?, _ b: [Float]) -> Float {
        guard let a, a.count == b.count else { return .infinity }
        var s: Float = 0
        for i in a.indices { s += (a[i] - b[i]) * (a[i] - b[i]) }
        return s.squareRoot()
    }

    /// The picture used for diversity: the image as a 16x16 gray thumbnail, mean 0, unit norm;
    /// nil if it cannot be read.
    public static func thumbnailFeatures(path: String) -> [Float]? {
        guard let image = try? ImageDecoder.decode(contentsOf: path),
              let planes = try? image.networkInput(channels: 1, normalization: .unit(channels: 1), name: path),
              let small = try? ImageTransforms.resized(planes, width: 16, height: 16, name: path) else { return nil }
        var v = Array(UnsafeBufferPointer(start: small.pointer, count: 256))
        let mean = v.reduce(0, +) / 256
        for i in v.indices { v[i] -= mean }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for i in v.indices { v[i] /= norm } }
        return v
    }
}
