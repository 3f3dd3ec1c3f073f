import Dispatch
import LoupeDataset
import LoupeImaging
import LoupeInference
import LoupeModel
import LoupeTensor

/// What ``Trainer/run(resume:shouldStop:progress:)`` reports while it works.
public enum TrainingEvent {
    /// After every optimiser step: running mean loss of the epoch so far, throughput, time left.
    case step(epoch: Int, epochs: Int, step: Int, steps: Int, meanLoss: Double, imagesPerSecond: Double, etaSeconds: Double)
    /// After every epoch (validation done, checkpoint written).
    case epoch(EpochRecord, epochs: Int, isBest: Bool)
    case resumed(fromEpoch: Int)
    case stoppedEarly(epoch: Int, bestEpoch: Int)
}

/// The outcome of a run.
public struct TrainingResult {
    /// The model to ship: the best validation epoch's weights (by validation loss), or the last
    /// epoch's when there is no validation set; spec metadata filled by the caller.
    public var model: Model
    public var history: [EpochRecord]
    public var bestEpoch: Int
    public var stoppedEarly: Bool
}

/// The training loop: epochs of shuffled (or class-balanced) batches from an
/// ``ImageTensorCache``, augmented on the fly, through a ``TrainingNetwork``, stepped by SGD
/// or AdamW on a schedule; validation, best-model tracking, early stopping and a checkpoint
/// after every epoch. Deterministic: the same data, options and seed give the same weights,
/// interrupted and resumed or not (for a fixed thread count).
public final class Trainer {
    public let options: TrainingOptions
    let train: ImageTensorCache
    let validation: ImageTensorCache?
    let checkpointDirectory: String?
    let network: TrainingNetwork
    let initial: Model
    let steps: Int
    let batch: Int
    let labels: [Int]
    var classWeights: [Float]
    let batchInput: UnsafeMutablePointer<Float>
    let batchLabels: UnsafeMutablePointer<Int32>
    let augmenter: Augmenter
    let mean: [Float]
    let std: [Float]

    /// - Parameters:
    ///   - model: the starting point (``ArchitecturePreparation/freshModel`` or a model to fine-tune);
    ///     its input spec must match the caches'.
    ///   - checkpointDirectory: where the per-epoch checkpoint goes (nil: none).
    /// - Throws: ``TrainingError`` for invalid options or an untrainable model, ``DatasetError`` for one class only.
    public init(model: Model, train: ImageTensorCache, validation: ImageTensorCache?, options: TrainingOptions,
                checkpointDirectory: String?) throws {
        try options.validate()
        try train.dataset.requireTwoClasses()
        let input = model.spec.input
        guard train.channels == input.channels, train.height == input.height, train.width == input.width else {
            throw TrainingError.incompatibleArchitecture("images are cached at \(train.channels)x\(train.height)x\(train.width), the model takes \(input.channels)x\(input.height)x\(input.width)")
        }
        guard model.graph.outputShape.reduce(1, *) == train.dataset.classes.count else {
            throw TrainingError.incompatibleArchitecture("the model has \(model.graph.outputShape.reduce(1, *)) outputs, the data \(train.dataset.classes.count) classes")
        }
        self.options = options
        self.train = train
        self.validation = validation
        self.checkpointDirectory = checkpointDirectory
        initial = model
        batch = min(options.batch, train.count)
        steps = max(1, train.count / batch)
        labels = train.dataset.samples.map(\.classIndex)
        classWeights = options.classWeighting ? EpochPlan.classWeights(labels: labels, classes: train.dataset.classes.count)
                                              : [Float](repeating: 1, count: train.dataset.classes.count)
        network = try TrainingNetwork(model: model, batch: batch, threads: options.threads)
        batchInput = .allocate(capacity: batch * train.imageCount)
        batchLabels = .allocate(capacity: batch)
        augmenter = try Augmenter(config: options.augmentation, channels: train.channels, height: train.height, width: train.width)
        mean = input.mean
        std = input.std
    }

    deinit {
        batchInput.deallocate()
        batchLabels.deallocate()
    }

    /// Optimiser steps per epoch (whole batches; the remainder of a shuffled epoch is skipped and
    /// is different every epoch).
    public var stepsPerEpoch: Int { steps }

    /// Trains until `options.epochs` (or early stopping).
    /// - Parameters:
    ///   - resume: continue from the checkpoint (it must come from the same data and options;
    ///     ``TrainingOptions/epochs`` may be larger).
    ///   - shouldStop: polled before every step; true stops the run with ``TrainingError/interrupted(lastGoodEpoch:checkpoint:)``.
    /// - Throws: ``TrainingError/diverged`` on a NaN/Inf loss or weight (the last checkpoint is kept).
    public func run(resume: Bool, shouldStop: () -> Bool = { false }, progress: (TrainingEvent) -> Void = { _ in }) throws -> TrainingResult {
        let store = network.store
        var state = Checkpoint(options: options, dataSHA256: train.sha256, epochsDone: 0, adamSteps: 0, bestEpoch: 0,
                               bestValidationLoss: nil, epochsSinceBest: 0, history: [])
        var best: Model? = nil
        if resume {
            guard let dir = checkpointDirectory else { throw TrainingError.cannotResume(checkpoint: "(none)", reason: "no checkpoint folder given") }
            let saved = try Checkpoint.read(from: dir, parameterCount: store.count)
            guard saved.state.options.resumeKey() == options.resumeKey() else {
                throw TrainingError.cannotResume(checkpoint: dir, reason: "it was made with different options (only --epochs may change): \(describeDifference(saved.state.options.resumeKey(), options.resumeKey()))")
            }
            guard saved.state.dataSHA256 == train.sha256 else {
                throw TrainingError.cannotResume(checkpoint: dir, reason: "it was trained on different data (hash \(saved.state.dataSHA256.prefix(12)), now \(train.sha256.prefix(12)))")
            }
            state = saved.state
            state.options.epochs = options.epochs
            store.parameters.update(from: saved.current.weights, count: store.count)
            store.moment1.update(from: saved.moments, count: 2 * store.count)
            best = saved.best
            progress(.resumed(fromEpoch: state.epochsDone))
        }
        var adam = AdamW(learningRate: options.learningRate, weightDecay: options.weightDecay)
        adam.stepCount = state.adamSteps
        var sgd = SGDMomentum(learningRate: options.learningRate, momentum: options.momentum, weightDecay: options.weightDecay)
        let totalSteps = options.epochs * steps, warmup = options.warmupEpochs * steps
        let k = train.dataset.classes.count
        let runStart = MonotonicClock.nanoseconds()
        var stepsThisRun = 0
        var stoppedEarly = false

        var epoch = state.epochsDone
        while epoch < options.epochs {
            epoch += 1
            let epochStart = MonotonicClock.nanoseconds()
            let order = EpochPlan.order(epoch: epoch, seed: options.seed, labels: labels, classes: k, sampling: options.sampling,
                                        steps: steps, batch: batch)
            var lossSum = 0.0, correct = 0
            var lr = options.learningRate
            for s in 0..<steps {
                if shouldStop() { throw TrainingError.interrupted(lastGoodEpoch: state.epochsDone, checkpoint: checkpointDirectory ?? "(none)") }
                let t = (epoch - 1) * steps + s
                lr = options.schedule.rate(base: options.learningRate, step: t, total: totalSteps, warmup: warmup)
                assembleBatch(order: order, step: s, epoch: epoch)
                let loss = classWeights.withUnsafeBufferPointer {
                    network.step(input: batchInput, targets: .labels(batchLabels), classWeights: $0.baseAddress)
                }
                guard loss.isFinite else {
                    throw TrainingError.diverged(epoch: epoch, step: s + 1, learningRate: lr, lastGoodEpoch: state.epochsDone,
                                                 checkpoint: checkpointDirectory ?? "(none)")
                }
                switch options.optimizer {
                case .adamw: adam.learningRate = lr; adam.step(store)
                case .sgd: sgd.learningRate = lr; sgd.step(store)
                }
                lossSum += Double(loss)
                correct += countCorrect()
                stepsThisRun += 1
                let elapsed = Double(MonotonicClock.nanoseconds() - runStart) / 1e9
                let perStep = elapsed / Double(stepsThisRun)
                let remaining = (options.epochs - epoch) * steps + (steps - s - 1)
                progress(.step(epoch: epoch, epochs: options.epochs, step: s + 1, steps: steps, meanLoss: lossSum / Double(s + 1),
                               imagesPerSecond: Double(batch) / perStep, etaSeconds: perStep * Double(remaining)))
            }
            guard parametersAreFinite() else {
                throw TrainingError.diverged(epoch: epoch, step: steps, learningRate: lr, lastGoodEpoch: state.epochsDone,
                                             checkpoint: checkpointDirectory ?? "(none)")
            }
            let trainSeconds = Double(MonotonicClock.nanoseconds() - epochStart) / 1e9
            let current = try currentModel()
            var record = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(steps), trainAccuracy: Double(correct) / Double(steps * batch),
                                     learningRate: lr, seconds: 0, imagesPerSecond: Double(steps * batch) / trainSeconds)
            var isBest = validation == nil
            if let validation {
                let v = try Validation.run(model: current, images: validation, threads: options.threads)
                record.validationLoss = v.loss
                record.validationAccuracy = v.accuracy
                record.validationBinaryAccuracy = v.binaryAccuracy
                if state.bestValidationLoss.map({ v.loss < $0 }) ?? true {
                    state.bestValidationLoss = v.loss
                    isBest = true
                }
            }
            if isBest {
                state.bestEpoch = epoch
                state.epochsSinceBest = 0
                best = current
            } else {
                state.epochsSinceBest += 1
            }
            record.seconds = Double(MonotonicClock.nanoseconds() - epochStart) / 1e9
            state.history.append(record)
            state.epochsDone = epoch
            state.adamSteps = adam.stepCount
            if let dir = checkpointDirectory {
                try Checkpoint.write(state, current: current, best: validation == nil ? nil : best, moments: store.moment1, count: 2 * store.count, to: dir)
            }
            progress(.epoch(record, epochs: options.epochs, isBest: isBest))
            if options.earlyStoppingPatience > 0 && validation != nil && state.epochsSinceBest >= options.earlyStoppingPatience {
                stoppedEarly = true
                progress(.stoppedEarly(epoch: epoch, bestEpoch: state.bestEpoch))
                break
            }
        }
        let final = try (validation == nil ? nil : best) ?? currentModel()
        return TrainingResult(model: final, history: state.history, bestEpoch: state.bestEpoch, stoppedEarly: stoppedEarly)
    }

    /// Copies, augments and normalises the batch of step `s` into ``batchInput``; labels into ``batchLabels``.
    func assembleBatch(order: [Int], step s: Int, epoch: Int) {
        let per = train.imageCount, plane = train.height * train.width
        for j in 0..<batch {
            let index = order[s * batch + j]
            let dst = batchInput + j * per
            dst.update(from: train.image(index), count: per)
            // Seeded by the position in the epoch (not the image), so an image drawn twice by balanced
            // sampling gets two different augmentations.
            augmenter.apply(dst, seed: Augmenter.sampleSeed(runSeed: options.seed, epoch: epoch, sampleIndex: s * batch + j))
            for c in 0..<train.channels {
                ImageKernels.normalize(dst + c * plane, count: plane, mean: mean[c], std: std[c])
            }
            batchLabels[j] = Int32(labels[index])
        }
    }

    func countCorrect() -> Int {
        let k = network.classes, p = network.logits
        var correct = 0
        for b in 0..<batch {
            var arg = 0
            for c in 1..<k where p[b * k + c] > p[b * k + arg] { arg = c }
            if arg == Int(batchLabels[b]) { correct += 1 }
        }
        return correct
    }

    func parametersAreFinite() -> Bool {
        let p = network.store.parameters
        for i in 0..<network.store.count where !p[i].isFinite { return false }
        return true
    }

    func currentModel() throws -> Model { try Model(spec: initial.spec, weights: network.store.weights) }

    func describeDifference(_ a: TrainingOptions, _ b: TrainingOptions) -> String {
        let ma = Mirror(reflecting: a).children, mb = Array(Mirror(reflecting: b).children)
        return zip(ma, mb).compactMap { x, y in
            "\(x.value)" == "\(y.value)" ? nil : "\(x.label ?? "?"): checkpoint \(x.value), now \(y.value)"
        }.joined(separator: "; ")
    }
}
