import Foundation
import LoupeDataset
import LoupeImaging
import LoupeInference
import LoupeModel
import LoupeTensor
import LoupeTraining

/// Finds the images of a labelled set whose label is most likely wrong: `loupe label --find-errors`.
///
/// The set is split into k folds, stratified by class (seeded). For each fold a fresh model is
/// trained on the other k−1 folds (``Trainer``, the options of `loupe train`) and predicts the
/// held-out fold, so every image gets probabilities from a model that never saw its label.
/// ``ConfidentLearning`` turns those into a ranking and per-class error estimates.
public enum LabelErrorSearch {
    public struct Options: Sendable {
        public var folds = 4
        /// Square input size for the fold models (default: the architecture's).
        public var inputSize: Int?
        public var training = TrainingOptions()
        /// Start every fold model from the architecture's weights (a model already trained on
        /// similar images, with the same classes) instead of a fresh initialisation.
        public var fineTune = false
        /// Average each held-out image's probabilities over its 8 flips and quarter turns
        /// (square inputs; 4 views for others), as `loupe train`'s augmentation teaches the
        /// model to expect. Costs 8 inferences per image on the held-out folds only.
        public var testTimeAugmentation = true
        public init() {}
    }

    public struct Result: Sendable {
        /// One record per image, most likely wrong first (``LabelRecord/errorRank`` 1, 2, …).
        public var records: [LabelRecord]
        public var classes: [String]
        /// Estimated label errors per given class.
        public var estimatedErrors: [Double]
        /// Images per given class.
        public var classCounts: [Int]
        /// How often the fold models agree with the given label, out of sample.
        public var agreement: Double
        /// Images that could not be decoded (left out, listed).
        public var skipped: [String]
    }

    /// What the search reports while it trains.
    public enum Event {
        case loading(images: Int, input: String)
        case fold(Int, of: Int, training: Int, heldOut: Int)
        case training(fold: Int, TrainingEvent)
    }

    public static func run(dataset: LabeledDataset, architecture: Model, options: Options, shouldStop: () -> Bool = { false },
                           events: (Event) -> Void = { _ in }) throws -> Result {
        guard options.folds >= 2 else { throw LabellingError.badOption("--folds must be at least 2, got \(options.folds)") }
        try dataset.requireTwoClasses()
        let classes = dataset.classes, k = classes.count
        if options.fineTune {
            guard architecture.spec.classes == classes else {
                throw LabellingError.badOption("--finetune needs the architecture's classes \(architecture.spec.classes) to equal the data's \(classes)")
            }
            guard options.inputSize == nil || options.inputSize == architecture.spec.input.height else {
                throw LabellingError.badOption("--finetune keeps the architecture's input size \(architecture.spec.input.height)")
            }
        }
        func startingModel(fold: Int) throws -> Model {
            if options.fineTune { return architecture }
            return try ArchitecturePreparation.freshModel(architecture: architecture.spec, name: "fold\(fold + 1)", classes: classes,
                                                          defectClasses: dataset.defaultDefectClasses, inputSize: options.inputSize,
                                                          seed: options.training.seed &+ UInt64(fold))
        }
        let template = try startingModel(fold: 0)
        let input = template.spec.input
        events(.loading(images: dataset.samples.count, input: "\(input.channels)x\(input.height)x\(input.width)"))
        let cache = try ImageTensorCache(dataset: dataset, input: input, threads: options.training.threads, skipUnreadable: true)
        let samples = cache.dataset.samples
        let folds = foldAssignment(labels: samples.map(\.classIndex), folds: options.folds, seed: options.training.seed)
        var probabilities = [[Double]](repeating: [], count: samples.count)
        var training = options.training
        training.validationFraction = 0
        for f in 0..<options.folds {
            let held = samples.indices.filter { folds[$0] == f }, rest = samples.indices.filter { folds[$0] != f }
            guard !held.isEmpty else { continue }
            events(.fold(f + 1, of: options.folds, training: rest.count, heldOut: held.count))
            let trainSet = ImageTensorCache(subsetOf: cache, indices: rest)
            let trainer = try Trainer(model: try startingModel(fold: f), train: trainSet, validation: nil, options: training, checkpointDirectory: nil)
            let model = try trainer.run(resume: false, shouldStop: shouldStop, progress: { events(.training(fold: f + 1, $0)) }).model
            let predicted = try predict(model: model, cache: cache, indices: held, threads: options.training.threads,
                                        views: options.testTimeAugmentation ? (cache.width == cache.height ? 8 : 4) : 1)
            for (j, i) in held.enumerated() { probabilities[i] = predicted[j] }
        }
        let labels = samples.map(\.classIndex)
        let learning = ConfidentLearning(probabilities: probabilities, labels: labels, classes: k)
        let rule = VerdictRule(defectClasses: template.spec.effectiveDefectClasses, threshold: 0.5)
        let modelName = "\(options.folds)-fold \(architecture.spec.name)" + (options.fineTune ? " fine-tuned" : "")
        let time = LabelRecord.timestamp()
        var records: [LabelRecord] = []
        for (rank, i) in learning.ranking.enumerated() {
            let p = probabilities[i].map(Float.init)
            let score = p.withUnsafeBufferPointer { rule.defectScore($0) }
            let top = p.indices.max { p[$0] < p[$1] }!
            var r = LabelRecord(path: samples[i].path, sha256: cache.fileSHA256[i], verdict: rule.rejects(score: score) ? "reject" : "pass", score: score,
                                className: classes[top], probabilities: zip(classes, p).map { ($0, $1) }, model: modelName,
                                threshold: rule.threshold, time: time, group: samples[i].group)
            r.label = classes[labels[i]]
            r.labelSource = .given
            r.suspicion = learning.suspicion[i]
            r.errorRank = rank + 1
            r.suspectedError = learning.suspected[i]
            records.append(r)
        }
        let agree = (0..<samples.count).filter { i in probabilities[i].indices.max { probabilities[i][$0] < probabilities[i][$1] } == labels[i] }.count
        return Result(records: records, classes: classes, estimatedErrors: learning.estimatedErrors, classCounts: cache.dataset.classCounts,
                      agreement: Double(agree) / Double(max(1, samples.count)), skipped: cache.skipped)
    }

    /// Fold of each image: per class, a seeded shuffle dealt round-robin over the folds.
    static func foldAssignment(labels: [Int], folds: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(seed: seed ^ 0x5eed_f01d)
        var fold = [Int](repeating: 0, count: labels.count)
        var offset = 0
        for c in Set(labels).sorted() {
            var members = labels.indices.filter { labels[$0] == c }
            members.shuffle(using: &rng)
            for (j, i) in members.enumerated() { fold[i] = (j + offset) % folds }
            offset += members.count
        }
        return fold
    }

    /// Class probabilities of the cached images at `indices`, through the inference engine,
    /// averaged over the first `views` of the 8 flips and quarter turns (1 = the image as is).
    static func predict(model: Model, cache: ImageTensorCache, indices: [Int], threads: Int, views: Int = 1) throws -> [[Double]] {
        let batch = 16
        let session = InferenceSession(network: try Network(model: model), maxBatch: batch, threads: threads)
        let per = cache.imageCount, h = cache.height, w = cache.width, plane = h * w, k = model.spec.classes.count
        let input = AlignedBuffer(count: batch * per)
        var output = [Float](repeating: 0, count: batch * k)
        let mean = model.spec.input.mean, std = model.spec.input.std
        var result = [[Double]](repeating: [Double](repeating: 0, count: k), count: indices.count)
        for view in 0..<views {
            var start = 0
            while start < indices.count {
                let n = min(batch, indices.count - start)
                for j in 0..<n {
                    let dst = input.pointer + j * per, src = cache.image(indices[start + j])
                    writeView(view, from: src, to: dst, channels: cache.channels, height: h, width: w)
                    for c in 0..<cache.channels { ImageKernels.normalize(dst + c * plane, count: plane, mean: mean[c], std: std[c]) }
                }
                output.withUnsafeMutableBufferPointer { session.run(input: input.pointer, batch: n, output: $0.baseAddress!) }
                for j in 0..<n { for c in 0..<k { result[start + j][c] += Double(output[j * k + c]) / Double(views) } }
                start += n
            }
        }
        return result
    }

    /// View `view` of an image: 0 as it is, 1 mirrored left to right, 2 upside down, 3 turned
    /// half round, 4–7 the same transposed (quarter turns and diagonal mirrors; square images
    /// only), through the training augmentation's orientation kernel.
    static func writeView(_ view: Int, from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>,
                          channels: Int, height: Int, width: Int) {
        precondition(view & 4 == 0 || height == width, "LabelErrorSearch: transposed views need a square image, got \(width)x\(height)")
        AugmentationKernels.orient(source, into: destination, planes: channels, height: height, width: width,
                                   transposed: view & 4 != 0, reverseRows: view & 2 != 0, reverseColumns: view & 1 != 0)
    }
}
