import LoupeTensor

extension ModelGraph {
    /// What one layer computes, with every default of its ``LayerSpec`` filled in and its
    /// geometry worked out once. Inference, the scalar reference, training, the ONNX importer,
    /// benchmarks and tests all read this, never the spec's optionals, so they cannot disagree
    /// on a default.
    public enum Operation: Equatable, Sendable {
        /// `bias`: whether a bias vector is stored (default: no).
        case conv(ConvGeometry, bias: Bool)
        /// Per-channel normalisation over `spatial` values per channel (1 for a vector); epsilon default 1e-5.
        case batchNorm(channels: Int, spatial: Int, epsilon: Float)
        case relu(count: Int)
        /// Stride defaults to the kernel, padding to 0.
        case maxPool(PoolGeometry)
        /// `countIncludePad` defaults to false (padding is not counted in the average).
        case avgPool(PoolGeometry, countIncludePad: Bool)
        case globalAvgPool(channels: Int, spatial: Int)
        case flatten(count: Int)
        /// `bias` defaults to true.
        case dense(inFeatures: Int, outFeatures: Int, bias: Bool)
        case softmax(width: Int)
        case add(count: Int)
    }

    /// One validated layer: its operation, where its inputs come from, its shapes, its
    /// parameters in the flat weights vector and who reads its output.
    public struct Layer: Equatable, Sendable {
        public var name: String
        public var op: LayerOp
        public var operation: Operation
        /// Names of the values read ("input" is the network input).
        public var inputs: [String]
        public var inputShapes: [[Int]]
        /// `[C, H, W]` for feature maps, `[F]` for vectors.
        public var outputShape: [Int]
        public var parameters: [Parameter]
        /// Indices of the later layers that read this layer's output (a layer reading it twice
        /// is listed twice).
        public var readers: [Int] = []
        /// Whether this is the network output (read by the caller).
        public var isOutput = false

        public func parameter(_ name: String) -> Parameter? { parameters.first { $0.name == name } }

        /// Elements of one image's output.
        public var outputCount: Int { outputShape.reduce(1, *) }
        /// Elements of one image's first input.
        public var inputCount: Int { inputShapes[0].reduce(1, *) }
        /// How many places read the output: the later layers plus the caller for the output.
        public var useCount: Int { readers.count + (isOutput ? 1 : 0) }

        /// The convolution geometry, for a conv layer.
        public var convGeometry: ConvGeometry? {
            if case let .conv(g, _) = operation { return g }
            return nil
        }

        /// The pooling window, for max- and average-pool layers.
        public var poolGeometry: PoolGeometry? {
            switch operation {
            case let .maxPool(g), let .avgPool(g, _): return g
            default: return nil
            }
        }
    }

    /// Resolves one layer spec against the shapes of its inputs: fills in the defaults, checks
    /// them, and works out the output shape and the parameter tensors it stores.
    /// - Throws: ``ModelError`` naming the layer and what is wrong.
    public static func resolve(_ s: LayerSpec, inputShapes inputs: [[Int]]) throws -> (operation: Operation, outputShape: [Int],
                                                                                     parameters: [(name: String, shape: [Int])]) {
        guard let op = s.layerOp else { throw ModelError.unknownOperator(layer: s.name, op: s.op) }
        let arity = op == .add ? 2 : 1
        guard inputs.count == arity else {
            throw ModelError.invalidLayer(layer: s.name, reason: "\(op.rawValue) takes \(arity) input(s), got \(inputs.count)")
        }
        let x = inputs[0], count = x.reduce(1, *)
        func fail(_ reason: String) -> ModelError { .shapeMismatch(layer: s.name, reason: reason) }
        func need(_ value: Int?, _ field: String, min: Int = 1) throws -> Int {
            guard let value else { throw ModelError.invalidLayer(layer: s.name, reason: "\(op.rawValue) needs '\(field)'") }
            guard value >= min else { throw ModelError.invalidLayer(layer: s.name, reason: "'\(field)' must be >= \(min), got \(value)") }
            return value
        }
        switch op {
        case .conv:
            guard x.count == 3 else { throw fail("conv needs a [C, H, W] input, got \(x)") }
            let cout = try need(s.outChannels, "outChannels"), k = try need(s.kernel, "kernel")
            let stride = try need(s.stride ?? 1, "stride"), pad = try need(s.padding ?? 0, "padding", min: 0)
            let groups = try need(s.groups ?? 1, "groups")
            guard x[0] % groups == 0, cout % groups == 0 else {
                throw fail("groups=\(groups) must divide input channels \(x[0]) and outChannels \(cout)")
            }
            guard x[1] + 2 * pad >= k, x[2] + 2 * pad >= k else { throw fail("kernel \(k) with padding \(pad) does not fit input \(x)") }
            let g = ConvGeometry(inChannels: x[0], outChannels: cout, inHeight: x[1], inWidth: x[2], kernel: k, stride: stride,
                                 padding: pad, groups: groups)
            let bias = s.bias ?? false
            var params = [("weight", [cout, g.channelsPerGroup, k, k])]
            if bias { params.append(("bias", [cout])) }
            return (.conv(g, bias: bias), [cout, g.outHeight, g.outWidth], params)
        case .batchnorm:
            guard x.count == 3 || x.count == 1 else { throw fail("batchnorm needs [C, H, W] or [C], got \(x)") }
            let epsilon = s.epsilon ?? 1e-5
            guard epsilon > 0, epsilon.isFinite else { throw ModelError.invalidLayer(layer: s.name, reason: "epsilon must be > 0, got \(epsilon)") }
            return (.batchNorm(channels: x[0], spatial: count / x[0], epsilon: epsilon), x, ["gamma", "beta", "mean", "var"].map { ($0, [x[0]]) })
        case .relu:
            return (.relu(count: count), x, [])
        case .softmax:
            guard x.count == 1 else { throw fail("softmax needs a vector, got \(x) (add flatten or globalavgpool first)") }
            return (.softmax(width: x[0]), x, [])
        case .maxpool, .avgpool:
            guard x.count == 3 else { throw fail("\(op.rawValue) needs a [C, H, W] input, got \(x)") }
            let k = try need(s.kernel, "kernel"), stride = try need(s.stride ?? k, "stride"), pad = try need(s.padding ?? 0, "padding", min: 0)
            guard 2 * pad <= k else { throw ModelError.invalidLayer(layer: s.name, reason: "padding \(pad) larger than half the kernel \(k)") }
            guard x[1] + 2 * pad >= k, x[2] + 2 * pad >= k else { throw fail("window \(k) does not fit input \(x)") }
            let g = PoolGeometry(channels: x[0], inHeight: x[1], inWidth: x[2], kernel: k, stride: stride, padding: pad)
            let operation: Operation = op == .maxpool ? .maxPool(g) : .avgPool(g, countIncludePad: s.countIncludePad ?? false)
            return (operation, [x[0], g.outHeight, g.outWidth], [])
        case .globalavgpool:
            guard x.count == 3 else { throw fail("globalavgpool needs a [C, H, W] input, got \(x)") }
            return (.globalAvgPool(channels: x[0], spatial: x[1] * x[2]), [x[0]], [])
        case .flatten:
            return (.flatten(count: count), [count], [])
        case .dense:
            let out = try need(s.outFeatures, "outFeatures")
            let bias = s.bias ?? true
            var params = [("weight", [out, count])]
            if bias { params.append(("bias", [out])) }
            return (.dense(inFeatures: count, outFeatures: out, bias: bias), [out], params)
        case .add:
            guard inputs[0] == inputs[1] else { throw fail("add needs equal shapes, got \(inputs[0]) and \(inputs[1])") }
            return (.add(count: count), x, [])
        }
    }
}
