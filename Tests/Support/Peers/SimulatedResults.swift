import Foundation
import LoupeMES

/// Results of a simulated station ("sim-0", "sim-1", …; every seventh a reject), shared by the
/// chaos tests' station process and the MES benchmark so both stream the same records.
public enum SimulatedResults {
    public static func record(index: Int, station: String) -> ResultRecord {
        let reject = index % 7 == 0
        return ResultRecord(resultId: "sim-\(index)", jobId: "job-sim", partId: String(index), measId: "m-\(index)", station: station,
                            modelId: "sim-model", modelSha256: String(repeating: "0", count: 64), recipeId: "R-sim",
                            processingTimesMs: ["inference": 1.5], verdict: reject ? .reject : .pass,
                            defectClass: reject ? "crack" : "good", score: reject ? 0.9 : 0.1, threshold: 0.5)
    }
}

/// The value after `name` in `args` (`--db file` → "file").
public func option(_ name: String, _ args: [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

/// Prints "`program`: `message`" to standard error and exits with status 2.
public func fail(program: String, _ message: String) -> Never {
    FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
    exit(2)
}
