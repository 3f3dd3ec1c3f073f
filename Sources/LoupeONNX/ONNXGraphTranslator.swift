import LoupeModel

/// Turns an ONNX graph, node by node in its (topological) order, into Loupe layers and
/// their weights in ``ModelGraph`` order. One switch over operator names; adding an
/// operator means one case here and one entry in ``ONNXImporter/supportedOperators``.
struct ONNXGraphTranslator {
    /// An ONNX activation as Loupe sees it: which layer produces it and its per-sample shape
    /// (`[C, H, W]` or `[F]`).
    struct Value {
        var layer: String
        var shape: [Int]
        /// Output of GlobalAveragePool: `[N, C, 1, 1]` in ONNX, `[C]` in Loupe, so a
        /// following Flatten (or Reshape to 2-D) is a no-op.
        var pooledVector = false
    }

    let path: String
    let opset: Int
    private(set) var layers: [LayerSpec] = []
    private(set) var layerWeights: [[Float]] = []
    private var constants: [String: Onnx_TensorProto]
    private var values: [String: Value]
    /// How many nodes (plus graph outputs) read each value.
    private let consumers: [String: Int]
    private var usedNames: Set<String> = [ModelGraph.inputName]

    init(graph: Onnx_GraphProto, input: String, inputShape: [Int], opset: Int, path: String) {
        self.path = path
        self.opset = opset
        constants = Dictionary(graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        values = [input: Value(layer: ModelGraph.inputName, shape: inputShape)]
        var counts: [String: Int] = [:]
        for node in graph.node { for name in node.input where !name.isEmpty { counts[name, default: 0] += 1 } }
        for output in graph.output { counts[output.name, default: 0] += 1 }
        consumers = counts
    }

    /// The Loupe value behind ONNX value `name`, if an activation.
    func value(named name: String) -> Value? { values[name] }

    /// Translates one node.
    /// - Throws: ``ONNXImportError`` naming the node for anything Loupe cannot express.
    mutating func translate(_ node: Onnx_NodeProto, index: Int) throws {
        let display = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
        let attrs = ONNXAttributes(node, displayName: display, path: path)
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw ONNXImportError.unsupportedOperator(path: path, node: display, op: "\(node.domain).\(node.opType)")
        }
        guard !node.output.isEmpty else { throw attrs.unsupported("the node has no output") }
        let name = uniqueName(node, index: index)
        switch node.opType {
        case "Conv":
            let x = try activation(node, 0, attrs, rank: 3)
            let w = try constant(node, 1, attrs)
            let wDims = ONNXTensorDecoding.dims(w)
            let groups = attrs.int("group", default: 1)
            guard wDims.count == 4, wDims[2] == wDims[3] else { throw attrs.unsupported("weight dims \(wDims); Loupe needs [M, C/group, k, k]") }
            guard wDims[1] * groups == x.shape[0] else {
                throw attrs.unsupported("weight dims \(wDims) with group \(groups) do not match \(x.shape[0]) input channels")
            }
            let k = try attrs.square("kernel_shape", default: wDims[2])
            guard k == wDims[2] else { throw attrs.unsupported("kernel_shape \(k) does not match weight dims \(wDims)") }
            let stride = try attrs.square("strides", default: 1)
            let pad = try attrs.symmetricPadding()
            try attrs.requireNoDilation()
            var weights = try ONNXTensorDecoding.floats(w, path: path)
            let hasBias = node.input.count > 2 && !node.input[2].isEmpty
            if hasBias {
                let b = try ONNXTensorDecoding.floats(try constant(node, 2, attrs), path: path)
                guard b.count == wDims[0] else { throw attrs.unsupported("bias has \(b.count) values for \(wDims[0]) output channels") }
                weights += b
            }
            try append(LayerSpec(name: name, op: .conv, outChannels: wDims[0], kernel: k, stride: stride, padding: pad,
                                 groups: groups == 1 ? nil : groups, bias: hasBias),
                       weights: weights, input: x, output: node.output[0])

        case "BatchNormalization":
            let x = try activation(node, 0, attrs)
            if attrs.int("training_mode", default: 0) != 0 { throw attrs.unsupported("training_mode = 1; export the model in eval() mode") }
            if attrs.int("spatial", default: 1) != 1 { throw attrs.unsupported("spatial = 0 is not supported") }
            try requireUnused(node, from: 1, attrs)
            var weights: [Float] = []
            for i in 1...4 {
                let t = try ONNXTensorDecoding.floats(try constant(node, i, attrs), path: path)
                guard t.count == x.shape[0] else { throw attrs.unsupported("'\(node.input[i])' has \(t.count) values for \(x.shape[0]) channels") }
                weights += t
            }
            let layer = LayerSpec(name: name, op: .batchnorm, epsilon: attrs.float("epsilon", default: 1e-5))
            try append(layer, weights: weights, input: x, output: node.output[0], pooledVector: x.pooledVector)

        case "Relu":
            let x = try activation(node, 0, attrs)
            try append(LayerSpec(name: name, op: .relu), weights: [], input: x, output: node.output[0], pooledVector: x.pooledVector)

        case "MaxPool", "AveragePool":
            let x = try activation(node, 0, attrs, rank: 3)
            if node.opType == "MaxPool" { try requireUnused(node, from: 1, attrs) }
            let k = try attrs.square("kernel_shape")
            let stride = try attrs.square("strides", default: 1)
            let pad = try attrs.symmetricPadding()
            try attrs.requireNoDilation()
            let isMax = node.opType == "MaxPool"
            let layer = LayerSpec(name: name, op: isMax ? .maxpool : .avgpool, kernel: k, stride: stride, padding: pad,
                                  countIncludePad: isMax ? nil : attrs.int("count_include_pad", default: 0) != 0)
            let floorSize = Array(try resolved(layer, input: x).outputShape.dropFirst())
            if attrs.int("ceil_mode", default: 0) != 0 {
                let ceilSize = [1, 2].map { (x.shape[$0] + 2 * pad - k + stride - 1) / stride + 1 }
                guard ceilSize == floorSize else {
                    throw attrs.unsupported("ceil_mode = 1 gives \(ceilSize) here, Loupe rounds down to \(floorSize); export with ceil_mode=False")
                }
            }
            try append(layer, weights: [], input: x, output: node.output[0])

        case "GlobalAveragePool":
            let x = try activation(node, 0, attrs, rank: 3)
            try append(LayerSpec(name: name, op: .globalavgpool), weights: [], input: x, output: node.output[0], pooledVector: true)

        case "Flatten":
            let x = try activation(node, 0, attrs)
            let rank = x.pooledVector ? 4 : x.shape.count + 1
            let axis = attrs.int("axis", default: 1)
            guard (axis < 0 ? axis + rank : axis) == 1 else { throw attrs.unsupported("axis = \(axis); Loupe flattens everything but the batch (axis 1)") }
            try flatten(x, name: name, output: node.output[0])

        case "Reshape":
            let x = try activation(node, 0, attrs)
            let target = try ONNXTensorDecoding.int64s(try constant(node, 1, attrs), path: path).map { Int($0) }
            let features = x.shape.reduce(1, *)
            guard target.count == 2, target[0] == 0 || target[0] == -1, target[1] == -1 || target[1] == features, target != [-1, -1] else {
                throw attrs.unsupported("reshape to \(target); Loupe imports Reshape only as a flatten to [N, \(features)] (use torch.flatten(x, 1))")
            }
            try flatten(x, name: name, output: node.output[0])

        case "Gemm":
            let x = try activation(node, 0, attrs, rank: 1)
            guard attrs.int("transA", default: 0) == 0 else { throw attrs.unsupported("transA = 1 is not supported") }
            guard attrs.float("alpha", default: 1) == 1, attrs.float("beta", default: 1) == 1 else {
                throw attrs.unsupported("alpha = \(attrs.float("alpha", default: 1)), beta = \(attrs.float("beta", default: 1)); Loupe imports alpha = beta = 1 only")
            }
            let b = try constant(node, 1, attrs)
            let bDims = ONNXTensorDecoding.dims(b)
            guard bDims.count == 2 else { throw attrs.unsupported("B has dims \(bDims), expected 2-D") }
            let transB = attrs.int("transB", default: 0) != 0
            let (outFeatures, inFeatures) = transB ? (bDims[0], bDims[1]) : (bDims[1], bDims[0])
            guard inFeatures == x.shape[0] else { throw attrs.unsupported("B has dims \(bDims) (transB = \(transB ? 1 : 0)) but the input has \(x.shape[0]) features") }
            let raw = try ONNXTensorDecoding.floats(b, path: path)
            var weights = transB ? raw : Self.transposed(raw, rows: inFeatures, columns: outFeatures)
            let hasBias = node.input.count > 2 && !node.input[2].isEmpty
            if hasBias { weights += try bias(node, 2, count: outFeatures, attrs) }
            try append(LayerSpec(name: name, op: .dense, bias: hasBias, outFeatures: outFeatures), weights: weights, input: x,
                   output: node.output[0])

        case "MatMul":
            let x = try activation(node, 0, attrs, rank: 1)
            let b = try constant(node, 1, attrs)
            let bDims = ONNXTensorDecoding.dims(b)
            guard bDims.count == 2, bDims[0] == x.shape[0] else {
                throw attrs.unsupported("B has dims \(bDims); Loupe needs [\(x.shape[0]), out] for a \(x.shape[0])-feature input")
            }
            let weights = Self.transposed(try ONNXTensorDecoding.floats(b, path: path), rows: bDims[0], columns: bDims[1])
            try append(LayerSpec(name: name, op: .dense, bias: false, outFeatures: bDims[1]), weights: weights, input: x,
                   output: node.output[0])

        case "Add":
            guard node.input.count == 2 else { throw attrs.unsupported("Add needs two inputs") }
            if constants[node.input[0]] != nil || constants[node.input[1]] != nil {
                try foldBias(node, attrs)
                return
            }
            let a = try activation(node, 0, attrs), b = try activation(node, 1, attrs)
            guard a.shape == b.shape, a.pooledVector == b.pooledVector else {
                throw attrs.unsupported("adds shapes \(a.shape) and \(b.shape); Loupe adds equal shapes only (no broadcasting)")
            }
            var layer = LayerSpec(name: name, op: .add)
            layer.inputs = [a.layer, b.layer]
            layers.append(layer)
            layerWeights.append([])
            values[node.output[0]] = Value(layer: name, shape: a.shape, pooledVector: a.pooledVector)

        case "Softmax":
            let x = try activation(node, 0, attrs, rank: 1)
            guard !x.pooledVector else { throw attrs.unsupported("Softmax directly on GlobalAveragePool output [N, C, 1, 1]; flatten first") }
            let axis = attrs.int("axis", default: opset >= 13 ? -1 : 1)
            guard axis == 1 || axis == -1 else { throw attrs.unsupported("axis = \(axis); Loupe applies softmax over the last axis of [N, classes]") }
            try append(LayerSpec(name: name, op: .softmax), weights: [], input: x, output: node.output[0])

        case "Identity", "Dropout":
            let x = try activation(node, 0, attrs)
            try requireUnused(node, from: 1, attrs)
            values[node.output[0]] = x

        case "Constant":
            guard var t = attrs.tensor("value") else { throw attrs.unsupported("only Constant with a 'value' tensor is supported") }
            t.name = node.output[0]
            constants[node.output[0]] = t

        default:
            throw ONNXImportError.unsupportedOperator(path: path, node: display, op: node.opType)
        }
    }

    /// Appends a softmax layer after the last one (Loupe models output probabilities).
    mutating func appendSoftmax() {
        var name = "softmax"
        var n = 2
        while usedNames.contains(name) { name = "softmax_\(n)"; n += 1 }
        usedNames.insert(name)
        layers.append(LayerSpec(name: name, op: .softmax))
        layerWeights.append([])
    }

    // MARK: - Helpers

    /// Maps `Flatten`/`Reshape`-to-2-D: a no-op on vectors, a flatten layer on feature maps.
    private mutating func flatten(_ x: Value, name: String, output: String) throws {
        if x.shape.count == 1 {
            values[output] = Value(layer: x.layer, shape: x.shape)
        } else {
            try append(LayerSpec(name: name, op: .flatten), weights: [], input: x, output: output)
        }
    }

    /// `Add(MatMul(x, W), b)` with constant `b`: becomes the bias of the dense layer MatMul made.
    private mutating func foldBias(_ node: Onnx_NodeProto, _ attrs: ONNXAttributes) throws {
        let constantIndex = constants[node.input[1]] != nil ? 1 : 0
        let x = try activation(node, 1 - constantIndex, attrs)
        guard let last = layers.indices.last, layers[last].name == x.layer, layers[last].layerOp == .dense, layers[last].bias == false,
              consumers[node.input[1 - constantIndex]] == 1 else {
            throw attrs.unsupported("Add of a constant is imported only as the bias of the MatMul right before it")
        }
        let b = try bias(node, constantIndex, count: x.shape[0], attrs)
        layers[last].bias = true
        layerWeights[last] += b
        values[node.output[0]] = x
    }

    /// A bias vector of `count` values (dims `[count]`, `[1, count]`, or one value broadcast).
    private func bias(_ node: Onnx_NodeProto, _ i: Int, count: Int, _ attrs: ONNXAttributes) throws -> [Float] {
        let values = try ONNXTensorDecoding.floats(try constant(node, i, attrs), path: path)
        if values.count == 1 { return Array(repeating: values[0], count: count) }
        guard values.count == count else { throw attrs.unsupported("bias '\(node.input[i])' has \(values.count) values for \(count) outputs") }
        return values
    }

    /// Adds `layer` reading `input`; its output shape is the one Loupe's model validation resolves.
    private mutating func append(_ layer: LayerSpec, weights: [Float], input: Value, output: String, pooledVector: Bool = false) throws {
        let shape = try resolved(layer, input: input).outputShape
        var layer = layer
        let previous = layers.last?.name ?? ModelGraph.inputName
        if input.layer != previous { layer.inputs = [input.layer] }
        layers.append(layer)
        layerWeights.append(weights)
        values[output] = Value(layer: layer.name, shape: shape, pooledVector: pooledVector)
    }

    /// `layer` resolved by ``ModelGraph/resolve(_:inputShapes:)``: the same defaults and geometry
    /// the model will be validated and run with.
    private func resolved(_ layer: LayerSpec, input: Value) throws -> (operation: ModelGraph.Operation, outputShape: [Int]) {
        do {
            let r = try ModelGraph.resolve(layer, inputShapes: [input.shape])
            return (r.operation, r.outputShape)
        } catch let error as ModelError {
            throw ONNXImportError.invalidModel(path: path, error: error)
        }
    }

    /// Input `i` of `node` as an activation, optionally checking its per-sample rank.
    private func activation(_ node: Onnx_NodeProto, _ i: Int, _ attrs: ONNXAttributes, rank: Int? = nil) throws -> Value {
        guard i < node.input.count, !node.input[i].isEmpty else { throw attrs.unsupported("input \(i) is missing") }
        let name = node.input[i]
        guard let v = values[name] else {
            if constants[name] != nil { throw attrs.unsupported("input '\(name)' is a constant; Loupe needs an activation there") }
            throw ONNXImportError.unsupportedGraph(path: path, node: attrs.node, reason: "reads '\(name)', which no earlier node produces")
        }
        if let rank, v.shape.count != rank {
            let onnxShape = v.pooledVector ? "[N, \(v.shape[0]), 1, 1]" : "[N, \(v.shape.map(String.init).joined(separator: ", "))]"
            throw attrs.unsupported("input '\(name)' has shape \(onnxShape); expected a \(rank == 3 ? "[N, C, H, W] feature map" : "[N, features] matrix (add Flatten)")")
        }
        return v
    }

    /// Input `i` of `node` as a constant tensor.
    private func constant(_ node: Onnx_NodeProto, _ i: Int, _ attrs: ONNXAttributes) throws -> Onnx_TensorProto {
        guard i < node.input.count, !node.input[i].isEmpty else { throw attrs.unsupported("input \(i) is missing") }
        guard let t = constants[node.input[i]] else {
            throw ONNXImportError.missingInitializer(path: path, node: attrs.node, tensor: node.input[i])
        }
        return t
    }

    /// Optional outputs from `index` on (BN statistics, MaxPool indices, Dropout mask) must be unused.
    private func requireUnused(_ node: Onnx_NodeProto, from index: Int, _ attrs: ONNXAttributes) throws {
        for name in node.output.dropFirst(index) where !name.isEmpty && (consumers[name] ?? 0) > 0 {
            throw attrs.unsupported("its output '\(name)' is used; Loupe imports only the first output")
        }
    }

    /// A layer name from the node name (`/layer1/conv/Conv` → `layer1.conv.Conv`), or
    /// `conv3` for unnamed nodes; made unique.
    private mutating func uniqueName(_ node: Onnx_NodeProto, index: Int) -> String {
        var base = String(node.name.map { c -> Character in
            if c == "/" || c == ":" { return "." }
            return c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-") ? c : "_"
        })
        while base.hasPrefix(".") { base.removeFirst() }
        while base.hasSuffix(".") { base.removeLast() }
        if base.isEmpty { base = "\(node.opType.lowercased())\(index)" }
        var name = base
        var n = 2
        while usedNames.contains(name) { name = "\(base)_\(n)"; n += 1 }
        usedNames.insert(name)
        return name
    }

    /// `[rows, columns]` row-major → `[columns, rows]` row-major.
    static func transposed(_ m: [Float], rows: Int, columns: Int) -> [Float] {
        var t = [Float](repeating: 0, count: m.count)
        for r in 0..<rows { for c in 0..<columns { t[c * rows + r] = m[r * columns + c] } }
        return t
    }
}
