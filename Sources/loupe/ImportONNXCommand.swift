import ArgumentParser
import LoupeInference
import LoupeModel
import LoupeONNX

struct ImportONNXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-onnx",
        abstract: "Convert an ONNX classifier (e.g. exported from PyTorch) into a Loupe model directory.",
        discussion: """
        Supported operators: \(ONNXImporter.supportedOperators.joined(separator: ", ")). \
        Anything else is refused with the operator's name. A softmax is appended when the graph does not end in one. \
        Give --classes in output order; the first class is "good". \
        See the README, section "Bringing a PyTorch model", and docs/onnx.md.
        """
    )

    @Argument(help: "The .onnx file.")
    var onnx: String

    @Option(name: .shortAndLong, help: "Output model directory.")
    var out: String

    @Option(help: "Model name (default: the file name).")
    var name: String?

    @Option(help: "Comma-separated class names in output order, e.g. good,crack,dark.")
    var classes: String?

    @Option(help: "Comma-separated per-channel input mean (images are first scaled to 0...1).")
    var mean: String?

    @Option(help: "Comma-separated per-channel input std.")
    var std: String?

    @Option(help: "Reject threshold on the defect score.")
    var threshold: Float = 0.5

    func run() throws {
        func floats(_ s: String?, _ flag: String) throws -> [Float]? {
            guard let s else { return nil }
            let values = s.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard values.allSatisfy({ $0 != nil }) else { throw ValidationError("\(flag) must be comma-separated numbers, got '\(s)'") }
            return values.map { $0! }
        }
        var model = try ONNXImporter.importModel(contentsOf: onnx, name: name, classes: classes.map { $0.split(separator: ",").map(String.init) },
                                                 mean: try floats(mean, "--mean"), std: try floats(std, "--std"))
        model.spec.threshold = threshold
        model = try Model(spec: model.spec, weights: model.weights)
        _ = try Network(model: model) // prove it compiles before writing
        let written = try model.write(to: out)
        print("imported \(onnx): \(model.graph.layers.count) layers, \(model.weights.count) weights -> \(out) (sha256 \(written.weights.sha256.prefix(16))…)")
    }
}
