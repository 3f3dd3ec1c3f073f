#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Batch norm as per-image pieces (SIMD), so a network can spread images over threads:
///
/// forward:  ``moments`` per image → ``combineMoments`` (image order) → ``normalize`` per image;
/// backward: ``gradientSums`` per image → ``combineGradientSums`` (image order) → ``applyGradient`` per image.
///
/// A fused ReLU (BN output read only by a ReLU) is handled by `relu:` in ``normalize`` and by
/// passing the ReLU's output as `mask` in the backward: the pre-ReLU tensor is never stored.
extension BatchNormLayer {
    /// `output = gamma * (input - mean) / sqrt(var + epsilon) + beta` with the batch's biased
    /// mean and variance per channel; saves `mean` and `1/sqrt(var + epsilon)` for ``backward``
    /// and, when given, updates the running statistics the way PyTorch does:
    /// `running = (1 - momentum) * running + momentum * batchStat`, the variance unbiased.
    /// - Parameters:
    ///   - input, output: `(B, C, spatial)`. gamma, beta: `(C)`.
    ///   - saveMean, saveInvStd: `(C)`, written. runningMean, runningVar: `(C)` or nil.
    public static func forward(batch: Int, channels: Int, spatial: Int, input: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                               beta: UnsafePointer<Float>, epsilon: Float, output: UnsafeMutablePointer<Float>,
                               saveMean: UnsafeMutablePointer<Float>, saveInvStd: UnsafeMutablePointer<Float>,
                               runningMean: UnsafeMutablePointer<Float>? = nil, runningVar: UnsafeMutablePointer<Float>? = nil,
                               momentum: Float = 0.1) {
        precondition(batch * spatial > 0, "BatchNormLayer.forward: empty batch")
        let image = channels * spatial
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: batch * channels * 2)
        defer { partial.deallocate() }
        for b in 0..<batch { moments(channels: channels, spatial: spatial, input: input + b * image, into: partial + b * channels * 2) }
        combineMoments(batch: batch, channels: channels, spatial: spatial, partials: partial, epsilon: epsilon, saveMean: saveMean,
                       saveInvStd: saveInvStd, runningMean: runningMean, runningVar: runningVar, momentum: momentum)
        for b in 0..<batch {
            normalize(channels: channels, spatial: spatial, input: input + b * image, gamma: gamma, beta: beta, mean: saveMean,
                      invStd: saveInvStd, relu: false, output: output + b * image)
        }
    }

    /// Accumulates (`+=`) the gradients of ``forward``:
    /// `dx = gamma * invStd / N * (N * dy - Σdy - x̂ * Σ(dy * x̂))`, `dgamma = Σ dy * x̂`, `dbeta = Σ dy`.
    /// - Parameters:
    ///   - dInput, dOutput, input: `(B, C, spatial)`. dGamma, dBeta, gamma, saveMean, saveInvStd: `(C)`.
    public static func backward(batch: Int, channels: Int, spatial: Int, dInput: UnsafeMutablePointer<Float>?,
                                dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                                dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                saveMean: UnsafePointer<Float>, saveInvStd: UnsafePointer<Float>) {
        let image = channels * spatial
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: batch * channels * 2)
        let coefficients = UnsafeMutablePointer<Float>.allocate(capacity: channels * 3)
        defer { partial.deallocate(); coefficients.deallocate() }
        for b in 0..<batch {
            gradientSums(channels: channels, spatial: spatial, dOutput: dOutput + b * image, input: input + b * image, mask: nil,
                         mean: saveMean, into: partial + b * channels * 2)
        }
        combineGradientSums(batch: batch, channels: channels, spatial: spatial, partials: partial, gamma: gamma, saveMean: saveMean,
                            saveInvStd: saveInvStd, dGamma: dGamma, dBeta: dBeta, coefficients: coefficients)
        guard let dInput else { return }
        for b in 0..<batch {
            applyGradient(channels: channels, spatial: spatial, dOutput: dOutput + b * image, input: input + b * image, mask: nil,
                          mean: saveMean, coefficients: coefficients, dInput: dInput + b * image, accumulate: true)
        }
    }

    // MARK: per-image pieces

    /// One image's per-channel `[Σx, Σ(x - x̄_image)²]` in Double: `into (C, 2)`. input: `(C, spatial)`.
    static func moments(channels: Int, spatial: Int, input: UnsafePointer<Float>, into out: UnsafeMutablePointer<Double>) {
        for c in 0..<channels {
            let x = input + c * spatial
            let sum = Double(SIMDKernels.sum(x, count: spatial))
            let mean = sum / Double(spatial), center = Float(mean)
            // Deviations from the Float-rounded mean, corrected to the exact one.
            let offset = mean - Double(center)
            let m2 = Double(SIMDKernels.squaredDeviations(x, count: spatial, center: center)) - Double(spatial) * offset * offset
            out[2 * c] = sum
            out[2 * c + 1] = max(m2, 0)
        }
    }

    /// Combines per-image ``moments`` in image order (Chan et al.): writes `saveMean`, `saveInvStd`
    /// and updates the running statistics. partials: `(B, C, 2)`.
    static func combineMoments(batch: Int, channels: Int, spatial: Int, partials: UnsafePointer<Double>, epsilon: Float,
                               saveMean: UnsafeMutablePointer<Float>, saveInvStd: UnsafeMutablePointer<Float>,
                               runningMean: UnsafeMutablePointer<Float>?, runningVar: UnsafeMutablePointer<Float>?, momentum: Float) {
        let count = batch * spatial, n = Double(spatial)
        for c in 0..<channels {
            var total = 0.0
            for b in 0..<batch { total += partials[(b * channels + c) * 2] }
            let mean = total / Double(count)
            var sq = 0.0
            for b in 0..<batch {
                let p = partials + (b * channels + c) * 2
                let d = p[0] / n - mean
                sq += p[1] + n * d * d
            }
            let variance = sq / Double(count)
            saveMean[c] = Float(mean)
            saveInvStd[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
            if let runningMean { runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mean) }
            if let runningVar {
                let unbiased = count > 1 ? sq / Double(count - 1) : variance
                runningVar[c] = (1 - momentum) * runningVar[c] + momentum * Float(unbiased)
            }
        }
    }

    /// One image: `output = (input - mean) * invStd * gamma + beta`, then ReLU when `relu`.
    /// input, output: `(C, spatial)` (may alias). gamma, beta, mean, invStd: `(C)`.
    static func normalize(channels: Int, spatial: Int, input: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                          mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, relu: Bool, output: UnsafeMutablePointer<Float>) {
        for c in 0..<channels {
            let scale = gamma[c] * invStd[c], shift = beta[c] - mean[c] * scale
            SIMDKernels.affine(input + c * spatial, output + c * spatial, count: spatial, scale: scale, shift: shift, relu: relu)
        }
    }

    /// One image's per-channel `[Σdz, Σdz(x - mean)]` in Double: `into (C, 2)`; `dz = dOutput`,
    /// zeroed where `mask` (a fused ReLU's output) is `<= 0`. dOutput, input, mask: `(C, spatial)`.
    static func gradientSums(channels: Int, spatial: Int, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>,
                             mask: UnsafePointer<Float>?, mean: UnsafePointer<Float>, into out: UnsafeMutablePointer<Double>) {
        for c in 0..<channels {
            let (sum, dot) = SIMDKernels.gradientSums(dy: dOutput + c * spatial, x: input + c * spatial, mask: mask.map { $0 + c * spatial },
                                                      count: spatial, mean: mean[c])
            out[2 * c] = Double(sum)
            out[2 * c + 1] = Double(dot)
        }
    }

    /// Combines per-image ``gradientSums`` in image order: `dBeta += Σdz`, `dGamma += Σdz·x̂`, and
    /// per channel the coefficients `(alpha, beta, gammaX)` of `dx = alpha*dz - beta - gammaX*(x - mean)`.
    /// partials: `(B, C, 2)`. coefficients: `(C, 3)`, written.
    static func combineGradientSums(batch: Int, channels: Int, spatial: Int, partials: UnsafePointer<Double>, gamma: UnsafePointer<Float>,
                                    saveMean: UnsafePointer<Float>, saveInvStd: UnsafePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
                                    dBeta: UnsafeMutablePointer<Float>, coefficients: UnsafeMutablePointer<Float>) {
        let count = Double(batch * spatial)
        for c in 0..<channels {
            var sumDy = 0.0, dot = 0.0
            for b in 0..<batch {
                sumDy += partials[(b * channels + c) * 2]
                dot += partials[(b * channels + c) * 2 + 1]
            }
            let invStd = Double(saveInvStd[c]), sumDyXhat = dot * invStd
            dBeta[c] += Float(sumDy)
            dGamma[c] += Float(sumDyXhat)
            let k = Double(gamma[c]) * invStd / count
            let gammaX = k * invStd * sumDyXhat
            coefficients[3 * c] = Float(Double(gamma[c]) * invStd)
            coefficients[3 * c + 1] = Float(k * sumDy)
            coefficients[3 * c + 2] = Float(gammaX)
        }
    }

    /// One image: `dInput (=|+=) alpha*dz - beta - gammaX*(x - mean)` per channel (coefficients from
    /// ``combineGradientSums``). dOutput, input, mask, dInput: `(C, spatial)`. mean: `(C)`.
    static func applyGradient(channels: Int, spatial: Int, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>,
                              mask: UnsafePointer<Float>?, mean: UnsafePointer<Float>, coefficients: UnsafePointer<Float>,
                              dInput: UnsafeMutablePointer<Float>, accumulate: Bool) {
        for c in 0..<channels {
            let at = c * spatial
            SIMDKernels.applyGradient(dx: dInput + at, dy: dOutput + at, x: input + at, mask: mask.map { $0 + at }, count: spatial,
                                      mean: mean[c], alpha: coefficients[3 * c], beta: coefficients[3 * c + 1], gammaX: coefficients[3 * c + 2],
                                      accumulate: accumulate)
        }
    }
}
