#if canImport(Glibc)
import Glibc
#endif

/// How the learning rate moves over a run, as a function of the global step `t` in `0..<total`.
public enum LearningRateSchedule: String, Codable, CaseIterable, Sendable {
    /// The base rate throughout (after the warm-up, if any).
    case constant
    /// Cosine annealing from the base rate to `base/100` at the end (after a linear warm-up of
    /// ``TrainingOptions/warmupEpochs``).
    case cosine
    /// Leslie Smith's one-cycle, as PyTorch's `OneCycleLR` defaults: from `base/25` up to the base
    /// rate over the first 30 % of steps (cosine), then down to `base/25/10⁴` (cosine).
    /// Momentum is not cycled.
    case oneCycle = "one-cycle"

    /// The rate at step `t` of `total`, with `warmup` linear warm-up steps (constant and cosine only).
    public func rate(base: Float, step t: Int, total: Int, warmup: Int = 0) -> Float {
        let total = max(total, 1)
        switch self {
        case .constant:
            return t < warmup ? base * Float(t + 1) / Float(warmup) : base
        case .cosine:
            if t < warmup { return base * Float(t + 1) / Float(warmup) }
            let span = max(total - warmup, 1)
            let progress = min(1, Double(t - warmup) / Double(span))
            let floor = Double(base) / 100
            return Float(floor + 0.5 * (Double(base) - floor) * (1 + cos(Double.pi * progress)))
        case .oneCycle:
            let initial = Double(base) / 25, final = initial / 1e4
            let peak = max(1, Int((0.3 * Double(total)).rounded(.down)) - 1)
            func anneal(_ from: Double, _ to: Double, _ p: Double) -> Double { to + (from - to) / 2 * (1 + cos(Double.pi * p)) }
            if t <= peak { return Float(anneal(initial, Double(base), Double(t) / Double(peak))) }
            let down = max(1, total - 1 - peak)
            return Float(anneal(Double(base), final, min(1, Double(t - peak) / Double(down))))
        }
    }
}
