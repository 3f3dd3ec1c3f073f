import Foundation
import LoupeImaging
import LoupeInference
import LoupeModel
import LoupeTensor

/// Turns images into verdicts with one model: decode, convert to the network's input
/// (channels, size, normalisation from the model spec), run the network, apply the
/// model's reject threshold.
///
/// Buffers (network input, resize plan, session arenas) are made once and reused while
/// consecutive images have the same size, so a station's steady state does not allocate
/// in preprocessing or inference. Not thread-safe: one inspector per thread.
public final class Inspector {
    public let model: Model
    public let session: InferenceSession
    /// Model id for reports: name plus the first 12 hex digits of the weights' SHA-256.
    public let modelID: String
    public let modelSHA256: String
    private let input: InputSpec
    private let normalization: NormalizationParameters
    private let networkInput: Tensor
    private let probabilities: UnsafeMutablePointer<Float>
    /// Full-resolution planes and the resize plan for the last image size seen.
    private var sourcePlanes: Tensor?
    private var resizePlan: ResizePlan?

    public init(model: Model, threads: Int = 2) throws {
        self.model = model
        session = InferenceSession(network: try Network(model: model), maxBatch: 1, threads: threads)
        input = model.spec.input
        normalization = NormalizationParameters(mean: input.mean, std: input.std)
        networkInput = Tensor(shape: [1, input.channels, input.height, input.width])
        probabilities = .allocate(capacity: session.network.outputCount)
        modelSHA256 = model.weightsSHA256
        modelID = "\(model.spec.name)@\(modelSHA256.prefix(12))"
    }

    deinit { probabilities.deallocate() }

    /// Decodes and inspects one image file.
    /// - Throws: ``ImagingError`` naming the file if it cannot be decoded.
    public func inspect(file path: String) throws -> Inspection {
        let start = DispatchTime.now()
        let image = try ImageDecoder.decode(contentsOf: path)
        let decodeMs = Self.ms(since: start)
        var result = try inspect(image, source: path)
        result.timings.decodeMs = decodeMs
        return result
    }

    /// Inspects an already decoded image (a camera frame, a replayed file).
    public func inspect(_ image: Image, source: String) throws -> Inspection {
        let t0 = DispatchTime.now()
        try writeNetworkInput(image, name: source)
        let t1 = DispatchTime.now()
        session.run(input: networkInput.pointer, batch: 1, output: probabilities)
        let inferenceMs = Self.ms(since: t1)
        return verdict(source: source, timings: .init(decodeMs: 0, preprocessMs: Self.ms(from: t0, to: t1), inferenceMs: inferenceMs))
    }

    private func writeNetworkInput(_ image: Image, name: String) throws {
        if image.width == input.width && image.height == input.height {
            try image.writeNetworkInput(into: networkInput.pointer, capacity: networkInput.count, channels: input.channels,
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
        try ImageTransforms.resize(planes, into: networkInput, plan: resizePlan!, name: name)
    }

    private func verdict(source: String, timings: Inspection.Timings) -> Inspection {
        let count = session.network.outputCount
        let probs = Array(UnsafeBufferPointer(start: probabilities, count: count))
        let score = min(1, max(0, model.spec.effectiveDefectClasses.reduce(Float(0)) { $0 + probs[$1] }))
        let best = probs.indices.max { probs[$0] < probs[$1] } ?? 0
        return Inspection(source: source, verdict: score > model.spec.threshold ? .reject : .pass, defectScore: score,
                          threshold: model.spec.threshold, className: model.spec.classes[best], classIndex: best,
                          probabilities: probs, timings: timings)
    }

    static func ms(since start: DispatchTime) -> Double { ms(from: start, to: .now()) }
    static func ms(from a: DispatchTime, to b: DispatchTime) -> Double { Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e6 }
}
