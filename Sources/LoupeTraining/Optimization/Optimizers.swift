#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// SGD with momentum and L2 weight decay, as `torch.optim.SGD` (dampening 0):
/// `g += wd * p` (decayed tensors only), `v = μ v + g`, `p -= lr * v` (Nesterov: `p -= lr * (g + μ v)`).
public struct SGDMomentum {
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    public var nesterov: Bool

    public init(learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// One update of every parameter from `store.gradients` (which it does not clear).
    public func step(_ store: ParameterStore) {
        let p = store.parameters, g = store.gradients, v = store.moment1, mask = store.decayMask
        let lr = learningRate, mu = momentum, wd = weightDecay
        for i in 0..<store.count {
            let grad = g[i] + wd * mask[i] * p[i]
            v[i] = mu * v[i] + grad
            p[i] -= lr * (nesterov ? grad + mu * v[i] : v[i])
        }
    }
}

/// AdamW (decoupled weight decay), as `torch.optim.AdamW`:
/// `p *= 1 - lr·wd` (decayed tensors only), `m = β1 m + (1-β1) g`, `v = β2 v + (1-β2) g²`,
/// `p -= lr · m̂ / (√v̂ + ε)` with bias-corrected `m̂ = m / (1-β1ᵗ)`, `v̂ = v / (1-β2ᵗ)`.
public struct AdamW {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Steps taken so far (t in the bias correction); part of a checkpoint.
    public internal(set) var stepCount: Int = 0

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One update of every parameter from `store.gradients` (which it does not clear).
    public mutating func step(_ store: ParameterStore) {
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = Float(1 - pow(Double(beta1), t)), correction2 = Float(1 - pow(Double(beta2), t))
        let p = store.parameters, g = store.gradients, m = store.moment1, v = store.moment2, mask = store.decayMask
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = epsilon, decay = learningRate * weightDecay
        for i in 0..<store.count {
            p[i] -= decay * mask[i] * p[i]
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
            p[i] -= lr * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + eps)
        }
    }
}
