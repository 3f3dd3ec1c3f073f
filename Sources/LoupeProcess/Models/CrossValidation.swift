import LoupeTensor

/// How well a model predicted rows it was not fitted on.
public struct ValidationSummary: Sendable, Codable, Equatable {
    /// "5x2" or "k-fold (k = 5)".
    public var scheme: String
    public var runs: Int
    public var rmse: Double
    public var mae: Double
    public var r2: Double
    /// RMSE of each run, in order.
    public var runRMSE: [Double]
}

/// A train/test split of row indices.
public struct Split: Sendable, Equatable {
    public var train: [Int]
    public var test: [Int]
}

/// Cross-validation schemes, drawn from Loupe's one seeded generator.
public enum CrossValidation {
    /// k folds of a seeded shuffle; each row is tested once.
    public static func kFold(rows n: Int, k: Int, seed: UInt64) -> [Split] {
        precondition(k >= 2 && n >= k, "kFold: \(n) rows into \(k) folds")
        let order = shuffled(n, seed: seed)
        return (0..<k).map { f in
            let test = order.enumerated().filter { $0.offset % k == f }.map(\.element)
            let testSet = Set(test)
            return Split(train: order.filter { !testSet.contains($0) }, test: test)
        }
    }

    /// The 5×2 protocol (Dietterich 1998): five seeded shuffles, each cut in two halves, each
    /// half tested on a model fitted on the other — ten runs.
    public static func fiveByTwo(rows n: Int, seed: UInt64) -> [Split] {
        (0..<5).flatMap { r -> [Split] in halves(shuffled(n, seed: seed &+ UInt64(r) &* 0x9E37_79B9)) }
    }

    /// The two halves of `order`, each tested on the other.
    public static func halves(_ order: [Int]) -> [Split] {
        let a = Array(order[..<(order.count / 2)]), b = Array(order[(order.count / 2)...])
        return [Split(train: a, test: b), Split(train: b, test: a)]
    }

    public static func shuffled(_ n: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        return order
    }

    /// Fits on each split's training rows and scores its test rows.
    /// - Parameter fit: fits on (inputs, target) and returns the predictor.
    /// - Returns: the summary and, per row, its last out-of-split prediction (NaN if never tested).
    public static func evaluate(x: Matrix, y: [Double], splits: [Split], scheme: String,
                                fit: (Matrix, [Double]) throws -> (Matrix) throws -> [Double]) throws -> (ValidationSummary, [Double]) {
        var runRMSE: [Double] = []
        var sse = 0.0, sae = 0.0, count = 0
        var outOfSplit = [Double](repeating: .nan, count: y.count)
        for split in splits {
            let predictor = try fit(x.selectingRows(split.train), split.train.map { y[$0] })
            let predicted = try predictor(x.selectingRows(split.test))
            var runSSE = 0.0
            for (k, i) in split.test.enumerated() {
                let e = y[i] - predicted[k]
                runSSE += e * e
                sae += abs(e)
                outOfSplit[i] = predicted[k]
            }
            sse += runSSE
            count += split.test.count
            runRMSE.append((runSSE / Double(max(1, split.test.count))).squareRoot())
        }
        let mean = y.reduce(0, +) / Double(max(1, y.count))
        let sst = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } * Double(count) / Double(max(1, y.count))
        let summary = ValidationSummary(scheme: scheme, runs: splits.count, rmse: runRMSE.reduce(0, +) / Double(max(1, runRMSE.count)),
                                        mae: sae / Double(max(1, count)), r2: sst > 0 ? 1 - sse / sst : .nan, runRMSE: runRMSE)
        return (summary, outOfSplit)
    }
}
