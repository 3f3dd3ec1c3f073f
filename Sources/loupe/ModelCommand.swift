import ArgumentParser
import Foundation
import LoupeInference
import LoupeModel
import LoupeTensor

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect, validate or create model directories (see Models/FORMAT.md).",
        subcommands: [Info.self, Create.self]
    )

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a model and show its layers, parameters, FLOPs and checksum.")

        @Argument(help: "Model directory or model.json path.")
        var path: String

        func run() throws {
            let model = try Model.load(from: path)
            let network = try Network(model: model)
            let spec = model.spec
            print("\(spec.name) (format \(spec.format) v\(spec.version))\(spec.description.map { ": \($0)" } ?? "")")
            print("input    \(spec.input.channels)x\(spec.input.height)x\(spec.input.width), mean \(spec.input.mean), std \(spec.input.std)")
            print("classes  \(spec.classes.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: " ")); defect classes \(spec.effectiveDefectClasses); threshold \(spec.threshold)")
            print("weights  \(model.weights.count) floats, sha256 \(model.weightsSHA256)")
            print("\nlayers (as written):")
            for layer in model.graph.layers {
                let params = layer.parameters.map { "\($0.name)\($0.shape)" }.joined(separator: " ")
                print("  \(layer.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(layer.op.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) -> \(layer.outputShape)  \(params)")
            }
            print("\ncompiled for inference (\(network.stepDescriptions.count) steps after folding and fusion):")
            for step in network.stepDescriptions { print("  \(step)") }
            let flops = model.graph.layers.reduce(0) { sum, l in
                guard l.op == .conv || l.op == .dense, let w = l.parameter("weight") else { return sum }
                let spatial = l.op == .conv ? l.outputShape[1] * l.outputShape[2] : 1
                return sum + 2 * w.count * spatial
            }
            print("\n\(String(format: "%.3f", Double(flops) / 1e9)) GFLOP per image (multiply-adds x 2, convolutions and dense layers)")
            print("runs on  \(CPUDescription.current.summary), kernel variant \(KernelVariant.active)"
                  + (ProcessInfo.processInfo.environment["LOUPE_KERNELS"].map { $0.isEmpty ? "" : " (forced by LOUPE_KERNELS)" } ?? ""))
            if let meta = spec.metadata, !meta.isEmpty {
                print("metadata:")
                for (k, v) in meta.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
            }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a built-in architecture with seeded initial weights (untrained).",
            discussion: "Architectures: elpvnet-ref (the benchmark reference network, 1x300x300 -> good/defective)."
        )

        @Argument(help: "Architecture name.")
        var architecture: String

        @Option(name: .shortAndLong, help: "Output directory.")
        var out: String

        @Option(help: "Seed for the initial weights.")
        var seed: UInt64 = 2024

        @Option(help: "Input size (square).")
        var size: Int = 300

        func run() throws {
            guard architecture.lowercased() == "elpvnet-ref" else {
                throw ValidationError("unknown architecture '\(architecture)'; available: elpvnet-ref")
            }
            var spec = ReferenceArchitectures.elpvNetRefSpec(size: size)
            spec.metadata = ["weights": "untrained: seeded initialisation (seed \(seed)) with random batch-norm statistics, for benchmarks"]
            let model = try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: seed, randomStatistics: true))
            let written = try model.write(to: out)
            print("wrote \(out)/model.json and \(out)/\(written.weights.file) (\(model.weights.count) floats, sha256 \(written.weights.sha256))")
        }
    }
}
