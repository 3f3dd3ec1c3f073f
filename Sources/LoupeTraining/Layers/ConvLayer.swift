import LoupeKernels
import LoupeTensor

/// 2-D convolution for training: forward and backward over a batch in NCHW, groups = 1.
///
/// Fast path: ``ConvTrainingKernels`` per image (im2col panels + the 8x32 micro-kernel forward;
/// the input gradient as a flipped-weight convolution for stride 1, `Wᵀ·dY` + col2im otherwise;
/// the weight gradient per image into a partial, summed over images in image order). The batch
/// functions here allocate their scratch per call (tests, one-off use); ``TrainingNetwork`` plans
/// the same scratch once and spreads images over threads, computing the same bits.
/// The scalar twins ``forwardReference`` and ``backwardReference`` are direct loops: the oracle.
public enum ConvLayer {
    /// `output = conv(input, weights) + bias`.
    /// - Parameters:
    ///   - g: per-image geometry; `g.isValid` and `g.groups == 1` (preconditions).
    ///   - input: `(B, Cin, H, W)`. weights: `(Cout, Cin, k, k)`. bias: `(Cout)` or nil.
    ///   - output: `(B, Cout, OH, OW)`, overwritten.
    public static func forward(_ g: ConvGeometry, batch: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvLayer.forward: needs a valid ungrouped geometry, got \(g)")
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: ConvTrainingKernels.packedWeightsCount(g))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: ConvTrainingKernels.forwardScratchCount(g))
        defer { packed.deallocate(); scratch.deallocate() }
        ConvTrainingKernels.packWeights(g, weights: weights, into: packed)
        for b in 0..<batch {
            ConvTrainingKernels.forward(g, input: input + b * g.inputCount, packedWeights: packed, bias: bias,
                                        output: output + b * g.outputCount, accumulate: false, scratch: scratch)
        }
    }

    /// Accumulates (`+=`) the gradients of ``forward``: `dInput` (optional, e.g. skipped for
    /// the first layer), `dWeights`, `dBias` (optional).
    /// - Parameters:
    ///   - dInput: `(B, Cin, H, W)` or nil. dWeights: `(Cout, Cin, k, k)`. dBias: `(Cout)` or nil.
    ///   - dOutput: `(B, Cout, OH, OW)`. input: `(B, Cin, H, W)`. weights: `(Cout, Cin, k, k)`.
    public static func backward(_ g: ConvGeometry, batch: Int, dInput: UnsafeMutablePointer<Float>?, dWeights: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>?, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                weights: UnsafePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvLayer.backward: needs a valid ungrouped geometry, got \(g)")
        typealias K = ConvTrainingKernels
        let partialCount = K.weightGradientPartialCount(g)
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: K.packedInputGradientWeightsCount(g))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(K.inputGradientScratchCount(g), K.weightGradientScratchCount(g)))
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: batch * partialCount)
        let biasPartials = UnsafeMutablePointer<Float>.allocate(capacity: batch * g.outChannels)
        defer { packed.deallocate(); scratch.deallocate(); partials.deallocate(); biasPartials.deallocate() }
        if dInput != nil { K.packInputGradientWeights(g, weights: weights, into: packed) }
        for b in 0..<batch {
            let dy = dOutput + b * g.outputCount
            backwardImage(g, dInput: dInput.map { $0 + b * g.inputCount }, dInputAccumulates: true, weightPartial: partials + b * partialCount,
                          biasPartial: dBias == nil ? nil : biasPartials + b * g.outChannels, dOutput: dy,
                          input: input + b * g.inputCount, packedInputGradientWeights: packed, scratch: scratch)
        }
        reduce(g, batch: batch, dWeights: dWeights, dBias: dBias, weightPartials: partials, biasPartials: biasPartials, channels: 0..<g.outChannels)
    }

    /// One image's share of ``backward``: the weight (and bias) gradient into per-image partials
    /// (overwritten) and, when `dInput` is given, its input gradient (`=` or `+=`).
    /// - Parameters:
    ///   - weightPartial: ``ConvTrainingKernels/weightGradientPartialCount(_:)`` floats. biasPartial: `(Cout)` or nil.
    ///   - dOutput: `(Cout, OH, OW)`. input, dInput: `(Cin, H, W)`.
    ///   - packedInputGradientWeights: from ``ConvTrainingKernels/packInputGradientWeights(_:weights:into:)``.
    ///   - scratch: the larger of the kernels' input- and weight-gradient scratch counts.
    @inline(__always)
    static func backwardImage(_ g: ConvGeometry, dInput: UnsafeMutablePointer<Float>?, dInputAccumulates: Bool,
                              weightPartial: UnsafeMutablePointer<Float>, biasPartial: UnsafeMutablePointer<Float>?,
                              dOutput dy: UnsafePointer<Float>, input x: UnsafePointer<Float>,
                              packedInputGradientWeights: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let n = g.outHeight * g.outWidth
        if let biasPartial {
            for oc in 0..<g.outChannels { biasPartial[oc] = SIMDKernels.sum(dy + oc * n, count: n) }
        }
        ConvTrainingKernels.weightGradient(g, dOutput: dy, input: x, partial: weightPartial, scratch: scratch)
        if let dInput {
            ConvTrainingKernels.inputGradient(g, dOutput: dy, packedWeights: packedInputGradientWeights, dInput: dInput,
                                              accumulate: dInputAccumulates, scratch: scratch)
        }
    }

    /// `dWeights += Σ_b weightPartials_b`, `dBias += Σ_b biasPartials_b` for output channels
    /// `channels`, images summed in order (`(B, ...)` partials as ``backwardImage`` wrote them).
    static func reduce(_ g: ConvGeometry, batch: Int, dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                       weightPartials: UnsafePointer<Float>, biasPartials: UnsafePointer<Float>, channels: Range<Int>) {
        ConvTrainingKernels.reduceWeightGradients(g, partials: weightPartials, partialStride: ConvTrainingKernels.weightGradientPartialCount(g),
                                                  images: batch, dWeights: dWeights, channels: channels)
        if let dBias {
            for oc in channels {
                var sum: Float = 0
                for b in 0..<batch { sum += biasPartials[b * g.outChannels + oc] }
                dBias[oc] += sum
            }
        }
    }

    /// Scalar twin of ``forward``: direct loops.
    public static func forwardReference(_ g: ConvGeometry, batch: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvLayer.forwardReference: needs a valid ungrouped geometry, got \(g)")
        for b in 0..<batch {
            ReferenceKernels.conv2d(g, input: input + b * g.inputCount, weights: weights, bias: bias, activation: .none,
                                    output: output + b * g.outputCount)
        }
    }

    /// Scalar twin of ``backward``: direct loops, same accumulate contract.
    public static func backwardReference(_ g: ConvGeometry, batch: Int, dInput: UnsafeMutablePointer<Float>?,
                                         dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                                         dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, weights: UnsafePointer<Float>) {
        precondition(g.isValid && g.groups == 1, "ConvLayer.backwardReference: needs a valid ungrouped geometry, got \(g)")
        let oh = g.outHeight, ow = g.outWidth, k = g.kernel, h = g.inHeight, w = g.inWidth
        for b in 0..<batch {
            let x = input + b * g.inputCount, dy = dOutput + b * g.outputCount
            for oc in 0..<g.outChannels {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let d = dy[(oc * oh + oy) * ow + ox]
                        dBias?[oc] += d
                        for ic in 0..<g.inChannels {
                            for ky in 0..<k {
                                let iy = oy * g.stride - g.padding + ky
                                if iy < 0 || iy >= h { continue }
                                for kx in 0..<k {
                                    let ix = ox * g.stride - g.padding + kx
                                    if ix < 0 || ix >= w { continue }
                                    let wi = ((oc * g.inChannels + ic) * k + ky) * k + kx
                                    let xi = (ic * h + iy) * w + ix
                                    dWeights[wi] += d * x[xi]
                                    dInput?[b * g.inputCount + xi] += d * weights[wi]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
