/// A model spec resolved: every layer's inputs, defaults, geometry, output shape and readers
/// worked out (``Layer``), its parameters laid out in the flat weights vector. Building one is
/// how a spec is validated; everything that runs a model reads this, not the spec.
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
        var index: [String: Int] = [:]
        for spec in spec.layers {
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
            let (operation, outShape, params) = try Self.resolve(spec, inputShapes: inputShapes)
            var laid: [Parameter] = []
            for (name, shape) in params {
                laid.append(Parameter(name: name, shape: shape, offset: offset))
                offset += shape.reduce(1, *)
            }
            for input in inputs { if let reader = index[input] { resolved[reader].readers.append(resolved.count) } }
            index[spec.name] = resolved.count
            resolved.append(Layer(name: spec.name, op: spec.layerOp!, operation: operation, inputs: inputs, inputShapes: inputShapes,
                                  outputShape: outShape, parameters: laid))
            shapes[spec.name] = outShape
            previous = spec.name
        }
        resolved[resolved.count - 1].isOutput = true
        layers = resolved
        parameterCount = offset
        guard outputShape == [spec.classes.count] else {
            throw ModelError.shapeMismatch(layer: resolved.last!.name,
                                           reason: "the network ends in \(outputShape) but the spec names \(spec.classes.count) classes")
        }
        if let bad = spec.effectiveDefectClasses.first(where: { !spec.classes.indices.contains($0) }) {
            throw ModelError.invalidLayer(layer: "defectClasses", reason: "index \(bad) is not a class (0..<\(spec.classes.count))")
        }
        guard spec.threshold.isFinite, (0...1).contains(spec.threshold) else {
            throw ModelError.invalidLayer(layer: "threshold", reason: "must be in [0, 1], got \(spec.threshold)")
        }
    }
}
