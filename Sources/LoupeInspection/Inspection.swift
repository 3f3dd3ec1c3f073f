/// The outcome of inspecting one image: what a station reports and acts on.
public struct Inspection: Codable, Sendable {
    public enum Verdict: String, Codable, Sendable {
        /// The part is good: let it pass.
        case pass
        /// The part is (or may be) defective: reject it.
        case reject
    }

    /// What the network and the model's ``LoupeModel/VerdictRule`` decided about one part, with
    /// nothing allocated: the station's per-part result. The class probabilities behind it stay
    /// readable in ``Inspector/probabilities`` until the inspector's next call.
    public struct Decision: Sendable, Equatable {
        public var verdict: Verdict
        /// Probability mass on the model's defect classes, in [0, 1].
        public var defectScore: Float
        /// The threshold applied: reject when `defectScore > threshold`.
        public var threshold: Float
        /// Index of the most probable class.
        public var classIndex: Int
        public var timings: Timings
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

    public struct Timings: Codable, Sendable, Equatable {
        /// Reading and decoding the file (0 for a decoded image or a frame).
        public var decodeMs: Double
        /// Conversion to the network input (colour, region, resize, normalisation).
        public var preprocessMs: Double
        public var inferenceMs: Double
        public var totalMs: Double { decodeMs + preprocessMs + inferenceMs }
    }
}
