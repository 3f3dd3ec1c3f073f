/// Batch normalisation in training mode: statistics over the batch and spatial positions of
/// each channel, NCHW (vectors are `spatial = 1`).
///
/// The fast path (``forward``/``backward``, BatchNormLayer+Images.swift) works image by image:
/// per-image partial sums (`moments`, `gradientSums`) are combined in image order, so spreading
/// images over threads never changes a bit. The scalar twins (`...Reference`) are two-pass Double loops.
public enum BatchNormLayer {
    /// Scalar twin of ``forward``: `output = gamma * (input - mean) / sqrt(var + epsilon) + beta` with the batch's biased
    /// mean and variance per channel; saves `mean` and `1/sqrt(var + epsilon)` for ``backward``
    /// and, when given, updates the running statistics the way PyTorch does:
    /// `running = (1 - momentum) * running + momentum * batchStat`, the variance unbiased.
    /// - Parameters:
    ///   - input, output: `(B, C, spatial)`. gamma, beta: `(C)`.
    ///   - saveMean, saveInvStd: `(C)`, written. runningMean, runningVar: `(C)` or nil.
    public static func forwardReference(batch: Int, channels: Int, spatial: Int, input: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                               beta: UnsafePointer<Float>, epsilon: Float, output: UnsafeMutablePointer<Float>,
                               saveMean: UnsafeMutablePointer<Float>, saveInvStd: UnsafeMutablePointer<Float>,
                               runningMean: UnsafeMutablePointer<Float>? = nil, runningVar: UnsafeMutablePointer<Float>? = nil,
                               momentum: Float = 0.1) {
        let count = batch * spatial
        precondition(count > 0, "BatchNormLayer.forward: empty batch")
        for c in 0..<channels {
            // Two passes in Double: the variance of values far from zero loses everything in Float one-pass form.
            var sum = 0.0
            for b in 0..<batch {
                let x = input + (b * channels + c) * spatial
                for i in 0..<spatial { sum += Double(x[i]) }
            }
            let mean = sum / Double(count)
            var sq = 0.0
            for b in 0..<batch {
                let x = input + (b * channels + c) * spatial
                for i in 0..<spatial { let d = Double(x[i]) - mean; sq += d * d }
            }
            let variance = sq / Double(count)
            let invStd = 1 / (variance + Double(epsilon)).squareRoot()
            saveMean[c] = Float(mean)
            saveInvStd[c] = Float(invStd)
            let scale = gamma[c] * Float(invStd), shift = beta[c] - Float(mean) * scale
            for b in 0..<batch {
                let x = input + (b * channels + c) * spatial, y = output + (b * channels + c) * spatial
                for i in 0..<spatial { y[i] = x[i] * scale + shift }
            }
            if let runningMean { runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mean) }
            if let runningVar {
                let unbiased = count > 1 ? sq / Double(count - 1) : variance
                runningVar[c] = (1 - momentum) * runningVar[c] + momentum * Float(unbiased)
            }
        }
    }

    /// Scalar twin of ``backward``; accumulates (`+=`) the gradients of ``forward``:
    /// `dx = gamma * invStd / N * (N * dy - Σdy - x̂ * Σ(dy * x̂))`, `dgamma = Σ dy * x̂`, `dbeta = Σ dy`.
    /// - Parameters:
    ///   - dInput, dOutput, input: `(B, C, spatial)`. dGamma, dBeta, gamma, saveMean, saveInvStd: `(C)`.
    public static func backwardReference(batch: Int, channels: Int, spatial: Int, dInput: UnsafeMutablePointer<Float>?,
                                dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                                dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                saveMean: UnsafePointer<Float>, saveInvStd: UnsafePointer<Float>) {
        let count = Float(batch * spatial)
        for c in 0..<channels {
            let mean = saveMean[c], invStd = saveInvStd[c]
            var sumDy: Float = 0, sumDyXhat: Float = 0
            for b in 0..<batch {
                let x = input + (b * channels + c) * spatial, dy = dOutput + (b * channels + c) * spatial
                for i in 0..<spatial {
                    sumDy += dy[i]
                    sumDyXhat += dy[i] * (x[i] - mean) * invStd
                }
            }
            dBeta[c] += sumDy
            dGamma[c] += sumDyXhat
            guard let dInput else { continue }
            let k = gamma[c] * invStd / count
            for b in 0..<batch {
                let x = input + (b * channels + c) * spatial, dy = dOutput + (b * channels + c) * spatial
                let dx = dInput + (b * channels + c) * spatial
                for i in 0..<spatial {
                    let xhat = (x[i] - mean) * invStd
                    dx[i] += k * (count * dy[i] - sumDy - xhat * sumDyXhat)
                }
            }
        }
    }
}
