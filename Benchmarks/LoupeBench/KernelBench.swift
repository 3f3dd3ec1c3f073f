import Foundation
import LoupeKernels
import LoupeModel
import LoupeTensor

/// `loupe-bench kernels [--only gemm|convs|parallel|chain|profile] [--layer L] [--size N] [--threads T]`:
/// single-kernel timings that print throughput and assert nothing (docs/kernels.md). On this
/// shared 2-core machine the fastest run is the stable statistic for a kernel alone.
///
///   loupe-bench kernels --only profile --layer 3 [--threads 1] [--size 64]   one conv for ~2 s, for `perf record`
enum KernelBench {
    /// ElpvNet-ref's 9 convs (1x300x300 input, batch 1), from the model's resolved graph.
    static var elpvNetLayers: [ConvGeometry] {
        try! ModelGraph(ReferenceArchitectures.elpvNetRefSpec()).layers.compactMap(\.convGeometry)
    }

    /// Median seconds of `repeats` runs of `body` (after one warm-up).
    static func median(repeats: Int, _ body: () -> Void) -> Double {
        body()
        let times = (0..<repeats).map { _ in time(body) }
        return times.sorted()[repeats / 2]
    }

    /// Fastest of `repeats` runs (after one warm-up).
    static func fastest(repeats: Int, _ body: () -> Void) -> Double {
        body()
        return (0..<repeats).map { _ in time(body) }.min()!
    }

    static func time(_ body: () -> Void) -> Double {
        let t0 = MonotonicClock.seconds()
        body()
        return MonotonicClock.seconds() - t0
    }

    static func run(options: [String: String]) {
        let only = options["only"]
        if only == nil || only == "gemm" { gemm() }
        if only == nil || only == "convs" { convLayers() }
        if only == nil || only == "parallel" { parallelDispatch() }
        if only == nil || only == "chain" { convChain() }
        if only == "profile" {
            profile(layer: Int(options["layer"] ?? "") ?? 3, threads: Int(options["threads"] ?? "") ?? 1, size: options["size"].flatMap { Int($0) })
        }
    }

    static func peak() -> Double { (0..<5).map { _ in Gemm.measureFMAPeak(seconds: 0.1) }.max()! }

    /// sgemm at 256³, 512³, 1024³ against the measured FMA peak (best of 5 probes: other processes only lower a probe).
    static func gemm() {
        let peak = peak()
        var rng = SplitMix64(seed: 3)
        for s in [256, 512, 1024] {
            let a = (0..<(s * s)).map { _ in rng.uniform() }, b = (0..<(s * s)).map { _ in rng.uniform() }
            var c = [Float](repeating: 0, count: s * s)
            let t = fastest(repeats: 11) { Gemm.sgemm(m: s, n: s, k: s, a: a, lda: s, b: b, ldb: s, c: &c, ldc: s, accumulate: false) }
            let gflops = 2 * Double(s * s * s) / t / 1e9
            print(String(format: "sgemm %d^3: %.1f GFLOPS = %.1f%% of measured FMA peak %.1f GFLOPS", s, gflops, 100 * gflops / peak, peak))
        }
    }

    /// Per layer and total, ReLU fused, with the algorithm Conv2D picks and with plain GEMM for comparison.
    static func convLayers() {
        let layers = elpvNetLayers
        print(String(format: "FMA peak (1 thread) %.1f GFLOPS", peak()))
        for threads in [1, 2] {
            var totalChosen = 0.0, totalGemm = 0.0, flops = 0
            for (i, g) in layers.enumerated() {
                var rng = SplitMix64(seed: UInt64(i))
                let weights = (0..<g.weightCount).map { _ in rng.normal() }, input = (0..<g.inputCount).map { _ in rng.normal() }
                var times: [ConvAlgorithm: Double] = [:]
                var order: [ConvAlgorithm] = [Conv2D.defaultAlgorithm(for: g)]
                if order[0] != .gemm { order.append(.gemm) }
                for algorithm in order {
                    let conv = Conv2D(geometry: g, weights: weights, bias: nil, activation: .relu, algorithm: algorithm)
                    let scratch = AlignedBuffer(count: conv.scratchCount(threads: threads))
                    let output = AlignedBuffer(count: g.outputCount)
                    times[algorithm] = fastest(repeats: 31) {
                        conv.forward(input: input, output: output.pointer, scratch: scratch.pointer, threads: threads)
                    }
                }
                let chosen = times[order[0]]!, gemm = times[.gemm]!
                totalChosen += chosen
                totalGemm += gemm
                flops += g.flops
                print(String(format: "t%d L%d %@: %@ %.3f ms (%.1f eff. GFLOPS) | gemm %.3f ms (%.1f GFLOPS)", threads, i,
                             g.description, order[0].rawValue, chosen * 1e3, Double(g.flops) / chosen / 1e9, gemm * 1e3,
                             Double(g.flops) / gemm / 1e9))
            }
            print(String(format: "t%d total 9 convs (%.3f GFLOP): chosen %.3f ms (%.1f eff. GFLOPS), all-gemm %.3f ms", threads,
                         Double(flops) / 1e9, totalChosen * 1e3, Double(flops) / totalChosen / 1e9, totalGemm * 1e3))
        }
    }

    /// Cost of one `Parallel.forEachSlice(threads: 2)` call with an empty body, and whether two
    /// 200 µs slices overlap.
    static func parallelDispatch() {
        let calls = 2000
        var otherThread = 0
        let mainID = pthread_self()
        let seconds = fastest(repeats: 5) {
            for _ in 0..<calls {
                Parallel.forEachSlice(count: 2, threads: 2) { worker, _ in
                    if worker == 1 && pthread_equal(pthread_self(), mainID) == 0 { otherThread += 1 }
                }
            }
        }
        print(String(format: "Parallel.forEachSlice(threads: 2) empty: %.2f us per call; slice 1 on another thread in %d of %d calls",
                     seconds / Double(calls) * 1e6, otherThread, calls * 6))
        for threads in [1, 2] {
            var ran = 0
            let t = median(repeats: 21) {
                Parallel.forEachSlice(count: 2, threads: threads) { worker, slices in
                    for _ in slices {
                        let end = MonotonicClock.seconds() + 200e-6
                        while MonotonicClock.seconds() < end {}
                    }
                    if worker == 1 && pthread_equal(pthread_self(), mainID) == 0 { ran += 1 }
                }
            }
            print(String(format: "2 x 200 us slices, threads %d: median %.0f us (ideal %d); slice 1 on another thread in %d of 22",
                         threads, t * 1e6, threads == 1 ? 400 : 200, ran))
        }
    }

    /// The 9 convs back to back as in a forward pass, median and fastest of 51 passes at 1 and 2
    /// threads: catches costs the per-layer loop hides (helpers idle between layers, cold caches).
    static func convChain() {
        let layers = elpvNetLayers
        var rng = SplitMix64(seed: 11)
        let convs = layers.map { g in
            Conv2D(geometry: g, weights: (0..<g.weightCount).map { _ in rng.normal() }, bias: (0..<g.outChannels).map { _ in rng.normal() },
                   activation: .relu)
        }
        let input = AlignedBuffer(count: layers[0].inputCount)
        input.fill(0.5)
        let buffers = layers.map { AlignedBuffer(count: $0.outputCount) }
        for threads in [1, 2, 1, 2] {
            let scratch = AlignedBuffer(count: convs.map { $0.scratchCount(threads: threads) }.max()!)
            var times: [Double] = []
            for run in 0..<52 {
                let t = time {
                    for (i, conv) in convs.enumerated() {
                        conv.forward(input: i == 0 ? UnsafePointer(input.pointer) : UnsafePointer(buffers[i - 1].pointer),
                                     output: buffers[i].pointer, scratch: scratch.pointer, threads: threads)
                    }
                }
                if run > 0 { times.append(t) }
            }
            times.sort()
            print(String(format: "chain of 9 convs, threads %d: median %.3f ms, fastest %.3f ms, p90 %.3f ms", threads,
                         times[times.count / 2] * 1e3, times[0] * 1e3, times[times.count * 9 / 10] * 1e3))
        }
    }

    /// One ElpvNet-ref conv (on a `size`² input if given) for about 2 s, for `perf record`.
    static func profile(layer: Int, threads: Int, size: Int?) {
        var g = elpvNetLayers[layer]
        if let size {
            g.inHeight = size
            g.inWidth = size
        }
        var rng = SplitMix64(seed: UInt64(layer))
        let weights = (0..<g.weightCount).map { _ in rng.normal() }, input = (0..<g.inputCount).map { _ in rng.normal() }
        let conv = Conv2D(geometry: g, weights: weights, bias: nil, activation: .relu)
        let scratch = AlignedBuffer(count: conv.scratchCount(threads: threads))
        let output = AlignedBuffer(count: g.outputCount)
        let start = MonotonicClock.seconds()
        var runs = 0
        while MonotonicClock.seconds() - start < 2 {
            conv.forward(input: input, output: output.pointer, scratch: scratch.pointer, threads: threads)
            runs += 1
        }
        let mean = (MonotonicClock.seconds() - start) / Double(runs)
        print(String(format: "profile L%d %@ threads %d: %.3f ms mean over %d runs (%.2f ns per output pixel-channel)", layer,
                     g.description, threads, mean * 1e3, runs, mean * 1e9 / Double(g.outputCount)))
    }
}
