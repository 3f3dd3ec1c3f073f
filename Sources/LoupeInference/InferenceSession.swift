import Dispatch
import LoupeKernels
import LoupeTensor

/// Runs a ``Network`` on batches of inputs with a fixed number of threads. All buffers are
/// allocated here, once; in steady state ``run(input:batch:output:)`` makes no allocator call,
/// with one thread or more (parallel work is passed by pointer: ``ParallelWork``).
///
/// Threading: a batch of at least `threads` images is split across threads, each running
/// whole images single-threaded (no synchronisation inside the network); a single image
/// is run with every convolution split across the threads instead.
///
/// Not thread-safe: one session per caller thread (sessions share the ``Network``).
public final class InferenceSession: @unchecked Sendable {
    public let network: Network
    public let maxBatch: Int
    public let threads: Int
    private let arenas: [Arena]

    /// Activation buffers and convolution scratch for one worker.
    private final class Arena {
        let buffers: [AlignedBuffer]
        let pointers: [UnsafeMutablePointer<Float>]
        let scratch: AlignedBuffer
        init(network: Network, scratchCount: Int) {
            buffers = network.bufferSizes.map { AlignedBuffer(count: $0) }
            pointers = buffers.map(\.pointer)
            scratch = AlignedBuffer(count: scratchCount)
        }
    }

    public init(network: Network, maxBatch: Int = 1, threads: Int = 1) {
        precondition(maxBatch >= 1 && threads >= 1, "InferenceSession: maxBatch and threads must be >= 1")
        self.network = network
        self.maxBatch = maxBatch
        self.threads = threads
        let convs = network.steps.compactMap { step -> Conv2D? in
            if case let .conv(c, _, _, _) = step { return c }
            return nil
        }
        let single = convs.map { $0.scratchCount(threads: 1) }.max() ?? 0
        let shared = convs.map { $0.scratchCount(threads: threads) }.max() ?? 0
        let workers = min(threads, maxBatch)
        arenas = (0..<workers).map { w in Arena(network: network, scratchCount: w == 0 ? max(single, shared) : single) }
    }

    /// Runs `batch` images.
    /// - Parameters:
    ///   - input: `[batch, C, H, W]` normalised floats (`batch * network.inputCount`).
    ///   - output: `[batch, outputCount]` (class probabilities for Loupe classifiers).
    public func run(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>) {
        precondition(batch >= 1 && batch <= maxBatch, "InferenceSession.run: batch \(batch) outside 1...\(maxBatch)")
        let inCount = network.inputCount, outCount = network.outputCount
        if batch == 1 || arenas.count == 1 {
            for i in 0..<batch { runImage(arenas[0], input + i * inCount, output + i * outCount, threads: threads) }
            return
        }
        Parallel.forEachSlice(count: batch, threads: arenas.count, work: BatchSlices(session: self, input: input, output: output))
    }

    /// A batch split across the session's arenas, as ``ParallelWork`` (nothing is allocated).
    private struct BatchSlices: ParallelWork {
        let session: InferenceSession
        let input: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
        func run(worker: Int, range: Range<Int>) {
            let inCount = session.network.inputCount, outCount = session.network.outputCount
            for i in range { session.runImage(session.arenas[worker], input + i * inCount, output + i * outCount, threads: 1) }
        }
    }

    /// Convenience for tests and tools (allocates the result).
    public func run(input: [Float], batch: Int) -> [Float] {
        precondition(input.count == batch * network.inputCount, "InferenceSession.run: \(input.count) floats for batch \(batch) x \(network.inputCount)")
        var out = [Float](repeating: 0, count: batch * network.outputCount)
        input.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { o in run(input: i.baseAddress!, batch: batch, output: o.baseAddress!) } }
        return out
    }

    private func runImage(_ arena: Arena, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, threads: Int) {
        for step in network.steps { run(step, arena, input, threads: threads) }
        output.update(from: read(network.outputValue, arena, input), count: network.outputCount)
    }

    /// Median wall time of each fused step for one image (on `threads` threads), in ms.
    /// Allocates; for benchmarks and `loupe model info`-style reports, not the hot path.
    public func profile(repeats: Int = 20) -> [(step: String, ms: Double)] {
        let arena = arenas[0]
        let input = AlignedBuffer(count: network.inputCount)
        for i in 0..<input.count { input.pointer[i] = Float(i % 13) / 13 - 0.5 }
        var samples = [[Double]](repeating: [], count: network.steps.count)
        for _ in 0..<repeats {
            for (i, step) in network.steps.enumerated() {
                let t0 = DispatchTime.now().uptimeNanoseconds
                run(step, arena, input.pointer, threads: threads)
                samples[i].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
        }
        return zip(network.steps, samples).map { step, times in (step.label, times.sorted()[times.count / 2]) }
    }

    @inline(__always)
    private func read(_ v: Int, _ arena: Arena, _ input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        v == 0 ? input : UnsafePointer(arena.pointers[network.bufferOf[v]])
    }

    @inline(__always)
    private func write(_ v: Int, _ arena: Arena) -> UnsafeMutablePointer<Float> { arena.pointers[network.bufferOf[v]] }

    private func run(_ step: NetworkStep, _ arena: Arena, _ input: UnsafePointer<Float>, threads: Int) {
        func read(_ v: Int) -> UnsafePointer<Float> { self.read(v, arena, input) }
        func write(_ v: Int) -> UnsafeMutablePointer<Float> { self.write(v, arena) }
        switch step {
        case let .conv(conv, i, r, o):
            conv.forward(input: read(i), output: write(o), residual: r.map(read), scratch: arena.scratch.pointer, threads: threads)
        case let .channelAffine(channels, spatial, scale, shift, activation, i, o):
            ChannelAffine.apply(channels: channels, spatial: spatial, scale: scale, shift: shift, activation: activation,
                                input: read(i), output: write(o))
        case let .relu(count, i, o):
            Kernels.relu(count: count, input: read(i), output: write(o))
        case let .maxPool(g, i, o):
            Kernels.maxPool2d(g, input: read(i), output: write(o))
        case let .avgPool(g, countIncludePad, i, o):
            Kernels.avgPool2d(g, countIncludePad: countIncludePad, input: read(i), output: write(o))
        case let .globalAveragePool(channels, spatial, i, o):
            Kernels.globalAveragePool(channels: channels, spatial: spatial, input: read(i), output: write(o))
        case let .dense(inF, outF, weights, bias, activation, i, o):
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    Kernels.dense(batch: 1, inFeatures: inF, outFeatures: outF, input: read(i), weights: w.baseAddress!,
                                  bias: b.baseAddress!, activation: activation, output: write(o))
                }
            }
        case let .softmax(width, i, o):
            Kernels.softmax(rows: 1, width: width, input: read(i), output: write(o))
        case let .add(count, a, b, activation, o):
            Kernels.add(count: count, read(a), read(b), activation: activation, output: write(o))
        }
    }
}

/// A batch-norm that could not be folded into a convolution: `y = act(x * scale[c] + shift[c])`.
enum ChannelAffine {
    static func apply(channels: Int, spatial: Int, scale: [Float], shift: [Float], activation: Activation,
                      input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for c in 0..<channels {
            let s = scale[c], t = shift[c]
            let x = input + c * spatial, y = output + c * spatial
            for i in 0..<spatial {
                let v = x[i] * s + t
                y[i] = activation == .relu ? max(v, 0) : v
            }
        }
    }
}
