import Foundation
import LoupeInference
import LoupeKernels
import LoupeModel
import LoupeONNX
import LoupeTensor

/// `loupe-bench`: the Swift half of the benchmarks under Benchmarks/. The shell drivers run
/// it beside the Python peers in one run and merge the JSON.
///
///   loupe-bench inference (--onnx FILE | --model DIR) [--threads 1,2] [--batch 1,32] [--seconds S] [--json OUT]
///   loupe-bench dump (--onnx FILE | --model DIR) --input IN.bin --output OUT.bin --batch N
///   loupe-bench gemm [--size 512] [--seconds S]
///   loupe-bench variants                                               kernel variants this CPU runs, best last
///   loupe-bench layers (--onnx FILE | --model DIR) [--threads T]      per-step time for batch 1
///   loupe-bench train [--model DIR] [--size 300] [--batch 32] [--threads 2] [--seconds S] [--layers 1]   (TrainBench.swift)
///   loupe-bench kernels [--only gemm|convs|parallel|chain|profile]   single-kernel timings (KernelBench.swift)
///   loupe-bench augmentation                                           augmentation kernels vs scalar twins
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("loupe-bench: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail("usage: loupe-bench inference|dump|gemm|layers …") }
arguments.removeFirst()
var options: [String: String] = [:]
while let flag = arguments.first, flag.hasPrefix("--") {
    arguments.removeFirst()
    options[String(flag.dropFirst(2))] = arguments.isEmpty ? "" : arguments.removeFirst()
}
func ints(_ key: String, _ fallback: [Int]) -> [Int] { options[key].map { $0.split(separator: ",").compactMap { Int($0) } } ?? fallback }
let seconds = options["seconds"].flatMap(Double.init) ?? 5

func loadModel() -> Model {
    do {
        if let onnx = options["onnx"] { return try ONNXImporter.importModel(contentsOf: onnx, name: nil, classes: nil, mean: nil, std: nil) }
        if let dir = options["model"] { return try Model.load(from: dir) }
    } catch { fail("\(error)") }
    fail("give --onnx FILE or --model DIR")
}

/// The kernel variant that ran (LOUPE_KERNELS or the best for this CPU) and the CPU, for every report.
let machineFields: [String: Any] = ["kernel_variant": KernelVariant.active.rawValue, "cpu_model": CPUDescription.current.summary]

func writeJSON(_ object: [String: Any]) {
    let object = object.merging(machineFields) { mine, _ in mine }
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    if let path = options["json"] { try! (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: path)) }
}

switch command {
case "inference":
    let model = loadModel()
    let network = try! Network(model: model)
    var rows: [[String: Any]] = []
    for threads in ints("threads", [1, 2]) {
        for batch in ints("batch", [1, 32]) {
            let session = InferenceSession(network: network, maxBatch: batch, threads: threads)
            var rng = SplitMix64(seed: 0)
            let input = AlignedBuffer((0..<(batch * network.inputCount)).map { _ in rng.normal() })
            let output = AlignedBuffer(count: batch * network.outputCount)
            session.run(input: input.pointer, batch: batch, output: output.pointer)
            // Heap check around inference calls only (the timing loop below keeps its own array).
            let heapBefore = HeapUsage.bytesInUse
            for _ in 0..<20 { session.run(input: input.pointer, batch: batch, output: output.pointer) }
            let heapDelta = HeapUsage.bytesInUse - heapBefore
            let times = BenchStatistics.timeRuns(seconds: seconds) { session.run(input: input.pointer, batch: batch, output: output.pointer) }
            let median = BenchStatistics.median(times)
            var row: [String: Any] = ["threads": threads, "batch": batch, "runs": times.count, "median_ms": median * 1e3,
                                      "heap_bytes_delta_20_runs": heapDelta]
            if batch == 1 { row["p99_ms"] = BenchStatistics.percentile(times, 99) * 1e3 } else { row["images_per_s"] = Double(batch) / median }
            rows.append(row)
            FileHandle.standardError.write(Data("loupe threads=\(threads) batch=\(batch): median \(String(format: "%.3f", median * 1e3)) ms, runs \(times.count), heap delta \(heapDelta) B\n".utf8))
        }
    }
    writeJSON(["engine": "loupe", "model": model.spec.name, "seconds": seconds, "results": rows])

case "dump":
    let model = loadModel()
    guard let inPath = options["input"], let outPath = options["output"], let batch = options["batch"].flatMap(Int.init) else {
        fail("dump needs --input, --output and --batch")
    }
    let network = try! Network(model: model)
    guard let data = FileManager.default.contents(atPath: inPath), data.count == 4 * batch * network.inputCount else {
        fail("\(inPath): expected \(batch * network.inputCount) float32 values")
    }
    let input = data.withUnsafeBytes { raw in (0..<(batch * network.inputCount)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
    let output = InferenceSession(network: network, maxBatch: batch, threads: ints("threads", [2])[0]).run(input: input, batch: batch)
    try! output.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: outPath))
    print("wrote \(outPath): \(batch)x\(network.outputCount) floats")

case "gemm":
    let n = ints("size", [512])[0]
    var rng = SplitMix64(seed: 1)
    let a = AlignedBuffer((0..<(n * n)).map { _ in rng.uniform() }), b = AlignedBuffer((0..<(n * n)).map { _ in rng.uniform() })
    let c = AlignedBuffer(count: n * n)
    let workspace = GemmWorkspace() // packing buffers made once, as a real caller would
    let times = BenchStatistics.timeRuns(seconds: seconds) {
        Gemm.sgemm(m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, c: c.pointer, ldc: n, accumulate: false,
                   workspace: workspace)
    }
    let gflops = 2 * Double(n * n * n) / BenchStatistics.median(times) / 1e9
    // The peak is a ceiling: take the best of several probes so a busy moment cannot lower it.
    let peak = (0..<5).map { _ in Gemm.measureFMAPeak(variant: .active, seconds: 0.4) }.max()!
    writeJSON(["size": n, "gemm_gflops_1t": gflops, "fma_peak_gflops_1t": peak, "gemm_fraction_of_peak": gflops / peak])

case "variants":
    // The ISA variants worth timing: every supported one but the portable fallback, unless it is the only one.
    let variants = KernelVariant.supported.count > 1 ? KernelVariant.supported.filter { $0 != .portable } : KernelVariant.supported
    for variant in variants { print(variant.rawValue) }

case "layers":
    let model = loadModel()
    let network = try! Network(model: model)
    let session = InferenceSession(network: network, maxBatch: 1, threads: ints("threads", [1])[0])
    let profile = session.profile(repeats: 20)
    for (label, ms) in profile { print(String(format: "%8.3f ms  ", ms) + label) }
    print(String(format: "%8.3f ms  total", profile.map(\.1).reduce(0, +)))

case "train":
    TrainBench.run(options: options, seconds: seconds)
case "train-kernels":
    TrainKernelBench.run(options: options)
case "kernels":
    KernelBench.run(options: options)
case "augmentation":
    AugmentationBench.run()

default:
    fail("unknown command '\(command)'")
}
