import LoupeKernels
import LoupeModel
import LoupeTensor

/// Every buffer a ``TrainingNetwork`` step needs besides activations and gradients, sized once
/// in `init` for the largest layer so that a step never allocates:
///
/// - per thread: one slice for the conv kernels (im2col panel, padded channels-last image,
///   col2im panel) — the largest of ``ConvTrainingKernels``' scratch counts over all convs;
/// - per conv layer: its weights packed for the forward and for the input gradient (repacked
///   every step, the weights change);
/// - per image: one conv weight-gradient partial and bias partial (the largest layer's), and
///   batch-norm partial sums `(B, C, 2)` in Double — reduced in image order, which is what makes
///   the gradients independent of the thread count;
/// - the dense layer's GEMM workspace and `dYᵀ`.
final class TrainingScratch {
    let threads: Int
    let workerFloats: Int
    let workers: UnsafeMutablePointer<Float>
    /// Per layer index: offsets of the forward / input-gradient packed weights in `packed`.
    var packedForward: [Int: Int] = [:]
    var packedInputGradient: [Int: Int] = [:]
    let packed: UnsafeMutablePointer<Float>
    let partialFloats: Int
    let weightPartials: UnsafeMutablePointer<Float>
    let biasPartials: UnsafeMutablePointer<Float>
    let maxChannels: Int
    let statistics: UnsafeMutablePointer<Double>
    let coefficients: UnsafeMutablePointer<Float>
    let denseWorkspace = GemmWorkspace()
    let denseTranspose: UnsafeMutablePointer<Float>

    init(graph: ModelGraph, layerCount: Int, batch: Int, threads: Int) {
        self.threads = threads
        var worker = 16, packedTotal = 0, partial = 1, maxCout = 1, channels = 1, dense = 1
        for (index, layer) in graph.layers.prefix(layerCount).enumerated() {
            switch layer.operation {
            case let .conv(g, _):
                worker = max(worker, ConvTrainingKernels.forwardScratchCount(g), ConvTrainingKernels.inputGradientScratchCount(g),
                             ConvTrainingKernels.weightGradientScratchCount(g))
                packedForward[index] = packedTotal
                packedTotal += Self.roundUp16(ConvTrainingKernels.packedWeightsCount(g))
                packedInputGradient[index] = packedTotal
                packedTotal += Self.roundUp16(ConvTrainingKernels.packedInputGradientWeightsCount(g))
                partial = max(partial, ConvTrainingKernels.weightGradientPartialCount(g))
                maxCout = max(maxCout, g.outChannels)
            case let .batchNorm(c, _, _):
                channels = max(channels, c)
            case let .dense(_, outFeatures, _):
                dense = max(dense, outFeatures * batch)
            default: break
            }
        }
        workerFloats = Self.roundUp16(worker)
        workers = Self.zeroed(threads * workerFloats)
        packed = Self.zeroed(max(1, packedTotal))
        partialFloats = Self.roundUp16(partial)
        weightPartials = Self.zeroed(batch * partialFloats)
        biasPartials = Self.zeroed(batch * maxCout)
        maxChannels = channels
        statistics = .allocate(capacity: batch * channels * 2)
        statistics.initialize(repeating: 0, count: batch * channels * 2)
        coefficients = Self.zeroed(channels * 3)
        denseTranspose = Self.zeroed(dense)
    }

    deinit {
        workers.deallocate()
        packed.deallocate()
        weightPartials.deallocate()
        biasPartials.deallocate()
        statistics.deallocate()
        coefficients.deallocate()
        denseTranspose.deallocate()
    }

    /// Thread `worker`'s slice (`workerFloats`, 64-byte aligned).
    func worker(_ worker: Int) -> UnsafeMutablePointer<Float> { workers + worker * workerFloats }

    /// Bytes held (for reports).
    var bytes: Int { 4 * (threads * workerFloats + partialFloats) }

    static func roundUp16(_ x: Int) -> Int { (x + 15) / 16 * 16 }

    static func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64)
        let p = raw.bindMemory(to: Float.self, capacity: max(1, count))
        p.initialize(repeating: 0, count: max(1, count))
        return p
    }
}
