import LoupeTensor

/// Architectures Loupe ships, built in code so their weights can be (re)generated
/// deterministically from a seed.
public enum ReferenceArchitectures {
    /// "ElpvNet-ref": the side-by-side benchmark network (see `Models/ElpvNet-ref/README.md`).
    ///
    /// Input 1x300x300. Stem conv3x3/s2 -> 16 (150²); stages of [conv3x3 + BN + ReLU] x 2 with
    /// 16/32/64/128 channels at 150/75/38/19 px, stride 2 in the first conv of stages 2–4 (the stem
    /// stage has two more 16-channel convs: 9 convs); global average pool; dense -> 2.
    /// 296,306 trainable parameters (plus BN running statistics), 0.689 GFLOP per image.
    public static func elpvNetRefSpec(size: Int = 300) -> ModelSpec {
        var layers: [LayerSpec] = []
        func convBNReLU(_ name: String, _ cout: Int, stride: Int) {
            layers.append(LayerSpec(name: name, op: .conv, outChannels: cout, kernel: 3, stride: stride, padding: 1, bias: false))
            layers.append(LayerSpec(name: name + ".bn", op: .batchnorm, epsilon: 1e-5))
            layers.append(LayerSpec(name: name + ".relu", op: .relu))
        }
        convBNReLU("stem", 16, stride: 2)
        convBNReLU("stage1.conv1", 16, stride: 1)
        convBNReLU("stage1.conv2", 16, stride: 1)
        for (i, c) in [32, 64, 128].enumerated() {
            convBNReLU("stage\(i + 2).conv1", c, stride: 2)
            convBNReLU("stage\(i + 2).conv2", c, stride: 1)
        }
        layers.append(LayerSpec(name: "pool", op: .globalavgpool))
        layers.append(LayerSpec(name: "fc", op: .dense, bias: true, outFeatures: 2))
        layers.append(LayerSpec(name: "prob", op: .softmax))
        return ModelSpec(
            name: "ElpvNet-ref",
            description: "Reference CNN for ELPV-sized solar-cell images; used to compare engines side by side.",
            input: InputSpec(channels: 1, height: size, width: size, mean: [0.5], std: [0.25]),
            classes: ["good", "defective"], threshold: 0.5, layers: layers)
    }

    /// Deterministic initial weights for `spec`: He-normal conv/dense weights, and (with
    /// `randomStatistics`) non-trivial BN parameters and running statistics, so that a model
    /// made this way exercises BN folding in tests and benchmarks.
    public static func initialWeights(for spec: ModelSpec, seed: UInt64, randomStatistics: Bool) throws -> [Float] {
        let graph = try ModelGraph(spec)
        var rng = SplitMix64(seed: seed)
        var weights = [Float](repeating: 0, count: graph.parameterCount)
        for layer in graph.layers {
            for p in layer.parameters {
                let fanIn = p.shape.dropFirst().reduce(1, *)
                for i in 0..<p.count {
                    let v: Float
                    switch p.name {
                    case "weight": v = rng.normal() * (2 / Float(max(fanIn, 1))).squareRoot()
                    case "gamma": v = randomStatistics ? 0.5 + rng.uniform() : 1
                    case "beta", "mean": v = randomStatistics ? 0.2 * (rng.uniform() - 0.5) : 0
                    case "var": v = randomStatistics ? 0.5 + 1.5 * rng.uniform() : 1
                    default: v = 0 // biases
                    }
                    weights[p.offset + i] = v
                }
            }
        }
        return weights
    }
}
