/// `output = max(input, 0)`; the backward reads the forward's output, so the forward may run in place.
public enum ReLULayer {
    /// input, output: `(count)`; may alias. SIMD (``SIMDKernels``); ``forwardReference`` is the scalar twin.
    public static func forward(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        SIMDKernels.affine(input, output, count: count, scale: 1, shift: 0, relu: true)
    }

    /// `dInput += dOutput` where the output is positive (the gradient at 0 is taken as 0).
    /// dInput, dOutput, output: `(count)`. SIMD; ``backwardReference`` is the scalar twin.
    public static func backward(count: Int, dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
                                output: UnsafePointer<Float>) {
        SIMDKernels.reluBackward(dx: dInput, dy: dOutput, y: output, count: count, accumulate: true)
    }

    /// Scalar twin of ``forward``.
    public static func forwardReference(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for i in 0..<count { output[i] = max(input[i], 0) }
    }

    /// Scalar twin of ``backward``.
    public static func backwardReference(count: Int, dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
                                         output: UnsafePointer<Float>) {
        for i in 0..<count where output[i] > 0 { dInput[i] += dOutput[i] }
    }
}

/// `output = a + b`: the residual join.
public enum ResidualAdd {
    /// a, b, output: `(count)`; output may alias a or b.
    public static func forward(count: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for i in 0..<count { output[i] = a[i] + b[i] }
    }

    /// `dA += dOutput`, `dB += dOutput`. All `(count)`.
    public static func backward(count: Int, dA: UnsafeMutablePointer<Float>, dB: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>) {
        for i in 0..<count {
            dA[i] += dOutput[i]
            dB[i] += dOutput[i]
        }
    }
}
