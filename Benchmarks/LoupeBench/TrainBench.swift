import Foundation
import LoupeModel
import LoupeTraining

/// `loupe-bench train`: training-step throughput of a ``TrainingNetwork`` (forward, softmax
/// cross-entropy, backward, SGD-momentum update — the same work as the PyTorch peer
/// `Benchmarks/scripts/train_torch.py`), median images/s over timed steps, plus per-layer
/// forward/backward times.
///
///   loupe-bench train [--model DIR] [--size 300] [--batch 32] [--threads 2] [--seconds S] [--json OUT] [--layers 1]
///
/// `--size` rebuilds the model's spec at another input size (same layers, same weights; e.g.
/// 150 for the ELPV training resolution).
enum TrainBench {
    static func run(options: [String: String], seconds: Double) {
        let size = options["size"].flatMap(Int.init) ?? 300
        let batch = options["batch"].flatMap(Int.init) ?? 32
        let threads = options["threads"].flatMap(Int.init) ?? 2
        let model: Model
        do {
            let base = try Model.load(from: options["model"] ?? "Models/ElpvNet-ref")
            var spec = base.spec
            spec.input.height = size
            spec.input.width = size
            model = try Model(spec: spec, weights: base.weights)
        } catch { fail("train: \(error)") }
        let network: TrainingNetwork
        do { network = try TrainingNetwork(model: model, batch: batch, threads: threads) } catch { fail("train: \(error)") }
        let input = model.spec.input
        let perImage = input.channels * input.height * input.width
        var rng = SplitMix64(seed: 7)
        let images = UnsafeMutablePointer<Float>.allocate(capacity: batch * perImage)
        defer { images.deallocate() }
        for i in 0..<(batch * perImage) { images[i] = rng.normal() }
        let labels = (0..<batch).map { Int32($0 % network.classes) }
        let optimizer = SGDMomentum(learningRate: 0.001, momentum: 0.9)
        var losses: [Float] = []
        labels.withUnsafeBufferPointer { y in
            let step = {
                losses.append(network.step(input: images, targets: .labels(y.baseAddress!)))
                optimizer.step(network.store)
            }
            step() // first step: threads start, pages fault in
            network.recordsTimings = options["layers"] == "1"
            network.resetTimings()
            let times = BenchStatistics.timeRuns(seconds: seconds, warmup: 1.0, minRuns: 5, step)
            let median = BenchStatistics.median(times)
            let flopsPerImage = 2.06e9 * Double(size * size) / (300.0 * 300.0)
            var row: [String: Any] = [
                "engine": "loupe", "model": model.spec.name, "size": size, "batch": batch, "threads": threads,
                "steps": times.count, "median_step_ms": median * 1e3, "images_per_s": Double(batch) / median,
                "approx_gflops": flopsPerImage * Double(batch) / median / 1e9, "last_loss": Double(losses.last ?? .nan),
            ]
            if network.recordsTimings {
                // Timings accumulate over warm-up + timed steps.
                let counted = Double(losses.count - 1)
                var layers: [[String: Any]] = []
                for (index, layer) in network.graph.layers.prefix(network.forwardSeconds.count).enumerated() {
                    let f = network.forwardSeconds[index] / counted * 1e3, b = network.backwardSeconds[index] / counted * 1e3
                    if f == 0 && b == 0 { continue }
                    layers.append(["layer": layer.name, "forward_ms": f, "backward_ms": b])
                    FileHandle.standardError.write(Data(String(format: "%-22@ fwd %8.2f ms  bwd %8.2f ms\n", layer.name as NSString, f, b).utf8))
                }
                let f = network.forwardSeconds.reduce(0, +) / counted * 1e3, b = network.backwardSeconds.reduce(0, +) / counted * 1e3
                FileHandle.standardError.write(Data(String(format: "%-22@ fwd %8.2f ms  bwd %8.2f ms  (step median %.1f ms)\n", "total" as NSString, f, b, median * 1e3).utf8))
                row["layers"] = layers
            }
            FileHandle.standardError.write(Data(String(format: "loupe train size=%d batch=%d threads=%d: %.1f img/s (median step %.1f ms, %d steps)\n",
                                                       size, batch, threads, Double(batch) / median, median * 1e3, times.count).utf8))
            writeJSON(row)
        }
    }
}

import LoupeKernels
import LoupeTensor

/// `loupe-bench train-kernels [--size 300]`: per-image time of each conv kernel of a training
/// step at the ElpvNet-ref shapes (one thread), next to the inference GEMM conv as a yardstick.
enum TrainKernelBench {
    static func run(options: [String: String]) {
        let size = options["size"].flatMap(Int.init) ?? 300
        let spec = ReferenceArchitectures.elpvNetRefSpec(size: size)
        let model = try! Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 1, randomStatistics: false))
        var rng = SplitMix64(seed: 3)
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            for i in 0..<n { p[i] = rng.normal() }
            return p
        }
        func time(_ body: () -> Void) -> Double {
            body()
            let times = BenchStatistics.timeRuns(seconds: 0.3, warmup: 0.05, minRuns: 5, body)
            return BenchStatistics.median(times) * 1e3
        }
        typealias K = ConvTrainingKernels
        for layer in model.graph.layers {
            guard let g = layer.convGeometry else { continue }
            let x = buffer(g.inputCount), w = buffer(g.weightCount), dy = buffer(g.outputCount), y = buffer(g.outputCount), dx = buffer(g.inputCount)
            let packed = buffer(max(K.packedWeightsCount(g), K.packedInputGradientWeightsCount(g)))
            let scratch = buffer(max(K.forwardScratchCount(g), K.inputGradientScratchCount(g), K.weightGradientScratchCount(g)))
            let partial = buffer(K.weightGradientPartialCount(g))
            K.packWeights(g, weights: w, into: packed)
            let forward = time { K.forward(g, input: x, packedWeights: packed, bias: nil, output: y, accumulate: false, scratch: scratch) }
            // The same over 32 images in turn (as in a batch: activations come from L3/DRAM, not L2).
            let xs = buffer(32 * g.inputCount), ys = buffer(32 * g.outputCount)
            let batchForward = time {
                for b in 0..<32 {
                    K.forward(g, input: xs + b * g.inputCount, packedWeights: packed, bias: nil, output: ys + b * g.outputCount,
                              accumulate: false, scratch: scratch)
                }
            } / 32
            let dW = time { K.weightGradient(g, dOutput: dy, input: x, partial: partial, scratch: scratch) }
            K.packInputGradientWeights(g, weights: w, into: packed)
            let dX = time { K.inputGradient(g, dOutput: dy, packedWeights: packed, dInput: dx, accumulate: false, scratch: scratch) }
            let conv = Conv2D(geometry: g, weights: w, bias: nil, activation: .none, algorithm: .gemm)
            let inferenceScratch = buffer(conv.scratchCount(threads: 1))
            let inference = time { conv.forward(input: x, output: y, scratch: inferenceScratch, threads: 1) }
            let gf = Double(g.flops) / 1e6
            print(String(format: "%-42@ batch fwd %6.3f ms/img  fwd %6.3f ms (%5.1f GF/s)  dX %6.3f ms (%5.1f)  dW %6.3f ms (%5.1f)  | inference gemm %6.3f ms",
                         g.description as NSString, batchForward, forward, gf / forward, dX, gf / dX, dW, gf / dW, inference))
        }
    }
}
