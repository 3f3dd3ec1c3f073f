import LoupeImaging
import LoupeInference
import LoupeModel
import LoupeTensor

/// Turns images and camera frames into verdicts with one model: convert to the network's input
/// (channels, size, normalisation from the model spec), run the network, apply the model's
/// ``VerdictRule``.
///
/// Three ways in:
/// - ``inspect(file:)``: a PNG or JPEG file (`loupe predict`, `loupe eval`);
/// - ``inspect(_:source:)``: an already decoded ``Image``;
/// - ``decide(writingInput:)``: the station's frame seam. The caller writes the network input
///   straight into the inspector's buffer (a `FrameConverter` converting a camera frame in
///   place), and gets a ``Inspection/Decision`` back. In steady state this path makes no
///   allocator call, with one thread or more (see `InferenceSession`).
///
/// Buffers (network input, resize plan, session arenas) are made once and reused while
/// consecutive images have the same size. Not thread-safe: one inspector per thread.
public final class Inspector {
    public let model: Model
    public let session: InferenceSession
    /// Model id for reports: name plus the first 12 hex digits of the weights' SHA-256.
    public let modelID: String
    public let modelSHA256: String
    /// The verdict rule applied (the model's, unless the spec was changed before).
    public let rule: VerdictRule
    /// What the network eats: `(channels, height, width)` and the normalisation; a frame
    /// converter feeding ``decide(writingInput:)`` must produce exactly this.
    public let input: InputSpec
    private let normalization: NormalizationParameters
    private let networkInput: Tensor
    private let probabilityBuffer: UnsafeMutablePointer<Float>
    /// Full-resolution planes and the resize plan for the last image size seen.
    private var sourcePlanes: Tensor?
    private var resizePlan: ResizePlan?

    public init(model: Model, threads: Int = 2) throws {
        self.model = model
        session = InferenceSession(network: try Network(model: model), maxBatch: 1, threads: threads)
        input = model.spec.input
        rule = model.spec.verdictRule
        normalization = NormalizationParameters(mean: input.mean, std: input.std)
        networkInput = Tensor(shape: [1, input.channels, input.height, input.width])
        probabilityBuffer = .allocate(capacity: session.network.outputCount)
        probabilityBuffer.initialize(repeating: 0, count: session.network.outputCount)
        modelSHA256 = model.weightsSHA256
        modelID = Self.modelID(of: model)
    }

    deinit { probabilityBuffer.deallocate() }

    /// How reports name a model: its name and the first 12 hex digits of its weights' SHA-256.
    public static func modelID(of model: Model) -> String { "\(model.spec.name)@\(model.weightsSHA256.prefix(12))" }

    /// Floats of one network input: `channels * height * width`, laid out `(C, H, W)`.
    public var inputCount: Int { networkInput.count }

    /// The class probabilities of the last inspection; valid until the next call.
    public var probabilities: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: probabilityBuffer, count: session.network.outputCount)
    }

    /// Decodes and inspects one image file.
    /// - Throws: ``ImagingError`` naming the file if it cannot be read or decoded.
    public func inspect(file path: String) throws -> Inspection {
        let start = MonotonicClock.seconds()
        let image = try ImageDecoder.decode(contentsOf: path)
        let decodeMs = MonotonicClock.milliseconds(since: start)
        var result = try inspect(image, source: path)
        result.timings.decodeMs = decodeMs
        return result
    }

    /// Inspects an already decoded image (a replayed file, a frame converted to an ``Image``).
    /// - Throws: ``ImagingError`` naming `source` if the image cannot become the network input.
    public func inspect(_ image: Image, source: String) throws -> Inspection {
        let decision = try decide { buffer in try writeNetworkInput(image, into: buffer, name: source) }
        let probabilities = Array(self.probabilities)
        return Inspection(source: source, verdict: decision.verdict, defectScore: decision.defectScore, threshold: decision.threshold,
                          className: model.spec.classes[decision.classIndex], classIndex: decision.classIndex,
                          probabilities: probabilities, timings: decision.timings)
    }

    /// The frame seam: `writeInput` fills the network input in place (``inputCount`` floats,
    /// `(C, H, W)`, normalised as ``input`` says), then the network runs and the rule decides.
    ///
    ///     let decision = try inspector.decide { try converter.convert(frame.bytes, into: $0.baseAddress!, capacity: $0.count) }
    ///
    /// - Throws: whatever `writeInput` throws (a truncated or undecodable frame); nothing is run then.
    public func decide(writingInput writeInput: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows -> Inspection.Decision {
        let t0 = MonotonicClock.seconds()
        try writeInput(UnsafeMutableBufferPointer(start: networkInput.pointer, count: networkInput.count))
        return decide(runningOn: networkInput.pointer, preprocessMs: MonotonicClock.milliseconds(since: t0))
    }

    /// Decides on a network input prepared elsewhere (``inputCount`` floats, `(C, H, W)`, as
    /// ``input`` says): a station's capture thread converts frames into its own slots.
    public func decide(input: UnsafePointer<Float>) -> Inspection.Decision {
        decide(runningOn: input, preprocessMs: 0)
    }

    private func decide(runningOn input: UnsafePointer<Float>, preprocessMs: Double) -> Inspection.Decision {
        let t1 = MonotonicClock.seconds()
        session.run(input: input, batch: 1, output: probabilityBuffer)
        let inferenceMs = MonotonicClock.milliseconds(since: t1)
        var decision = decision(probabilities: probabilities)
        decision.timings = .init(decodeMs: 0, preprocessMs: preprocessMs, inferenceMs: inferenceMs)
        return decision
    }

    /// What the model's rule decides from class probabilities the network produced elsewhere
    /// (a batch run on another session of the same network): verdict, defect score, top class.
    public func decision(probabilities: UnsafeBufferPointer<Float>) -> Inspection.Decision {
        let score = rule.defectScore(probabilities)
        var best = 0
        for c in 1..<probabilities.count where probabilities[c] > probabilities[best] { best = c }
        return Inspection.Decision(verdict: rule.rejects(score: score) ? .reject : .pass, defectScore: score, threshold: rule.threshold,
                                   classIndex: best, timings: .init(decodeMs: 0, preprocessMs: 0, inferenceMs: 0))
    }

    /// Converts `image` into one network input at `buffer` (``inputCount`` floats): channels,
    /// resize to the model's input, normalisation, exactly as ``inspect(_:source:)`` does.
    /// - Throws: ``ImagingError`` naming `name` if the image cannot become this model's input.
    public func writeNetworkInput(_ image: Image, into buffer: UnsafeMutableBufferPointer<Float>, name: String) throws {
        if image.width == input.width && image.height == input.height {
            try image.writeNetworkInput(into: buffer.baseAddress!, capacity: buffer.count, channels: input.channels,
                                        normalization: normalization, name: name)
            return
        }
        if sourcePlanes?.shape != [1, input.channels, image.height, image.width] {
            sourcePlanes = Tensor(shape: [1, input.channels, image.height, image.width])
            resizePlan = ResizePlan(sourceWidth: image.width, sourceHeight: image.height,
                                    destinationWidth: input.width, destinationHeight: input.height)
        }
        let planes = sourcePlanes!
        try image.writeNetworkInput(into: planes.pointer, capacity: planes.count, channels: input.channels,
                                    normalization: normalization, name: name)
        guard buffer.count >= inputCount else {
            throw ImagingError.wrongSize(name: name, operation: "conversion to network input", received: "a buffer of \(buffer.count) floats",
                                         expected: "at least \(inputCount) floats")
        }
        ImageKernels.resizeBilinear(source: planes.pointer, destination: buffer.baseAddress!, channels: input.channels, plan: resizePlan!)
    }
}
