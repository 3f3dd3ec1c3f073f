/// A model spec with every layer's inputs resolved, its output shape inferred and its
/// parameters laid out in the flat weights vector. Building one is how a spec is validated.
public struct ModelGraph: Equatable, Sendable {
    /// Name of the value holding the network input.
    public static let inputName = "input"

    public struct Parameter: Equatable, Sendable {
        /// "weight", "bias", "gamma", "beta", "mean" or "var".
        public var name: String
        public var shape: [Int]
        /// Offset into the flat weights vector, in floats.
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public struct Layer: Equatable, Sendable {
        public var spec: LayerSpec
        public var op: LayerOp
        public var inputs: [String]
        public var inputShapes: [[Int]]
        /// `[C, H, W]` for feature maps, `[F]` for vectors.
        public var outputShape: [Int]
        public var parameters: [Parameter]

        public func parameter(_ name: String) -> Parameter? { parameters.first { $0.name == name } }
    }

    public var layers: [Layer]
    public var inputShape: [Int]
    public var parameterCount: Int
    public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }

    /// Resolves and validates `spec`.
    /// - Throws: ``ModelError`` naming the first layer that is wrong and why.
    public init(_ spec: ModelSpec) throws {
        let input = spec.input
        guard input.channels > 0, input.height > 0, input.width > 0 else {
            throw ModelError.invalidLayer(layer: Self.inputName, reason: "input must be positive, got \(input.channels)x\(input.height)x\(input.width)")
        }
        guard input.mean.count == input.channels, input.std.count == input.channels, input.std.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ModelError.invalidLayer(layer: Self.inputName, reason: "mean and std need one finite value per channel (\(input.channels)), std > 0")
        }
        guard !spec.layers.isEmpty else { throw ModelError.invalidLayer(layer: spec.name, reason: "the model has no layers") }
        inputShape = [input.channels, input.height, input.width]
        var shapes: [String: [Int]] = [Self.inputName: inputShape]
        var previous = Self.inputName
        var offset = 0
        var resolved: [Layer] = []
        for spec in spec.layers {
            guard let op = spec.layerOp else { throw ModelError.unknownOperator(layer: spec.name, op: spec.op) }
            guard !spec.name.isEmpty, shapes[spec.name] == nil else {
                throw ModelError.invalidLayer(layer: spec.name, reason: "layer names must be unique and not empty (or 'input')")
            }
            let inputs = spec.inputs ?? [previous]
            let inputShapes = try inputs.map { name -> [Int] in
                guard let s = shapes[name] else {
                    throw ModelError.invalidLayer(layer: spec.name, reason: "reads '\(name)', which no earlier layer produces")
                }
                return s
            }
            let arity = op == .add ? 2 : 1
            guard inputs.count == arity else {
                throw ModelError.invalidLayer(layer: spec.name, reason: "\(op.rawValue) takes \(arity) input(s), got \(inputs.count)")
            }
            let (outShape, params) = try Self.infer(spec, op, inputShapes)
            var laid: [Parameter] = []
            for (name, shape) in params {
                laid.append(Parameter(name: name, shape: shape, offset: offset))
                offset += shape.reduce(1, *)
            }
            resolved.append(Layer(spec: spec, op: op, inputs: inputs, inputShapes: inputShapes, outputShape: outShape, parameters: laid))
            shapes[spec.name] = outShape
            previous = spec.name
        }
        layers = resolved
        parameterCount = offset
        guard outputShape == [spec.classes.count] else {
            throw ModelError.shapeMismatch(layer: resolved.last!.spec.name,
                                           reason: "the network ends in \(outputShape) but the spec names \(spec.classes.count) classes")
        }
        if let bad = spec.effectiveDefectClasses.first(where: { !spec.classes.indices.contains($0) }) {
            throw ModelError.invalidLayer(layer: "defectClasses", reason: "index \(bad) is not a class (0..<\(spec.classes.count))")
        }
        guard spec.threshold.isFinite, (0...1).contains(spec.threshold) else {
            throw ModelError.invalidLayer(layer: "threshold", reason: "must be in [0, 1], got \(spec.threshold)")
        }
    }

    private static func infer(_ s: LayerSpec, _ op: LayerOp, _ inputs: [[Int]]) throws -> ([Int], [(String, [Int])]) {
        let x = inputs[0]
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
            let oh = (x[1] + 2 * pad - k) / stride + 1, ow = (x[2] + 2 * pad - k) / stride + 1
            guard x[1] + 2 * pad >= k, x[2] + 2 * pad >= k else { throw fail("kernel \(k) with padding \(pad) does not fit input \(x)") }
            var params = [("weight", [cout, x[0] / groups, k, k])]
            if s.bias ?? false { params.append(("bias", [cout])) }
            return ([cout, oh, ow], params)
        case .batchnorm:
            guard x.count == 3 || x.count == 1 else { throw fail("batchnorm needs [C, H, W] or [C], got \(x)") }
            guard (s.epsilon ?? 1e-5) > 0 else { throw ModelError.invalidLayer(layer: s.name, reason: "epsilon must be > 0") }
            return (x, ["gamma", "beta", "mean", "var"].map { ($0, [x[0]]) })
        case .relu:
            return (x, [])
        case .softmax:
            guard x.count == 1 else { throw fail("softmax needs a vector, got \(x) (add flatten or globalavgpool first)") }
            return (x, [])
        case .maxpool, .avgpool:
            guard x.count == 3 else { throw fail("\(op.rawValue) needs a [C, H, W] input, got \(x)") }
            let k = try need(s.kernel, "kernel"), stride = try need(s.stride ?? k, "stride"), pad = try need(s.padding ?? 0, "padding", min: 0)
            guard 2 * pad <= k else { throw ModelError.invalidLayer(layer: s.name, reason: "padding \(pad) larger than half the kernel \(k)") }
            guard x[1] + 2 * pad >= k, x[2] + 2 * pad >= k else { throw fail("window \(k) does not fit input \(x)") }
            return ([x[0], (x[1] + 2 * pad - k) / stride + 1, (x[2] + 2 * pad - k) / stride + 1], [])
        case .globalavgpool:
            guard x.count == 3 else { throw fail("globalavgpool needs a [C, H, W] input, got \(x)") }
            return ([x[0]], [])
        case .flatten:
            return ([x.reduce(1, *)], [])
        case .dense:
            let inFeatures = x.reduce(1, *)
            let out = try need(s.outFeatures, "outFeatures")
            var params = [("weight", [out, inFeatures])]
            if s.bias ?? true { params.append(("bias", [out])) }
            return ([out], params)
        case .add:
            guard inputs[0] == inputs[1] else { throw fail("add needs equal shapes, got \(inputs[0]) and \(inputs[1])") }
            return (x, [])
        }
    }
}
