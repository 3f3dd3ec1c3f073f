import LoupeKernels
import LoupeModel

/// The scalar twin of ``Network``: runs a model layer by layer exactly as the spec reads —
/// no batch-norm folding, no fusion, ``ReferenceKernels`` only, one image at a time.
/// Slow and allocating; it is the oracle the compiled network is tested against.
public struct ReferenceNetwork {
    public let model: Model

    public init(model: Model) { self.model = model }

    /// - Parameter input: one image, `[C, H, W]` normalised floats.
    /// - Returns: the network output (`[classes]` probabilities for Loupe classifiers).
    public func run(_ input: [Float]) -> [Float] {
        var values: [String: [Float]] = [ModelGraph.inputName: input]
        for (index, layer) in model.graph.layers.enumerated() {
            let x = values[layer.inputs[0]]!
            let shape = layer.inputShapes[0]
            var y = [Float](repeating: 0, count: layer.outputShape.reduce(1, *))
            let s = layer.spec
            func p(_ name: String) -> [Float] { Array(model.parameter(layer: index, name) ?? []) }
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    let i = xp.baseAddress!, o = yp.baseAddress!
                    switch layer.op {
                    case .conv:
                        let g = ConvGeometry(inChannels: shape[0], outChannels: layer.outputShape[0], inHeight: shape[1], inWidth: shape[2],
                                             kernel: s.kernel!, stride: s.stride ?? 1, padding: s.padding ?? 0, groups: s.groups ?? 1)
                        let w = p("weight"), b = p("bias")
                        w.withUnsafeBufferPointer { wp in
                            b.withUnsafeBufferPointer { bp in
                                ReferenceKernels.conv2d(g, input: i, weights: wp.baseAddress!, bias: b.isEmpty ? nil : bp.baseAddress,
                                                        activation: .none, output: o)
                            }
                        }
                    case .batchnorm:
                        let gamma = p("gamma"), beta = p("beta"), mean = p("mean"), variance = p("var"), eps = s.epsilon ?? 1e-5
                        let spatial = shape.dropFirst().reduce(1, *)
                        for c in 0..<shape[0] {
                            for j in 0..<spatial {
                                o[c * spatial + j] = (i[c * spatial + j] - mean[c]) / (variance[c] + eps).squareRoot() * gamma[c] + beta[c]
                            }
                        }
                    case .relu:
                        ReferenceKernels.relu(count: x.count, input: i, output: o)
                    case .maxpool, .avgpool:
                        let g = PoolGeometry(channels: shape[0], inHeight: shape[1], inWidth: shape[2], kernel: s.kernel!,
                                             stride: s.stride ?? s.kernel!, padding: s.padding ?? 0)
                        if layer.op == .maxpool { ReferenceKernels.maxPool2d(g, input: i, output: o) } else {
                            ReferenceKernels.avgPool2d(g, countIncludePad: s.countIncludePad ?? false, input: i, output: o)
                        }
                    case .globalavgpool:
                        ReferenceKernels.globalAveragePool(channels: shape[0], spatial: shape[1] * shape[2], input: i, output: o)
                    case .flatten:
                        o.update(from: i, count: x.count)
                    case .dense:
                        let w = p("weight"), b = p("bias")
                        w.withUnsafeBufferPointer { wp in
                            b.withUnsafeBufferPointer { bp in
                                ReferenceKernels.dense(batch: 1, inFeatures: x.count, outFeatures: layer.outputShape[0], input: i,
                                                       weights: wp.baseAddress!, bias: b.isEmpty ? nil : bp.baseAddress, activation: .none, output: o)
                            }
                        }
                    case .softmax:
                        ReferenceKernels.softmax(rows: 1, width: x.count, input: i, output: o)
                    case .add:
                        values[layer.inputs[1]]!.withUnsafeBufferPointer { bp in
                            ReferenceKernels.add(count: x.count, i, bp.baseAddress!, activation: .none, output: o)
                        }
                    }
                }
            }
            values[s.name] = y
        }
        return values[model.graph.layers.last!.spec.name]!
    }
}
