/// How a ``Conv2D`` computes its output.
import LoupeTensor
public enum ConvAlgorithm: String, Sendable, CaseIterable {
    /// im2col packed straight into B panels + the 8x32 GEMM micro-kernel (1x1 stride-1 convs
    /// read the input directly); grouped convs run one GEMM per group. Two 3x3 / stride-2 /
    /// padding-1 special cases live here too: Cin <= 4 runs a direct kernel (the stem,
    /// `Conv2D+DirectStem.swift`), larger Cin im2col's bands of output rows with even/odd
    /// deinterleaves (`Conv2D+GemmBandStride2.swift`).
    case gemm
    /// Winograd F(4x4, 3x3): 3x3 stride-1 ungrouped convs only.
    case winograd4x4
    /// The scalar twin in ``ReferenceKernels`` (tests, and the oracle).
    case reference
}

/// A 2-D convolution with its weights prepared once (packed for the SIMD kernels,
/// bias and activation fused), ready to run on any number of images without allocating.
///
/// This is the one entry point the network layer uses; which algorithm runs (packed GEMM,
/// Winograd, or the scalar reference) is decided here from the geometry — see
/// ``Conv2D/defaultAlgorithm(for:)``.
public final class Conv2D: @unchecked Sendable {
    public let geometry: ConvGeometry
    public let activation: Activation
    /// The algorithm `forward` runs (chosen in `init`).
    public let algorithm: ConvAlgorithm
    /// Weights `[outChannels, inChannels/groups, k, k]` as given (kept for the reference path).
    let weights: [Float]
    let bias: [Float]

    /// `.gemm`: per group `[ceil(Mg/8) panels][Kg][8]` with `Mg = outChannels/groups`, `Kg = cpg*k*k`.
    /// `.winograd4x4`: `[36][ceil(Cout/8) panels][Cin][8]`, U = G g Gᵀ per position. 64-byte aligned.
    let packedWeights: UnsafeMutablePointer<Float>
    /// `[outChannels]`, zeros when no bias was given (64-byte aligned).
    let packedBias: UnsafeMutablePointer<Float>

    /// - Parameters:
    ///   - geometry: must satisfy `geometry.isValid` (validated by the caller; checked with a precondition).
    ///   - weights: `geometry.weightCount` floats, layout `[outChannels, inChannels/groups, k, k]`.
    ///   - bias: `outChannels` floats, or nil for zero bias.
    public convenience init(geometry: ConvGeometry, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation) {
        self.init(geometry: geometry, weights: weights, bias: bias, activation: activation, algorithm: nil)
    }

    /// As above, with the algorithm forced (tests and benchmarks); nil picks
    /// ``defaultAlgorithm(for:)``. A forced algorithm must support the geometry
    /// (``supports(_:_:)``; precondition).
    public init(geometry: ConvGeometry, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation,
                algorithm: ConvAlgorithm?) {
        precondition(geometry.isValid, "Conv2D: invalid geometry \(geometry)")
        let chosen = algorithm ?? Conv2D.defaultAlgorithm(for: geometry)
        precondition(Conv2D.supports(chosen, geometry), "Conv2D: \(chosen) does not support \(geometry)")
        self.geometry = geometry
        self.activation = activation
        self.algorithm = chosen
        self.weights = Array(UnsafeBufferPointer(start: weights, count: geometry.weightCount))
        self.bias = bias.map { Array(UnsafeBufferPointer(start: $0, count: geometry.outChannels)) }
            ?? [Float](repeating: 0, count: geometry.outChannels)
        packedBias = UnsafeMutablePointer<Float>(alignedFloats: geometry.outChannels)
        packedBias.initialize(from: self.bias, count: geometry.outChannels)
        switch chosen {
        case .gemm:
            packedWeights = Conv2D.packGemmWeights(geometry, weights)
        case .winograd4x4:
            packedWeights = Conv2D.packWinogradWeights(geometry, weights)
        case .reference:
            packedWeights = UnsafeMutablePointer<Float>(alignedFloats: 1)
        }
    }

    deinit {
        packedWeights.deallocate()
        packedBias.deallocate()
    }

    /// The rule `init` uses: Winograd F(4x4,3x3) for ungrouped 3x3 stride-1 convs with at least
    /// 8 input and 8 output channels (below that the transforms cost more than the GEMM saves),
    /// packed GEMM for everything else. Deterministic, so a model always runs the same arithmetic.
    public static func defaultAlgorithm(for g: ConvGeometry) -> ConvAlgorithm {
        if supports(.winograd4x4, g) && g.inChannels >= 8 && g.outChannels >= 8 { return .winograd4x4 }
        return .gemm
    }

    /// Whether `algorithm` can run geometry `g`.
    public static func supports(_ algorithm: ConvAlgorithm, _ g: ConvGeometry) -> Bool {
        switch algorithm {
        case .gemm, .reference: return g.isValid
        case .winograd4x4: return g.isValid && g.kernel == 3 && g.stride == 1 && g.groups == 1 && g.padding <= 2
        }
    }

    /// Floats of scratch memory `forward` needs when run with `threads` threads.
    public func scratchCount(threads: Int) -> Int {
        let t = max(1, threads)
        switch algorithm {
        case .gemm: return t * gemmScratchPerWorker
        case .winograd4x4: return t * winogradScratchPerWorker
        case .reference: return 0
        }
    }

    /// Runs the convolution on one image.
    /// - Parameters:
    ///   - input: `[inChannels, inHeight, inWidth]`.
    ///   - output: `[outChannels, outHeight, outWidth]`; must not alias `input`.
    ///   - residual: optional tensor of the output's shape added before the activation.
    ///   - scratch: at least `scratchCount(threads:)` floats, 64-byte aligned.
    ///   - threads: how many threads may share this one image (1 when the caller already
    ///     parallelises over a batch).
    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>? = nil,
                        scratch: UnsafeMutablePointer<Float>?, threads: Int) {
        switch algorithm {
        case .gemm:
            precondition(scratch != nil, "Conv2D.forward: scratch required")
            forwardGemm(input: input, output: output, residual: residual, scratch: scratch!, threads: max(1, threads))
        case .winograd4x4:
            precondition(scratch != nil, "Conv2D.forward: scratch required")
            forwardWinograd(input: input, output: output, residual: residual, scratch: scratch!, threads: max(1, threads))
        case .reference:
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    ReferenceKernels.conv2d(geometry, input: input, weights: w.baseAddress!, bias: b.baseAddress!,
                                            residual: residual, activation: activation, output: output)
                }
            }
        }
    }
}

/// One convolution call as ``ParallelWork``: the helper threads reach the layer and its buffers
/// through a pointer to this value, so a multi-threaded convolution allocates nothing.
struct ConvSlices: ParallelWork {
    enum Path { case directStem, gemm, gemmStride2Bands, winograd }
    let conv: Conv2D
    let path: Path
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let residual: UnsafePointer<Float>?
    let scratch: UnsafeMutablePointer<Float>
    let threads: Int

    func run(worker: Int, range: Range<Int>) {
        switch path {
        case .directStem: conv.forwardDirectStemItems(self, worker: worker, rows: range)
        case .gemm: conv.forwardGemmItems(self, worker: worker, panels: range)
        case .gemmStride2Bands: conv.forwardGemmStride2BandsItems(self, worker: worker, bandRange: range)
        case .winograd: conv.forwardWinogradItems(self, worker: worker, items: range)
        }
    }
}
