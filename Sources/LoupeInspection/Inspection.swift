/// The outcome of inspecting one image: what a station reports and acts on.
public struct Inspection: Codable, Sendable {
    public enum Verdict: String, Codable, Sendable {
        /// The part is good: let it pass.
        case pass
        /// The part is (or may be) defective: reject it.
        case reject
    }

    /// File path or frame name the verdict is about.
    public var source: String
    public var verdict: Verdict
    /// Probability mass on the model's defect classes, in [0, 1].
    public var defectScore: Float
    /// The model's threshold: reject when `defectScore > threshold`.
    public var threshold: Float
    /// Most probable class and its probability.
    public var className: String
    public var classIndex: Int
    public var probabilities: [Float]
    /// Time per stage in milliseconds.
    public var timings: Timings

    public struct Timings: Codable, Sendable {
        public var decodeMs: Double
        public var preprocessMs: Double
        public var inferenceMs: Double
        public var totalMs: Double { decodeMs + preprocessMs + inferenceMs }
    }
}
