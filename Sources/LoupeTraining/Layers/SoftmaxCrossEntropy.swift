#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// What a cross-entropy row is compared with.
public enum CrossEntropyTargets {
    /// One class index per row: `(B)`, each in `0..<classes`.
    case labels(UnsafePointer<Int32>)
    /// A distribution per row (label smoothing, mixup): `(B, K)`, rows summing to 1.
    case soft(UnsafePointer<Float>)
}

/// Softmax and cross-entropy fused, so the gradient is the stable `p - t` form.
///
/// Per row `l_b = -Σ_k w_k t_bk log p_bk` with `p = softmax(logits)` and class weights `w`
/// (all 1 when nil). The loss is `Σ_b l_b / Σ_b Σ_k w_k t_bk`: for hard labels that is
/// PyTorch's weighted mean (`CrossEntropyLoss(weight:)`), for unweighted targets the batch mean.
public enum SoftmaxCrossEntropy {
    /// Writes the probabilities and returns the loss.
    /// - Parameters:
    ///   - logits: `(B, K)`. probabilities: `(B, K)`, written (kept for ``backward``).
    ///   - classWeights: `(K)` or nil.
    public static func forward(batch: Int, classes: Int, logits: UnsafePointer<Float>, targets: CrossEntropyTargets,
                               classWeights: UnsafePointer<Float>?, probabilities: UnsafeMutablePointer<Float>) -> Float {
        var loss = 0.0
        for b in 0..<batch {
            let z = logits + b * classes, p = probabilities + b * classes
            var m = -Float.infinity
            for k in 0..<classes { m = max(m, z[k]) }
            var sum = 0.0
            for k in 0..<classes { let e = expf(z[k] - m); p[k] = e; sum += Double(e) }
            let logSum = Double(m) + log(sum)
            for k in 0..<classes { p[k] = Float(Double(p[k]) / sum) }
            switch targets {
            case .labels(let labels):
                let y = Int(labels[b])
                precondition(y >= 0 && y < classes, "SoftmaxCrossEntropy: label \(y) outside 0..<\(classes)")
                loss += Double(classWeights?[y] ?? 1) * (logSum - Double(z[y]))
            case .soft(let t):
                for k in 0..<classes {
                    loss += Double(classWeights?[k] ?? 1) * Double(t[b * classes + k]) * (logSum - Double(z[k]))
                }
            }
        }
        let norm = normalizer(batch: batch, classes: classes, targets: targets, classWeights: classWeights)
        return Float(loss / norm)
    }

    /// Accumulates `dLogits += dLoss * (p_bk Σ_j w_j t_bj - w_k t_bk) / normalizer`.
    /// dLogits, probabilities: `(B, K)`; dLoss is the upstream gradient of the scalar loss (1 for plain training).
    public static func backward(batch: Int, classes: Int, dLogits: UnsafeMutablePointer<Float>, dLoss: Float,
                                probabilities: UnsafePointer<Float>, targets: CrossEntropyTargets, classWeights: UnsafePointer<Float>?) {
        let scale = dLoss / Float(normalizer(batch: batch, classes: classes, targets: targets, classWeights: classWeights))
        for b in 0..<batch {
            let p = probabilities + b * classes, d = dLogits + b * classes
            switch targets {
            case .labels(let labels):
                let y = Int(labels[b])
                let wy = classWeights?[y] ?? 1
                for k in 0..<classes { d[k] += scale * wy * p[k] }
                d[y] -= scale * wy
            case .soft(let t):
                var mass: Float = 0
                for k in 0..<classes { mass += (classWeights?[k] ?? 1) * t[b * classes + k] }
                for k in 0..<classes { d[k] += scale * (p[k] * mass - (classWeights?[k] ?? 1) * t[b * classes + k]) }
            }
        }
    }

    /// `Σ_b Σ_k w_k t_bk`: the loss is a mean over the targets' weighted mass.
    static func normalizer(batch: Int, classes: Int, targets: CrossEntropyTargets, classWeights: UnsafePointer<Float>?) -> Double {
        var total = 0.0
        switch targets {
        case .labels(let labels):
            for b in 0..<batch { total += Double(classWeights?[Int(labels[b])] ?? 1) }
        case .soft(let t):
            for b in 0..<batch { for k in 0..<classes { total += Double(classWeights?[k] ?? 1) * Double(t[b * classes + k]) } }
        }
        precondition(total > 0, "SoftmaxCrossEntropy: the targets carry no weight")
        return total
    }
}
