import ArgumentParser
import Foundation
import LoupeDataset
import LoupeEvaluation
import LoupeInspection
import LoupeModel

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a model on labelled images: accuracy, escape rate, overkill, ROC AUC; calibrate its reject threshold.",
        discussion: """
        DATA takes the same forms as for `loupe train`; labels must be the model's classes (numbers match by value). \
        Every image goes through the station's own path (decode, resize, network, threshold).

        Escape rate = defective parts passed / defective parts; overkill = good parts rejected / good parts. \
        --calibrate R finds the threshold with the least overkill whose escape rate on DATA is at most R and \
        stores it in the model (calibrate on data the model was not trained on).
        Example:
          loupe eval test.csv --model Models/mine --report report.html --calibrate 0.02
        """
    )

    @Argument(help: "Labelled images: labels CSV, folder with labels.csv, or folder of class folders.")
    var data: String
    @Option(name: .shortAndLong, help: "Model folder.") var model: String = "Models/demo"
    @Option(help: "Labels from: auto (labels.csv if present, else class folders), csv, or folders.") var layout: String = "auto"
    @Option(help: "Write an HTML report (ROC, confusion matrices, worst mistakes as pictures) to this file.") var report: String?
    @Option(help: "Evaluate at this threshold instead of the model's.") var threshold: Float?
    @Option(parsing: .upToNextOption, help: "Target escape rates for the calibration table.")
    var escapeRates: [Double] = Evaluation.defaultCalibrationTargets
    @Option(help: "Store in the model the threshold calibrated for this target escape rate (e.g. 0.02).") var calibrate: Double?
    @Option(help: "Pictures per mistake kind in the report.") var worst: Int = 12
    @Flag(help: "Print JSON instead of text.") var json = false
    @Option var threads: Int = 2

    func validate() throws {
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be within 0...1") }
        if let calibrate, !(0...1).contains(calibrate) { throw ValidationError("--calibrate must be within 0...1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        var loaded = try Model.load(from: model)
        if let threshold { loaded.spec.threshold = threshold }
        guard let layout = LabeledDataset.Layout(rawValue: layout) else { throw ValidationError("--layout must be auto, csv or folders") }
        let dataset = try LabeledDataset.load(data, classes: loaded.spec.classes, layout: layout)
        let inspector = try Inspector(model: loaded, threads: threads)
        var samples: [EvalSample] = [], failures: [String] = []
        for s in dataset.samples {
            do {
                let r = try inspector.inspect(file: s.path)
                samples.append(EvalSample(path: s.path, group: s.group, trueClass: s.classIndex, probabilities: r.probabilities,
                                          defectScore: r.defectScore, isDefective: inspector.rule.isDefect(classIndex: s.classIndex)))
            } catch {
                failures.append("\(error)")
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        let evaluation = try Evaluation(samples: samples, classes: loaded.spec.classes, defectClasses: inspector.rule.defectClasses,
                                        threshold: inspector.rule.threshold)
        let summary = EvaluationSummary(evaluation, calibrationTargets: escapeRates)
        if let report {
            let html = EvaluationReport.html(evaluation, title: "\(loaded.spec.name) on \((data as NSString).lastPathComponent)",
                                             modelDescription: "\(inspector.modelID) · \(dataset.source) · \(samples.count) images",
                                             calibrationTargets: escapeRates, worstCount: worst)
            try html.write(toFile: report, atomically: true, encoding: .utf8)
        }
        var stored: ThresholdCalibration?
        if let calibrate {
            let c = try evaluation.calibrate(targetEscapeRates: [calibrate])[0]
            var spec = try Model.load(from: model) // the file as it is, without --threshold
            spec.spec.threshold = c.threshold
            var meta = spec.spec.metadata ?? [:]
            meta["threshold.calibrated_on"] = dataset.source
            meta["threshold.target_escape_rate"] = "\(calibrate)"
            meta["threshold.escape_rate"] = String(format: "%.4f", c.escapeRate)
            meta["threshold.overkill"] = String(format: "%.4f", c.overkill)
            spec.spec.metadata = meta
            try spec.write(to: model)
            stored = c
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(Self.text(summary, model: inspector.modelID))
            if let report { print("report: \(report)") }
            if let stored {
                print(String(format: "stored threshold %.6g in %@: escape rate %.2f %% (target %.2f %%), overkill %.2f %% on this data",
                             stored.threshold, model, 100 * stored.escapeRate, 100 * stored.targetEscapeRate, 100 * stored.overkill))
            }
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    static func pct(_ v: Double?) -> String { v.map { String(format: "%6.2f %%", 100 * $0) } ?? "   n/a  " }

    static func text(_ s: EvaluationSummary, model: String) -> String {
        var lines = ["model \(model)  threshold \(s.threshold)  \(s.samples) images (\(s.defects) defective, \(s.goods) good)"]
        lines.append("accuracy \(pct(s.accuracy))   precision \(pct(s.precision))   recall \(pct(s.recall))   F1 \(pct(s.f1))   ROC AUC \(s.auc.map { String(format: "%.4f", $0) } ?? "n/a")")
        lines.append("escape rate \(pct(s.escapeRate)) (\(s.confusion.falseNegatives) defective passed)   overkill \(pct(s.overkill)) (\(s.confusion.falsePositives) good rejected)")
        if s.classes.count > 2 || s.multiClassAccuracy != nil {
            lines.append("\(s.classes.count)-class accuracy \(pct(s.multiClassAccuracy))   confusion (rows true, columns predicted) \(s.classes):")
            for (i, row) in s.multiClassConfusion.enumerated() {
                lines.append("  \(s.classes[i].padding(toLength: 20, withPad: " ", startingAt: 0)) " + row.map { String(format: "%6d", $0) }.joined())
            }
        }
        for g in s.perGroup {
            lines.append("group \(g.group.padding(toLength: 10, withPad: " ", startingAt: 0)) \(String(format: "%5d", g.samples)) images  accuracy \(pct(g.accuracy))  "
                         + "AUC \(g.auc.map { String(format: "%.4f", $0) } ?? "n/a")  escape \(pct(g.escapeRate))  overkill \(pct(g.overkill))")
        }
        if let e = s.calibrationError { lines.append("calibration: \(e)") }
        if !s.calibration.isEmpty { lines.append("target escape   threshold   escape rate   overkill") }
        for c in s.calibration {
            lines.append(String(format: "%10.2f %%   %9.6f   %8.2f %%   %7.2f %%", 100 * c.targetEscapeRate, c.threshold, 100 * c.escapeRate, 100 * c.overkill))
        }
        return lines.joined(separator: "\n")
    }
}
