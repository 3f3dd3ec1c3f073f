import LoupeModel

/// Every parameter of a model, its gradient and the optimiser's state in one flat allocation,
/// laid out exactly as ``ModelGraph`` lays out the weights vector (so `parameters` *is* the
/// model's weights and `gradients + offset` is the gradient of the parameter at `offset`).
///
/// Layout, each `(P)` with `P = graph.parameterCount`:
/// `[parameters][gradients][moment1][moment2][decayMask]`.
/// Zeroing gradients is one call; an optimiser step is one loop over `P`.
///
/// BN running statistics ("mean", "var") live in `parameters` too (the BN forward updates them)
/// but are not trained: nothing writes their gradient, and their `decayMask` is 0, so both
/// optimisers leave them unchanged. Weight decay applies to conv/dense "weight" tensors only
/// (decayMask 1); biases, gamma and beta are not decayed, the usual practice.
public final class ParameterStore {
    public let graph: ModelGraph
    /// P: floats in each region.
    public let count: Int
    let storage: UnsafeMutablePointer<Float>

    /// `(P)` the weights, in ``ModelGraph`` order.
    public var parameters: UnsafeMutablePointer<Float> { storage }
    /// `(P)` d loss / d parameters; backward passes accumulate here.
    public var gradients: UnsafeMutablePointer<Float> { storage + count }
    /// `(P)` SGD velocity or AdamW first moment.
    var moment1: UnsafeMutablePointer<Float> { storage + 2 * count }
    /// `(P)` AdamW second moment.
    var moment2: UnsafeMutablePointer<Float> { storage + 3 * count }
    /// `(P)` 1 where weight decay applies, else 0.
    var decayMask: UnsafeMutablePointer<Float> { storage + 4 * count }

    /// Copies `model.weights` in; gradients and optimiser state start at zero.
    public init(model: Model) {
        graph = model.graph
        count = model.graph.parameterCount
        storage = .allocate(capacity: max(1, 5 * count))
        storage.initialize(repeating: 0, count: max(1, 5 * count))
        storage.update(from: model.weights, count: count)
        for layer in graph.layers {
            for p in layer.parameters where p.name == "weight" {
                (decayMask + p.offset).update(repeating: 1, count: p.count)
            }
        }
    }

    deinit { storage.deallocate() }

    /// Sets every gradient to zero (one `memset`).
    public func zeroGradients() { gradients.update(repeating: 0, count: count) }

    /// Forgets the optimiser's state (velocity, moments).
    public func resetOptimizerState() { moment1.update(repeating: 0, count: 2 * count) }

    /// A copy of the parameters, for `Model(spec:weights:)`.
    public var weights: [Float] { Array(UnsafeBufferPointer(start: parameters, count: count)) }

    /// The parameter `name` of layer `layer` (`(shape)` as in the graph), or nil if the layer has none.
    public func parameter(layer: Int, _ name: String) -> UnsafeMutablePointer<Float>? {
        graph.layers[layer].parameter(name).map { parameters + $0.offset }
    }

    /// The gradient of ``parameter(layer:_:)``.
    public func gradient(layer: Int, _ name: String) -> UnsafeMutablePointer<Float>? {
        graph.layers[layer].parameter(name).map { gradients + $0.offset }
    }

    /// Sum of squared gradients, in Double (for clipping and logging).
    public func gradientNormSquared() -> Double {
        var s = 0.0
        for i in 0..<count { s += Double(gradients[i]) * Double(gradients[i]) }
        return s
    }
}
