import LoupeKernels
import LoupeModel
import LoupeTensor

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
            var y = [Float](repeating: 0, count: layer.outputCount)
            func p(_ name: String) -> [Float] { Array(model.parameter(layer: index, name) ?? []) }
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    let i = xp.baseAddress!, o = yp.baseAddress!
                    switch layer.operation {
                    case let .conv(g, _):
                        let w = p("weight"), b = p("bias")
                        w.withUnsafeBufferPointer { wp in
                            b.withUnsafeBufferPointer { bp in
                                ReferenceKernels.conv2d(g, input: i, weights: wp.baseAddress!, bias: b.isEmpty ? nil : bp.baseAddress,
                                                        activation: .none, output: o)
                            }
                        }
                    case let .batchNorm(channels, spatial, eps):
                        let gamma = p("gamma"), beta = p("beta"), mean = p("mean"), variance = p("var")
                        for c in 0..<channels {
                            for j in 0..<spatial {
                                o[c * spatial + j] = (i[c * spatial + j] - mean[c]) / (variance[c] + eps).squareRoot() * gamma[c] + beta[c]
                            }
                        }
                    case let .relu(count):
                        ReferenceKernels.relu(count: count, input: i, output: o)
                    case let .maxPool(g):
                        ReferenceKernels.maxPool2d(g, input: i, output: o)
                    case let .avgPool(g, countIncludePad):
                        ReferenceKernels.avgPool2d(g, countIncludePad: countIncludePad, input: i, output: o)
                    case let .globalAvgPool(channels, spatial):
                        ReferenceKernels.globalAveragePool(channels: channels, spatial: spatial, input: i, output: o)
                    case let .flatten(count):
                        o.update(from: i, count: count)
                    case let .dense(inFeatures, outFeatures, _):
                        let w = p("weight"), b = p("bias")
                        w.withUnsafeBufferPointer { wp in
                            b.withUnsafeBufferPointer { bp in
                                ReferenceKernels.dense(batch: 1, inFeatures: inFeatures, outFeatures: outFeatures, input: i,
                                                       weights: wp.baseAddress!, bias: b.isEmpty ? nil : bp.baseAddress, activation: .none, output: o)
                            }
                        }
                    case let .softmax(width):
                        ReferenceKernels.softmax(rows: 1, width: width, input: i, output: o)
                    case let .add(count):
                        values[layer.inputs[1]]!.withUnsafeBufferPointer { bp in
                            ReferenceKernels.add(count: count, i, bp.baseAddress!, activation: .none, output: o)
                        }
                    }
                }
            }
            values[layer.name] = y
        }
        return values[model.graph.layers.last!.name]!
    }
}
