import ArgumentParser
import Foundation
import LoupeImaging
import LoupeInspection
import LoupeModel

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images: verdict (pass/reject), defect score, class and timing per image.",
        discussion: """
        PATHS are image files (PNG or JPEG, any size: each is resized to the model's input) or folders of them. \
        An image that cannot be read is reported and skipped; the exit status is then 1. \
        With --json the whole run is one JSON document on standard output.
        """
    )

    @Argument(help: "Image files or folders.")
    var paths: [String]

    @Option(name: .shortAndLong, help: "Model directory (holding model.json and its weights).")
    var model: String = "Models/demo"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(name: .shortAndLong, help: "Descend into subfolders.")
    var recursive = false

    @Option(help: "Threads used per image.")
    var threads: Int = 2

    @Option(help: "Override the model's reject threshold (0...1): reject when defect score > threshold.")
    var threshold: Float?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be within 0...1") }
    }

    func run() throws {
        var loaded = try Model.load(from: model)
        if let threshold { loaded.spec.threshold = threshold }
        let inspector = try Inspector(model: loaded, threads: threads)
        let (files, missing) = ImageFiles.expand(paths, recursive: recursive)
        var results: [Inspection] = []
        var failures: [(String, String)] = missing.map { ($0, "file or folder not found") }
        if files.isEmpty && missing.isEmpty { failures.append((paths.joined(separator: " "), "no PNG or JPEG images found")) }
        if !json { print("model \(inspector.modelID)  input \(loaded.spec.input.channels)x\(loaded.spec.input.height)x\(loaded.spec.input.width)  threshold \(loaded.spec.threshold)") }
        for file in files {
            do {
                let r = try inspector.inspect(file: file)
                results.append(r)
                if !json { print(Self.line(r)) }
            } catch {
                failures.append((file, "\(error)"))
                if !json { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
            }
        }
        for (path, reason) in failures where missing.contains(path) || files.isEmpty {
            if !json { FileHandle.standardError.write(Data("error: \(path): \(reason)\n".utf8)) }
        }
        let summary = Summary(results: results, failures: failures.count)
        if json {
            let report = Report(model: loaded.spec.name, modelId: inspector.modelID, modelSha256: inspector.modelSHA256,
                                results: results, errors: failures.map { .init(path: $0.0, error: $0.1) }, summary: summary)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(summary.text)
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    static func line(_ r: Inspection) -> String {
        let name = (r.source as NSString).lastPathComponent
        let verdict = r.verdict == .reject ? "REJECT" : "pass  "
        return "\(name.padding(toLength: max(24, name.count), withPad: " ", startingAt: 0))  \(verdict)  score \(String(format: "%.3f", r.defectScore))"
            + "  class \(r.className)  decode \(String(format: "%.1f", r.timings.decodeMs)) ms  infer \(String(format: "%.1f", r.timings.inferenceMs)) ms"
    }

    struct Summary: Codable {
        var images: Int, rejected: Int, passed: Int, errors: Int
        var meanInferenceMs: Double, meanTotalMs: Double
        init(results: [Inspection], failures: Int) {
            images = results.count
            rejected = results.filter { $0.verdict == .reject }.count
            passed = images - rejected
            errors = failures
            meanInferenceMs = results.isEmpty ? 0 : results.map(\.timings.inferenceMs).reduce(0, +) / Double(images)
            meanTotalMs = results.isEmpty ? 0 : results.map(\.timings.totalMs).reduce(0, +) / Double(images)
        }
        var text: String {
            "\(images) images: \(rejected) rejected, \(passed) passed, \(errors) errors; mean inference \(String(format: "%.2f", meanInferenceMs)) ms, mean total \(String(format: "%.2f", meanTotalMs)) ms per image"
        }
    }

    struct Report: Codable {
        struct Failure: Codable { var path: String; var error: String }
        var model: String, modelId: String, modelSha256: String
        var results: [Inspection]
        var errors: [Failure]
        var summary: Summary
    }
}
