import XCTest
import LoupeKernels
#if canImport(Glibc)
import Glibc
#endif

/// Prints throughput; asserts nothing. Runs only with LOUPE_KERNEL_BENCH=1 so `swift test` stays fast:
///   LOUPE_KERNEL_BENCH=1 swift test -c release --scratch-path .build-kernels --filter KernelBenchmarks
final class KernelBenchmarks: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["LOUPE_KERNEL_BENCH"] == "1", "set LOUPE_KERNEL_BENCH=1")
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Median seconds of `repeats` runs of `body` (after one warm-up).
    static func median(repeats: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = now()
            body()
            times.append(now() - t0)
        }
        return times.sorted()[repeats / 2]
    }

    /// Fastest of `repeats` runs: on this shared 2-core machine the minimum is the stable statistic
    /// (the median moves 5-40 % with other engineers' builds).
    static func fastest(repeats: Int, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = now()
            body()
            best = min(best, now() - t0)
        }
        return best
    }

    func testGemm512() {
        // Best of 5 probes: a peak is a maximum, and other processes only ever lower a probe.
        let peak = (0..<5).map { _ in Gemm.measureFMAPeak(seconds: 0.1) }.max()!
        var rng = SplitMix64(seed: 3)
        for s in [256, 512, 1024] {
            let a = rng.floats(s * s), b = rng.floats(s * s)
            var c = [Float](repeating: 0, count: s * s)
            let t = Self.fastest(repeats: 11) {
                Gemm.sgemm(m: s, n: s, k: s, a: a, lda: s, b: b, ldb: s, c: &c, ldc: s, accumulate: false)
            }
            let gflops = 2 * Double(s * s * s) / t / 1e9
            print(String(format: "BENCH sgemm %d^3: %.1f GFLOPS = %.1f%% of measured FMA peak %.1f GFLOPS", s, gflops, 100 * gflops / peak, peak))
        }
    }
}

extension KernelBenchmarks {
    /// ElpvNet-ref's 9 convs (1x300x300 input, batch 1, padding 1, no bias).
    static let elpvNetLayers: [ConvGeometry] = [
        ConvGeometry(inChannels: 1, outChannels: 16, inHeight: 300, inWidth: 300, kernel: 3, stride: 2, padding: 1),
        ConvGeometry(inChannels: 16, outChannels: 16, inHeight: 150, inWidth: 150, kernel: 3, stride: 1, padding: 1),
        ConvGeometry(inChannels: 16, outChannels: 16, inHeight: 150, inWidth: 150, kernel: 3, stride: 1, padding: 1),
        ConvGeometry(inChannels: 16, outChannels: 32, inHeight: 150, inWidth: 150, kernel: 3, stride: 2, padding: 1),
        ConvGeometry(inChannels: 32, outChannels: 32, inHeight: 75, inWidth: 75, kernel: 3, stride: 1, padding: 1),
        ConvGeometry(inChannels: 32, outChannels: 64, inHeight: 75, inWidth: 75, kernel: 3, stride: 2, padding: 1),
        ConvGeometry(inChannels: 64, outChannels: 64, inHeight: 38, inWidth: 38, kernel: 3, stride: 1, padding: 1),
        ConvGeometry(inChannels: 64, outChannels: 128, inHeight: 38, inWidth: 38, kernel: 3, stride: 2, padding: 1),
        ConvGeometry(inChannels: 128, outChannels: 128, inHeight: 19, inWidth: 19, kernel: 3, stride: 1, padding: 1),
    ]

    /// Per layer and total, ReLU fused, with the algorithm Conv2D picks and with plain GEMM for comparison.
    func testElpvNetConvLayers() {
        let layers = Self.elpvNetLayers
        let peak = (0..<5).map { _ in Gemm.measureFMAPeak(seconds: 0.1) }.max()!
        print(String(format: "BENCH FMA peak (1 thread) %.1f GFLOPS", peak))
        for threads in [1, 2] {
            var totalChosen = 0.0, totalGemm = 0.0, flops = 0
            for (i, g) in layers.enumerated() {
                var rng = SplitMix64(seed: UInt64(i))
                let weights = rng.floats(g.weightCount), input = rng.floats(g.inputCount)
                var times: [ConvAlgorithm: Double] = [:]
                var order: [ConvAlgorithm] = [Conv2D.defaultAlgorithm(for: g)]
                if order[0] != .gemm { order.append(.gemm) }
                for algorithm in order {
                    let conv = Conv2D(geometry: g, weights: weights, bias: nil, activation: .relu, algorithm: algorithm)
                    let scratch = AlignedBuffer(count: conv.scratchCount(threads: threads))
                    let output = AlignedBuffer(count: g.outputCount)
                    times[algorithm] = Self.fastest(repeats: 31) {
                        conv.forward(input: input, output: output.pointer, scratch: scratch.pointer, threads: threads)
                    }
                }
                let chosen = times[order[0]]!, gemm = times[.gemm]!
                totalChosen += chosen
                totalGemm += gemm
                flops += g.flops
                print(String(format: "BENCH t%d L%d %@: %@ %.3f ms (%.1f eff. GFLOPS) | gemm %.3f ms (%.1f GFLOPS)", threads, i,
                             g.description, order[0].rawValue, chosen * 1e3, Double(g.flops) / chosen / 1e9, gemm * 1e3,
                             Double(g.flops) / gemm / 1e9))
            }
            print(String(format: "BENCH t%d total 9 convs (%.3f GFLOP): chosen %.3f ms (%.1f eff. GFLOPS), all-gemm %.3f ms", threads,
                         Double(flops) / 1e9, totalChosen * 1e3, Double(flops) / totalChosen / 1e9, totalGemm * 1e3))
        }
    }
}

extension KernelBenchmarks {
    /// Cost of one `Parallel.forEachSlice(threads: 2)` call with an empty body, and how often the
    /// second slice really ran on another thread (on a loaded machine it often does not).
    func testParallelDispatchOverhead() {
        let calls = 2000
        var otherThread = 0
        let mainID = pthread_self()
        let seconds = Self.fastest(repeats: 5) {
            for _ in 0..<calls {
                Parallel.forEachSlice(count: 2, threads: 2) { worker, _ in
                    if worker == 1 && pthread_equal(pthread_self(), mainID) == 0 { otherThread += 1 }
                }
            }
        }
        print(String(format: "BENCH Parallel.forEachSlice(threads: 2) empty: %.2f us per call; slice 1 on another thread in %d of %d calls",
                     seconds / Double(calls) * 1e6, otherThread, calls * 6))
        // 200 us of work per slice: does the second slice overlap the first?
        for threads in [1, 2] {
            var ran = 0
            let t = Self.median(repeats: 21) {
                Parallel.forEachSlice(count: 2, threads: threads) { worker, slices in
                    for _ in slices {
                        let end = Self.now() + 200e-6
                        while Self.now() < end {}
                    }
                    if worker == 1 && pthread_equal(pthread_self(), mainID) == 0 { ran += 1 }
                }
            }
            print(String(format: "BENCH 2 x 200 us slices, threads %d: median %.0f us (ideal %d); slice 1 on another thread in %d of 22",
                         threads, t * 1e6, threads == 1 ? 400 : 200, ran))
        }
    }
}

extension KernelBenchmarks {
    /// For `perf record`: runs one ElpvNet-ref conv for ~2 s (LOUPE_PROFILE_SIZE=N: on an NxN input instead).
    ///   LOUPE_KERNEL_BENCH=1 LOUPE_PROFILE_LAYER=3 LOUPE_PROFILE_THREADS=1 perf record <xctest> LoupeKernelsTests.KernelBenchmarks/testProfileOneLayer
    func testProfileOneLayer() throws {
        let env = ProcessInfo.processInfo.environment
        guard let layer = env["LOUPE_PROFILE_LAYER"].flatMap({ Int($0) }) else { throw XCTSkip("set LOUPE_PROFILE_LAYER") }
        let threads = env["LOUPE_PROFILE_THREADS"].flatMap { Int($0) } ?? 1
        var g = Self.elpvNetLayers[layer]
        if let size = env["LOUPE_PROFILE_SIZE"].flatMap({ Int($0) }) {  // same layer on another image size
            g.inHeight = size
            g.inWidth = size
        }
        var rng = SplitMix64(seed: UInt64(layer))
        let weights = rng.floats(g.weightCount), input = rng.floats(g.inputCount)
        let conv = Conv2D(geometry: g, weights: weights, bias: nil, activation: .relu)
        let scratch = AlignedBuffer(count: conv.scratchCount(threads: threads))
        let output = AlignedBuffer(count: g.outputCount)
        let start = Self.now()
        var runs = 0
        while Self.now() - start < 2 {
            conv.forward(input: input, output: output.pointer, scratch: scratch.pointer, threads: threads)
            runs += 1
        }
        let mean = (Self.now() - start) / Double(runs)
        print(String(format: "BENCH profile L%d %@ threads %d: %.3f ms mean over %d runs (%.2f ns per output pixel-channel)", layer,
                     g.description, threads, mean * 1e3, runs, mean * 1e9 / Double(g.outputCount)))
    }
}

extension KernelBenchmarks {
    /// The 9 convs back to back as in a forward pass (each layer's output feeds the next), median and
    /// fastest of 51 passes at 1 and 2 threads: catches costs the per-layer loop hides (helper threads
    /// going idle between layers, caches cold at layer changes).
    func testElpvNetConvChain() {
        let layers = Self.elpvNetLayers
        var rng = SplitMix64(seed: 11)
        let convs = layers.map { g in Conv2D(geometry: g, weights: rng.floats(g.weightCount), bias: rng.floats(g.outChannels), activation: .relu) }
        let input = AlignedBuffer(count: layers[0].inputCount, fill: 0.5)
        let buffers = layers.map { AlignedBuffer(count: $0.outputCount) }
        for threads in [1, 2, 1, 2] {
            let scratch = AlignedBuffer(count: convs.map { $0.scratchCount(threads: threads) }.max()!)
            var times: [Double] = []
            for run in 0..<52 {
                let t0 = Self.now()
                for (i, conv) in convs.enumerated() {
                    conv.forward(input: i == 0 ? UnsafePointer(input.pointer) : UnsafePointer(buffers[i - 1].pointer),
                                 output: buffers[i].pointer, scratch: scratch.pointer, threads: threads)
                }
                if run > 0 { times.append(Self.now() - t0) }
            }
            times.sort()
            print(String(format: "BENCH chain of 9 convs, threads %d: median %.3f ms, fastest %.3f ms, p90 %.3f ms", threads,
                         times[times.count / 2] * 1e3, times[0] * 1e3, times[times.count * 9 / 10] * 1e3))
        }
    }
}
