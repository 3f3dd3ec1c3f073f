import LoupeKernels

/// Fully connected: `output[b, o] = bias[o] + Σ_i input[b, i] * weights[o, i]`.
public enum DenseLayer {
    /// input: `(B, In)`. weights: `(Out, In)`. bias: `(Out)` or nil. output: `(B, Out)`.
    public static func forward(batch: Int, inFeatures: Int, outFeatures: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        Kernels.dense(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures, input: input, weights: weights, bias: bias,
                      activation: .none, output: output)
    }

    /// Accumulates (`+=`): `dInput += dOutput · W`, `dWeights += dOutputᵀ · input`, `dBias += Σ_b dOutput`.
    /// dInput: `(B, In)` or nil. dWeights: `(Out, In)`. dBias: `(Out)` or nil. dOutput: `(B, Out)`.
    public static func backward(batch: Int, inFeatures: Int, outFeatures: Int, dInput: UnsafeMutablePointer<Float>?,
                                dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                                dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, weights: UnsafePointer<Float>) {
        let dyT = UnsafeMutablePointer<Float>.allocate(capacity: max(1, outFeatures * batch)) // (Out, B)
        defer { dyT.deallocate() }
        backward(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures, dInput: dInput, dWeights: dWeights, dBias: dBias,
                 dOutput: dOutput, input: input, weights: weights, workspace: GemmWorkspace(), transposeScratch: dyT)
    }

    /// As above without allocating: `workspace` for the GEMMs, `transposeScratch` `(Out * B)` floats.
    public static func backward(batch: Int, inFeatures: Int, outFeatures: Int, dInput: UnsafeMutablePointer<Float>?,
                                dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                                dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                workspace: GemmWorkspace, transposeScratch dyT: UnsafeMutablePointer<Float>) {
        if let dInput {
            // (B, In) += (B, Out) · (Out, In)
            Gemm.sgemm(m: batch, n: inFeatures, k: outFeatures, a: dOutput, lda: outFeatures, b: weights, ldb: inFeatures,
                       c: dInput, ldc: inFeatures, accumulate: true, workspace: workspace)
        }
        for b in 0..<batch { for o in 0..<outFeatures { dyT[o * batch + b] = dOutput[b * outFeatures + o] } }
        // (Out, In) += (Out, B) · (B, In)
        Gemm.sgemm(m: outFeatures, n: inFeatures, k: batch, a: dyT, lda: batch, b: input, ldb: inFeatures,
                   c: dWeights, ldc: inFeatures, accumulate: true, workspace: workspace)
        if let dBias {
            for o in 0..<outFeatures {
                var s: Float = 0
                for b in 0..<batch { s += dyT[o * batch + b] }
                dBias[o] += s
            }
        }
    }

    /// Scalar twin of ``backward``.
    public static func backwardReference(batch: Int, inFeatures: Int, outFeatures: Int, dInput: UnsafeMutablePointer<Float>?,
                                         dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                                         dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, weights: UnsafePointer<Float>) {
        for b in 0..<batch {
            for o in 0..<outFeatures {
                let d = dOutput[b * outFeatures + o]
                dBias?[o] += d
                for i in 0..<inFeatures {
                    dWeights[o * inFeatures + i] += d * input[b * inFeatures + i]
                    dInput?[b * inFeatures + i] += d * weights[o * inFeatures + i]
                }
            }
        }
    }
}
