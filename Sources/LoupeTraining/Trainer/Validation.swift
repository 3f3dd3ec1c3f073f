#if canImport(Glibc)
import Glibc
#endif
import LoupeDataset
import LoupeImaging
import LoupeInference
import LoupeModel

/// Validation during training: the model compiled for inference (BN folded, running
/// statistics), exactly as a station would run it, over cached images.
enum Validation {
    struct Result { var loss: Double; var accuracy: Double; var binaryAccuracy: Double }

    /// Mean cross-entropy (unweighted), top-1 accuracy and good/defective accuracy under the
    /// model's verdict rule (its defect classes and threshold).
    static func run(model: Model, images: ImageTensorCache, threads: Int, maxBatch: Int = 32) throws -> Result {
        let session = InferenceSession(network: try Network(model: model), maxBatch: maxBatch, threads: threads)
        let k = model.spec.classes.count, per = images.imageCount, plane = images.height * images.width
        let rule = model.spec.verdictRule
        let input = UnsafeMutablePointer<Float>.allocate(capacity: maxBatch * per)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: maxBatch * k)
        defer { input.deallocate(); output.deallocate() }
        let mean = model.spec.input.mean, std = model.spec.input.std
        var loss = 0.0, correct = 0, binaryCorrect = 0
        var start = 0
        while start < images.count {
            let n = min(maxBatch, images.count - start)
            for j in 0..<n {
                let dst = input + j * per
                dst.update(from: images.image(start + j), count: per)
                for c in 0..<images.channels { ImageKernels.normalize(dst + c * plane, count: plane, mean: mean[c], std: std[c]) }
            }
            session.run(input: input, batch: n, output: output)
            for j in 0..<n {
                let p = output + j * k, truth = images.dataset.samples[start + j].classIndex
                loss -= Double(log(max(p[truth], 1e-12)))
                var arg = 0
                for c in 1..<k where p[c] > p[arg] { arg = c }
                if arg == truth { correct += 1 }
                let score = rule.defectScore(UnsafeBufferPointer(start: p, count: k))
                if rule.rejects(score: score) == rule.isDefect(classIndex: truth) { binaryCorrect += 1 }
            }
            start += n
        }
        let n = Double(images.count)
        return Result(loss: loss / n, accuracy: Double(correct) / n, binaryAccuracy: Double(binaryCorrect) / n)
    }
}
