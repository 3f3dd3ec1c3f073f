import LoupeModel
import LoupeTensor

extension LabeledDataset {
    /// Splits off a held-out part, stratified by class and group: in every (class, group)
    /// stratum, `round(n · fraction)` images chosen by a seeded shuffle go to `heldOut`.
    /// The same seed and data give the same split.
    /// - Throws: ``DatasetError/invalidSplit(reason:)`` unless 0 < fraction < 1 and both parts are non-empty.
    public func stratifiedSplit(heldOutFraction fraction: Double, seed: UInt64) throws -> (kept: LabeledDataset, heldOut: LabeledDataset) {
        guard fraction > 0 && fraction < 1 else { throw DatasetError.invalidSplit(reason: "the held-out fraction must be between 0 and 1, got \(fraction)") }
        var strata: [String: [Int]] = [:]
        for (i, s) in samples.enumerated() { strata["\(s.classIndex)\u{1}\(s.group ?? "")", default: []].append(i) }
        var rng = SplitMix64(seed: seed)
        var heldOut = Set<Int>()
        for key in strata.keys.sorted() {
            var members = strata[key]!
            for i in stride(from: members.count - 1, to: 0, by: -1) {
                members.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
            heldOut.formUnion(members.prefix(Int((Double(members.count) * fraction).rounded())))
        }
        let kept = samples.indices.filter { !heldOut.contains($0) }.map { samples[$0] }
        let held = samples.indices.filter { heldOut.contains($0) }.map { samples[$0] }
        guard !kept.isEmpty && !held.isEmpty else {
            throw DatasetError.invalidSplit(reason: "\(samples.count) images split \(kept.count)/\(held.count) at fraction \(fraction): one part is empty")
        }
        return (LabeledDataset(source: source, classes: classes, samples: kept), LabeledDataset(source: source, classes: classes, samples: held))
    }
}
