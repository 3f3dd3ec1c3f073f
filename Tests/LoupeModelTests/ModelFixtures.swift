import Foundation
import LoupeModel

/// A small valid model and a scratch directory for each test.
enum ModelFixtures {
    static func tinySpec() -> ModelSpec {
        ModelSpec(name: "tiny", input: InputSpec(channels: 1, height: 8, width: 8), classes: ["good", "defective"], layers: [
            LayerSpec(name: "c1", op: .conv, outChannels: 4, kernel: 3, stride: 1, padding: 1),
            LayerSpec(name: "bn1", op: .batchnorm),
            LayerSpec(name: "r1", op: .relu),
            LayerSpec(name: "gap", op: .globalavgpool),
            LayerSpec(name: "fc", op: .dense, outFeatures: 2),
            LayerSpec(name: "prob", op: .softmax),
        ])
    }

    static func tinyModel() throws -> Model {
        let spec = tinySpec()
        return try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 1, randomStatistics: true))
    }

    static func scratchDirectory(_ name: String = #function) -> String {
        let dir = NSTemporaryDirectory() + "loupe-model-tests-\(getpid())-\(name.filter(\.isLetter))"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
