import Foundation
import LoupeEvaluation
import LoupeModel

/// The project's SplitMix64 (LoupeModel), so random tests repeat exactly.
typealias SeededGenerator = SplitMix64

/// The repository root (this file is Tests/LoupeEvaluationTests/TestSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A two-class sample ["good", "defective"] whose defect score is exactly `score`.
func binarySample(_ score: Float, defective: Bool, path: String = "part.png", group: String? = nil) -> EvalSample {
    EvalSample(path: path, group: group, trueClass: defective ? 1 : 0, probabilities: [1 - score, score], defectScore: score,
               isDefective: defective)
}

/// Random scored samples with many ties: scores are multiples of 1/20 half the time, and
/// defective parts tend to score higher. `classes` probability vectors are random.
func randomSamples(count: Int, classes: Int, seed: UInt64, groups: [String?] = [nil]) -> [EvalSample] {
    var random = SeededGenerator(seed: seed)
    return (0..<count).map { index in
        let trueClass = Int.random(in: 0..<classes, using: &random)
        let defective = trueClass >= classes / 2
        var raw = (0..<classes).map { _ in Float.random(in: 0.01...1, using: &random) }
        raw[trueClass] += Float.random(in: 0...1.5, using: &random)
        let sum = raw.reduce(0, +)
        let probabilities = raw.map { $0 / sum }
        var score = min(max(Float.random(in: 0...1, using: &random) * 0.7 + (defective ? 0.3 : 0), 0), 1)
        if Bool.random(using: &random) { score = (score * 20).rounded() / 20 }
        return EvalSample(path: "img/\(index).png", group: groups.randomElement(using: &random)!, trueClass: trueClass,
                          probabilities: probabilities, defectScore: score, isDefective: defective)
    }
}

/// Runs `executable` with `arguments`, feeding `input`; returns (exit status, stdout, stderr).
/// Terminates the process after `timeout` seconds. Stderr goes through a temporary file, so a
/// chatty child cannot block on a full pipe while we read stdout.
func runProcess(_ executable: String, _ arguments: [String], input: Data? = nil, timeout: TimeInterval = 120) throws -> (Int32, Data, String) {
    let errorPath = NSTemporaryDirectory() + "loupe-eval-stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe(), stdin = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    process.standardInput = stdin
    try process.run()
    let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    if let input { stdin.fileHandleForWriting.write(input) }
    try stdin.fileHandleForWriting.close()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
    return (process.terminationStatus, outputData, errors)
}

/// The first executable named `name` on $PATH.
func executableOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}
