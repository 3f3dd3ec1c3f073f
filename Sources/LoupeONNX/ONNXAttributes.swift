/// Typed access to one node's attributes, with the ONNX defaults supplied by the caller and
/// errors that name the file and the node.
struct ONNXAttributes {
    let path: String
    /// The node's name as shown in errors (its ONNX name, or `OpType_index` when it has none).
    let node: String
    let op: String
    private let byName: [String: Onnx_AttributeProto]

    init(_ proto: Onnx_NodeProto, displayName: String, path: String) {
        self.path = path
        node = displayName
        op = proto.opType
        byName = Dictionary(proto.attribute.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    func int(_ name: String, default value: Int) -> Int {
        guard let a = byName[name], a.hasI else { return value }
        return Int(a.i)
    }

    func float(_ name: String, default value: Float) -> Float {
        guard let a = byName[name], a.hasF else { return value }
        return a.f
    }

    func string(_ name: String, default value: String) -> String {
        guard let a = byName[name], a.hasS else { return value }
        return String(decoding: a.s, as: UTF8.self)
    }

    /// An `ints` attribute, or nil when absent.
    func ints(_ name: String) -> [Int]? {
        guard let a = byName[name] else { return nil }
        return a.ints.map { Int($0) }
    }

    /// The tensor of a tensor-valued attribute (Constant's `value`), or nil.
    func tensor(_ name: String) -> Onnx_TensorProto? {
        guard let a = byName[name], a.hasT else { return nil }
        return a.t
    }

    /// An ``ONNXImportError/unsupportedAttribute(path:node:op:reason:)`` for this node.
    func unsupported(_ reason: String) -> ONNXImportError {
        .unsupportedAttribute(path: path, node: node, op: op, reason: reason)
    }

    /// The one spatial size of a square 2-D attribute such as `kernel_shape` or `strides`.
    /// - Throws: if the attribute is not two equal values.
    func square(_ name: String, default value: Int? = nil) throws -> Int {
        guard let v = ints(name) else {
            guard let value else { throw unsupported("'\(name)' is required") }
            return value
        }
        guard v.count == 2 else { throw unsupported("'\(name)' is \(v); Loupe imports 2-D operators only") }
        guard v[0] == v[1] else { throw unsupported("'\(name)' is \(v); Loupe needs the same value for height and width") }
        return v[0]
    }

    /// The one padding of `pads = [top, left, bottom, right]` (after `auto_pad`).
    /// - Throws: for asymmetric padding, different padding per axis, or `auto_pad = SAME_*`.
    func symmetricPadding() throws -> Int {
        let autoPad = string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET": break
        case "VALID": return 0
        default: throw unsupported("auto_pad = \(autoPad) is not supported; export with explicit pads")
        }
        guard let p = ints("pads") else { return 0 }
        guard p.count == 4 else { throw unsupported("pads = \(p); Loupe imports 2-D operators only") }
        guard p[0] == p[2], p[1] == p[3] else {
            throw unsupported("asymmetric padding pads = \(p) (begin ≠ end); Loupe pads both sides equally")
        }
        guard p[0] == p[1] else { throw unsupported("pads = \(p) differ between height and width; Loupe needs one padding") }
        return p[0]
    }

    /// Checks that `dilations`, if present, are all 1.
    func requireNoDilation() throws {
        if let d = ints("dilations"), d.contains(where: { $0 != 1 }) {
            throw unsupported("dilations = \(d); Loupe imports dilation 1 only")
        }
    }
}
