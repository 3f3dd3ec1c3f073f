import Foundation
import LoupeDataset
import LoupeModel
import LoupeSynth
@testable import LoupeTraining

/// Synthetic EL cells on disk (good/ and defective/ folders) and a tiny CNN, for trainer tests.
enum TrainerFixture {
    /// A small conv net for `size`² gray images: four stride-2 conv+BN+ReLU (16/32/64/64), GAP, dense (~60 k parameters).
    static func tinySpec(size: Int, classes: [String] = ["good", "defective"]) -> ModelSpec {
        var layers: [LayerSpec] = []
        for (i, c) in [16, 32, 64, 64].enumerated() {
            layers.append(LayerSpec(name: "c\(i)", op: .conv, outChannels: c, kernel: 3, stride: 2, padding: 1, bias: false))
            layers.append(LayerSpec(name: "c\(i).bn", op: .batchnorm, epsilon: 1e-5))
            layers.append(LayerSpec(name: "c\(i).relu", op: .relu))
        }
        layers.append(LayerSpec(name: "pool", op: .globalavgpool))
        layers.append(LayerSpec(name: "fc", op: .dense, bias: true, outFeatures: classes.count))
        layers.append(LayerSpec(name: "prob", op: .softmax))
        return ModelSpec(name: "tiny", input: InputSpec(channels: 1, height: size, width: size, mean: [0.5], std: [0.25]),
                         classes: classes, layers: layers)
    }

    /// Writes `count` synthetic cells of `size` px into `dir/good` and `dir/defective`.
    static func writeCells(count: Int, seed: UInt64, size: Int, to dir: String) throws {
        var synth = SynthDataset(count: count, seed: seed)
        synth.size = size
        synth.layout = .byClass
        synth.defectiveFraction = 0.5
        synth.faintFraction = 0
        synth.compressionLevel = 1
        // Mono cells only: at 64 px a 1-px crack on poly texture is beyond a net this small.
        synth.monoFraction = 1
        synth.benignFeatureRate = 0
        _ = try synth.write(to: dir)
        // Train from the class folders, not from the ELPV-style probability labels beside them.
        try FileManager.default.removeItem(atPath: dir + "/labels.csv")
    }

    static func fastOptions(epochs: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batch = 16
        o.learningRate = 0.003
        o.schedule = .oneCycle
        o.validationFraction = 0
        o.threads = 2
        o.seed = 42
        return o
    }
}
