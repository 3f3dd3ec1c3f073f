import ArgumentParser
import Foundation
import LoupeDataset
import LoupeModel
import LoupeTraining

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Teach a model from labelled images, on this CPU.",
        discussion: """
        DATA is a labels CSV (header with path, label and optionally group columns; paths relative \
        to the CSV), a folder holding labels.csv, or a folder with one subfolder of images per class \
        (good/, crack/, …). Numeric labels (e.g. defect probabilities 0, 0.33, 0.67, 1) count as \
        defects above 0.5; named labels count as defects unless good/ok/pass/normal.

        A checkpoint is written after every epoch (default OUT/checkpoint); after a kill or Ctrl-C, \
        run the same command with --resume. The model written to OUT is the epoch with the lowest \
        validation loss (or the last epoch without validation), with its training metadata.
        Example:
          loupe train Images/train --arch Models/ElpvNet-ref --size 128 --epochs 20 --out Models/mine
        """
    )

    @Argument(help: "Labelled images: labels CSV, folder with labels.csv, or folder of class folders.")
    var data: String
    @Option(help: "Output model folder.")
    var out: String
    @Option(help: "Labels from: auto (labels.csv if present, else class folders), csv, or folders.")
    var layout: String = "auto"
    @Option(help: "Architecture: a model folder (its layers are used, its weights are not unless --finetune).")
    var arch: String = "Models/ElpvNet-ref"
    @Flag(help: "Start from the architecture's weights instead of a fresh initialisation (same classes needed).")
    var finetune = false
    @Option(help: "Input size in pixels (square); default: the architecture's.")
    var size: Int?
    @Option(help: "Validation set (same forms as DATA); default: a stratified part of DATA, see --val-fraction.")
    var val: String?
    @Option(help: "Share of DATA held out for validation when --val is not given (0 = none).")
    var valFraction: Double = 0.15
    @Option var epochs: Int = 30
    @Option var batch: Int = 32
    @Option(help: "adamw or sgd.") var optimizer: String = "adamw"
    @Option(help: "Peak learning rate.") var lr: Float = 2e-3
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Option var weightDecay: Float = 1e-4
    @Option(help: "one-cycle, cosine or constant.") var schedule: String = "one-cycle"
    @Option(help: "Linear warm-up epochs (cosine/constant).") var warmupEpochs: Int = 0
    @Flag(help: "Do not weight classes by inverse frequency in the loss.") var noClassWeights = false
    @Option(help: "shuffle (each image once per epoch) or balanced (classes drawn equally often).") var sampling: String = "shuffle"
    @Option(help: "Stop after this many epochs without a better validation loss (0 = never).") var earlyStopping: Int = 0
    @Option(help: "Augmentation: inspection (flips, 90° turns, shifts, brightness/contrast/gamma, noise) or none.")
    var augment: String = "inspection"
    @Option var seed: UInt64 = 1
    @Option var threads: Int = 2
    @Option(help: "Checkpoint folder (default OUT/checkpoint).") var checkpoint: String?
    @Flag(help: "Continue from the checkpoint.") var resume = false
    @Flag(help: "Skip images that cannot be decoded (listed) instead of stopping.") var skipUnreadable = false
    @Option(help: "Model name (default: OUT's folder name).") var name: String?
    @Option(help: "One line for model.json's description (default: what was trained on what).") var description: String?

    func options() throws -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batch = batch
        guard let opt = TrainingOptions.Optimizer(rawValue: optimizer) else { throw ValidationError("--optimizer must be adamw or sgd, got '\(optimizer)'") }
        o.optimizer = opt
        o.learningRate = lr
        o.momentum = momentum
        o.weightDecay = weightDecay
        guard let sched = LearningRateSchedule(rawValue: schedule) else {
            throw ValidationError("--schedule must be one of \(LearningRateSchedule.allCases.map(\.rawValue)), got '\(schedule)'")
        }
        o.schedule = sched
        o.warmupEpochs = warmupEpochs
        o.classWeighting = !noClassWeights
        guard let samp = TrainingOptions.Sampling(rawValue: sampling) else { throw ValidationError("--sampling must be shuffle or balanced, got '\(sampling)'") }
        o.sampling = samp
        o.earlyStoppingPatience = earlyStopping
        o.validationFraction = val == nil ? valFraction : 0
        switch augment {
        case "inspection": o.augmentation = .inspectionDefault
        case "none": o.augmentation = .none
        default: throw ValidationError("--augment must be inspection or none, got '\(augment)'")
        }
        o.seed = seed
        o.threads = threads
        try o.validate()
        return o
    }

    func run() throws {
        let options = try options()
        let architecture = try Model.load(from: arch)
        guard let layout = LabeledDataset.Layout(rawValue: layout) else { throw ValidationError("--layout must be auto, csv or folders") }
        let all = try LabeledDataset.load(data, layout: layout)
        try all.requireTwoClasses()
        var trainSet = all, validationSet: LabeledDataset? = nil
        if let val {
            validationSet = try LabeledDataset.load(val, classes: all.classes, layout: layout)
        } else if options.validationFraction > 0 {
            (trainSet, validationSet) = try all.stratifiedSplit(heldOutFraction: options.validationFraction, seed: options.seed)
        }
        let modelName = name ?? (out as NSString).lastPathComponent
        let start: Model
        if finetune {
            guard architecture.spec.classes == all.classes else {
                throw ValidationError("--finetune needs the architecture's classes \(architecture.spec.classes) to equal the data's \(all.classes)")
            }
            guard size == nil || size == architecture.spec.input.height else { throw ValidationError("--finetune keeps the architecture's input size") }
            start = architecture
        } else {
            start = try ArchitecturePreparation.freshModel(architecture: architecture.spec, name: modelName, classes: all.classes,
                                                           defectClasses: all.defaultDefectClasses, inputSize: size, seed: options.seed)
        }
        let input = start.spec.input
        log("loading \(trainSet.samples.count) training" + (validationSet.map { " + \($0.samples.count) validation" } ?? "")
            + " images at \(input.channels)x\(input.height)x\(input.width); classes \(all.classes), defects \(start.spec.effectiveDefectClasses.map { all.classes[$0] })")
        let trainImages = try ImageTensorCache(dataset: trainSet, input: input, threads: options.threads, skipUnreadable: skipUnreadable)
        let validationImages = try validationSet.map { try ImageTensorCache(dataset: $0, input: input, threads: options.threads, skipUnreadable: skipUnreadable) }
        for skipped in trainImages.skipped + (validationImages?.skipped ?? []) { log("skipped unreadable image \(skipped)") }
        let checkpointDir = checkpoint ?? (out as NSString).appendingPathComponent("checkpoint")
        let trainer = try Trainer(model: start, train: trainImages, validation: validationImages, options: options, checkpointDirectory: checkpointDir)
        let bar = ProgressBar(interactive: isatty(STDERR_FILENO) != 0)
        StopSignal.install()
        let began = Date()
        let result: TrainingResult
        do {
            result = try trainer.run(resume: resume, shouldStop: { StopSignal.requested }, progress: bar.show)
        } catch {
            bar.finish()
            throw error
        }
        bar.finish()
        let provenance = TrainingProvenance(dataSource: all.source, training: trainImages, validation: validationImages,
                                            options: options, result: result)
        try provenance.writeModel(to: out, description: description ?? "\(architecture.spec.name) layers trained by loupe train on \(all.source)")
        let best = provenance.bestRecord
        print("wrote \(out): epoch \(result.bestEpoch) of \(result.history.count)"
              + (best?.validationAccuracy.map { String(format: ", validation accuracy %.1f %%", 100 * $0) } ?? "")
              + (best?.validationBinaryAccuracy.map { String(format: " (good/defective %.1f %%)", 100 * $0) } ?? "")
              + String(format: ", %.1f min", Date().timeIntervalSince(began) / 60))
    }

    func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}
