import LoupeKernels
import LoupeModel

/// A model compiled for inference: fused steps with packed weights and a buffer plan.
/// Immutable and shareable; run it through an ``InferenceSession``.
public final class Network: @unchecked Sendable {
    public let model: Model
    let steps: [NetworkStep]
    /// Element count of every value (value 0 is the input).
    let valueSizes: [Int]
    let outputValue: Int
    /// `bufferOf[v]`: which arena buffer holds value `v` (value 0 reads the caller's input).
    let bufferOf: [Int]
    /// Size in floats of each arena buffer.
    let bufferSizes: [Int]

    public var inputCount: Int { valueSizes[0] }
    public var outputCount: Int { valueSizes[outputValue] }
    /// One line per fused step, e.g. "conv 3x3/s1 p1 g1: 16x150x150 -> 16x150x150 +relu".
    public var stepDescriptions: [String] { steps.map(\.label) }

    /// Compiles `model`: folds batch-norm, fuses ReLU and residual adds, packs weights and
    /// plans activation buffers so that inference never allocates.
    public init(model: Model) throws {
        self.model = model
        let compiled = try NetworkCompiler.compile(model)
        steps = compiled.steps
        valueSizes = compiled.valueSizes
        outputValue = compiled.output
        (bufferOf, bufferSizes) = Self.planBuffers(steps: steps, valueSizes: valueSizes, output: compiled.output)
    }

    /// Greedy liveness-based buffer reuse: a step's output takes a free buffer (the one
    /// whose size fits best), then buffers of values read for the last time are freed.
    /// The output of a step therefore never shares memory with its inputs.
    private static func planBuffers(steps: [NetworkStep], valueSizes: [Int], output: Int) -> ([Int], [Int]) {
        var lastUse = [Int](repeating: -1, count: valueSizes.count)
        for (i, step) in steps.enumerated() { for v in step.inputs { lastUse[v] = i } }
        lastUse[output] = steps.count
        var bufferOf = [Int](repeating: -1, count: valueSizes.count)
        var sizes: [Int] = []
        var free: [Int] = []
        for (i, step) in steps.enumerated() {
            let need = valueSizes[step.output]
            let pick = free.filter { sizes[$0] >= need }.min { sizes[$0] < sizes[$1] } ?? free.max { sizes[$0] < sizes[$1] }
            if let b = pick {
                free.removeAll { $0 == b }
                sizes[b] = max(sizes[b], need)
                bufferOf[step.output] = b
            } else {
                sizes.append(need)
                bufferOf[step.output] = sizes.count - 1
            }
            for v in Set(step.inputs) where v != 0 && lastUse[v] == i { free.append(bufferOf[v]) }
        }
        return (bufferOf, sizes)
    }
}
