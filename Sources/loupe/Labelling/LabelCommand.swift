import ArgumentParser
import Foundation
import LoupeDataset
import LoupeLabelling
import LoupeModel
import LoupeTraining

struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label folders of images with a model (resumable), find wrong labels in a labelled set, pick images for review.",
        discussion: """
        Labelling: PATHS are PNG/JPEG files or folders (searched recursively). One row per image goes to --out \
        (.jsonl or .csv): path, content hash, verdict, score, class, per-class probabilities, model id, threshold, time. \
        Run the same command again after an interruption (Ctrl-C, kill, power cut): images already in --out are skipped. \
        Images with the same content as one already labelled are reported once, not labelled again. \
        Unreadable files are listed in the report (default OUT.report.json) and the run goes on.
        Exit status: 0 all labelled; 1 stopped by an error; 2 finished, but some images failed or inputs were missing; \
        3 interrupted (run it again to finish).

        Finding wrong labels: --find-errors DATA (labels CSV or class folders, as for loupe train) trains --folds models, \
        each on the other folds, ranks every image by how likely its label is wrong (confident learning) and writes \
        the ranking to --out; open it with loupe review.

        Examples:
          loupe label Images/samples --model Models/demo --out labels.jsonl --heatmaps heatmaps --sort-into sorted
          loupe label Images/samples --model Models/demo --out labels.jsonl --uncertain 20
          loupe label --find-errors train.csv --arch Models/ElpvNet-ref --size 128 --epochs 40 --out errors.jsonl
        """
    )

    @Argument(help: "Image files or folders (recursive).")
    var paths: [String] = []
    @Option(name: .shortAndLong, help: "Model folder.") var model: String = "Models/demo"
    @Option(help: "Labels file to write or resume: .jsonl or .csv.") var out: String
    @Option(help: "Worker threads (each labels whole batches).") var threads: Int = 2
    @Option(help: "Images per batch handed to a worker.") var batch: Int = 8
    @Option(help: "Override the model's reject threshold (0...1).") var threshold: Float?
    @Option(help: "Write an occlusion heatmap PNG per image into this folder.") var heatmaps: String?
    @Option(help: "Heatmaps for: rejects or all.") var heatmapsFor: String = "rejects"
    @Option(help: "Copy or link every labelled image into DIR/<class>/ (never overwrites).") var sortInto: String?
    @Option(help: "How --sort-into places images: copy, hardlink or symlink.") var sortMode: String = "copy"
    @Option(help: "Failure report (JSON; default OUT.report.json).") var report: String?
    @Option(help: "After labelling, pick the N images most worth a person's look (uncertain, diverse, even across folders).")
    var uncertain: Int?
    @Option(help: "Where --uncertain writes its pick (default OUT with .uncertain before the extension).") var uncertainOut: String?

    @Option(help: "Find wrong labels in this labelled set (labels CSV, folder with labels.csv, or class folders).") var findErrors: String?
    @Option(help: "--find-errors: labels from auto, csv or folders.") var layout: String = "auto"
    @Option(help: "--find-errors: folds (models trained).") var folds: Int = 4
    @Option(help: "--find-errors: architecture to train.") var arch: String = "Models/ElpvNet-ref"
    @Option(help: "--find-errors: square input size (default: the architecture's).") var size: Int?
    @Flag(help: "--find-errors: start each fold model from --arch's trained weights (same classes) instead of from scratch.")
    var finetune = false
    @Flag(help: "--find-errors: predict each held-out image as it is only, not averaged over its flips and quarter turns.")
    var noTta = false
    @Option(help: "--find-errors: epochs per fold.") var epochs: Int = 20
    @Option(help: "--find-errors: training batch.") var trainBatch: Int = 32
    @Option(help: "--find-errors: peak learning rate.") var lr: Float = 2e-3
    @Option(help: "--find-errors: seed (folds, initialisation, order).") var seed: UInt64 = 1

    func validate() throws {
        guard threads >= 1, batch >= 1 else { throw ValidationError("--threads and --batch must be at least 1") }
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be within 0...1") }
        guard ["rejects", "all"].contains(heatmapsFor) else { throw ValidationError("--heatmaps-for must be rejects or all, got '\(heatmapsFor)'") }
        guard FilePlacement.Mode(rawValue: sortMode) != nil else { throw ValidationError("--sort-mode must be copy, hardlink or symlink, got '\(sortMode)'") }
        if let uncertain, uncertain < 1 { throw ValidationError("--uncertain must be at least 1") }
        if findErrors == nil && paths.isEmpty { throw ValidationError("name images or folders to label, or --find-errors DATA") }
        if findErrors != nil && !paths.isEmpty { throw ValidationError("--find-errors works on a labelled set; do not name images as well") }
        _ = try LabelsFileFormat(path: out)
    }

    func run() throws {
        if let findErrors { return try runErrorSearch(findErrors) }
        var loaded = try Model.load(from: model)
        if let threshold { loaded.spec.threshold = threshold }
        var options = Labeller.Options()
        options.threads = threads
        options.batch = batch
        options.heatmapsForAll = heatmapsFor == "all"
        if let heatmaps {
            try FilePlacement.prepareFolder(heatmaps)
            options.heatmapFolder = ImageInventory.absolute(heatmaps)
        }
        if let sortInto {
            try FilePlacement.prepareFolder(sortInto)
            options.sortInto = (ImageInventory.absolute(sortInto), FilePlacement.Mode(rawValue: sortMode)!)
        }
        let labeller = try Labeller(model: loaded, options: options)
        let inventory = ImageInventory(paths)
        for m in inventory.missing { warn("error: \(m): file or folder not found") }
        guard !inventory.entries.isEmpty else { throw LabellingError.noImages(paths: paths) }
        let appender = try LabelsAppender(path: out, model: labeller.modelID, classes: loaded.spec.classes)
        let progress = LabellingProgress(interactive: isatty(STDERR_FILENO) != 0)
        StopSignal.install()
        warn("labelling \(inventory.entries.count) images with \(labeller.modelID) on \(threads) threads"
             + (appender.existing.isEmpty ? "" : "; \(appender.existing.count) already in \(out)"))
        let result: LabellingReport
        do {
            result = try labeller.run(inventory, into: appender, shouldStop: { StopSignal.requested }, progress: progress.show)
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        let reportPath = report ?? out + ".report.json"
        try result.json().write(to: URL(fileURLWithPath: reportPath))
        for f in result.failures.prefix(10) { warn("failed: \(f.reason)") }
        if result.failures.count > 10 { warn("… \(result.failures.count - 10) more failures in \(reportPath)") }
        for d in result.duplicates.prefix(5) { warn("duplicate: \(d.path) has the same content as \(d.sameAs)") }
        if !result.unsupported.isEmpty { warn("\(result.unsupported.count) files are not PNG or JPEG (listed in \(reportPath)), e.g. \(result.unsupported[0])") }
        print(result.summaryLine)
        if sortInto != nil { print("sorted into \(sortInto!): \(result.sorted) placed, \(result.sortedBefore) already there") }
        if heatmaps != nil { print("heatmaps in \(heatmaps!): \(result.heatmaps)") }
        print("labels in \(out), report in \(reportPath)")
        if result.interrupted { throw ExitCode(3) }
        if let uncertain { try pickUncertain(uncertain) }
        if result.failed > 0 || !result.missing.isEmpty { throw ExitCode(2) }
    }

    func pickUncertain(_ n: Int) throws {
        let records = try LabelsFile.read(out)
        let picks = UncertainPick.pick(records, count: n, features: { UncertainPick.thumbnailFeatures(path: $0.path) })
        let ext = (out as NSString).pathExtension
        let target = uncertainOut ?? ((out as NSString).deletingPathExtension + ".uncertain." + ext)
        try LabelsFile.write(picks, classes: ReviewPage.classes(of: records), to: target)
        let groups = Dictionary(grouping: picks) { $0.group ?? "(top folder)" }.map { "\($0.key): \($0.value.count)" }.sorted()
        print("picked \(picks.count) images for review into \(target) (\(groups.joined(separator: ", "))); open with: loupe review \(target)")
    }

    func runErrorSearch(_ data: String) throws {
        guard let layout = LabeledDataset.Layout(rawValue: layout) else { throw ValidationError("--layout must be auto, csv or folders") }
        let dataset = try LabeledDataset.load(data, layout: layout)
        let architecture = try Model.load(from: arch)
        var options = LabelErrorSearch.Options()
        options.folds = folds
        options.inputSize = size
        options.fineTune = finetune
        options.testTimeAugmentation = !noTta
        var training = TrainingOptions()
        training.epochs = epochs
        training.batch = trainBatch
        training.learningRate = lr
        training.seed = seed
        training.threads = threads
        training.validationFraction = 0
        try training.validate()
        options.training = training
        _ = try LabelsFileFormat(path: out)
        let bar = ProgressBar(interactive: isatty(STDERR_FILENO) != 0)
        StopSignal.install()
        let began = Date()
        let result = try LabelErrorSearch.run(dataset: dataset, architecture: architecture, options: options, shouldStop: { StopSignal.requested }) { event in
            switch event {
            case let .loading(images, input): warn("loading \(images) images at \(input)")
            case let .fold(f, of, train, held): warn("fold \(f)/\(of): training on \(train) images, predicting \(held)")
            case let .training(_, e): bar.show(e)
            }
        }
        bar.finish()
        try LabelsFile.write(result.records, classes: result.classes, to: out)
        for s in result.skipped.prefix(10) { warn("skipped unreadable image \(s)") }
        let n = result.records.count
        print(String(format: "%d images, %d folds, %.1f min; out-of-sample agreement with the given labels %.1f %%", n, folds,
                     Date().timeIntervalSince(began) / 60, 100 * result.agreement))
        for (c, name) in result.classes.enumerated() {
            print(String(format: "  %@: %d images, about %.0f labelled wrongly (%.1f %%)", name, result.classCounts[c], result.estimatedErrors[c],
                         100 * result.estimatedErrors[c] / Double(max(1, result.classCounts[c]))))
        }
        let suspected = result.records.filter { $0.suspectedError == true }.count
        print("\(suspected) suspected label errors ranked first in \(out); review them with: loupe review \(out)")
    }

    func warn(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}

/// A self-updating line on a terminal: `[#####-----] 812/2000  412.5 img/s  ETA 0:03`.
final class LabellingProgress {
    let interactive: Bool
    private var last = 0.0
    init(interactive: Bool) { self.interactive = interactive }

    func show(_ p: Labeller.Progress) {
        guard interactive, p.total > 0 else { return }
        if p.done != p.total && p.seconds - last < 0.2 { return }
        last = p.seconds
        let rate = p.seconds > 0 ? Double(p.done) / p.seconds : 0
        let eta = rate > 0 ? Double(p.total - p.done) / rate : 0
        FileHandle.standardError.write(Data(("\r\u{1B}[2K[" + ProgressBar.bar(p.done, of: p.total, width: 30)
            + "] \(p.done)/\(p.total)  " + String(format: "%.1f img/s", rate) + "  ETA \(ProgressBar.clock(eta))").utf8))
    }

    func finish() { if interactive { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) } }
}
