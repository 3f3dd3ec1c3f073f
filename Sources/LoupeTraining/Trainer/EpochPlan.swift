import LoupeModel
import LoupeTensor

/// Which images an epoch visits and in what order: a pure function of (run seed, epoch), so a
/// resumed run repeats an interrupted epoch exactly.
enum EpochPlan {
    /// `steps · batch` sample indices for `epoch` (1-based).
    /// - shuffle: a seeded permutation of all samples, cut to whole batches;
    /// - balanced: draws with replacement, class first (uniform over classes with images), then an image of it.
    static func order(epoch: Int, seed: UInt64, labels: [Int], classes: Int, sampling: TrainingOptions.Sampling, steps: Int, batch: Int) -> [Int] {
        var rng = SplitMix64(seed: mix(seed, UInt64(epoch), 0x5EED))
        let need = steps * batch
        switch sampling {
        case .shuffle:
            var order = Array(labels.indices)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            return Array(order.prefix(need))
        case .balanced:
            var byClass = [[Int]](repeating: [], count: classes)
            for (i, c) in labels.enumerated() { byClass[c].append(i) }
            let present = byClass.filter { !$0.isEmpty }
            return (0..<need).map { _ in
                let members = present[Int(rng.next() % UInt64(present.count))]
                return members[Int(rng.next() % UInt64(members.count))]
            }
        }
    }

    static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var rng = SplitMix64(seed: a ^ (b &* 0x9E37_79B9_7F4A_7C15) ^ (c &* 0xC2B2_AE3D_27D4_EB4F))
        return rng.next()
    }

    /// Loss weights `N / (K' · n_k)` for the K' classes with images (0 for absent classes):
    /// every class contributes as if it had an equal share.
    static func classWeights(labels: [Int], classes: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: classes)
        for c in labels { counts[c] += 1 }
        let present = counts.filter { $0 > 0 }.count
        return counts.map { $0 == 0 ? 0 : Float(labels.count) / Float(present * $0) }
    }
}
