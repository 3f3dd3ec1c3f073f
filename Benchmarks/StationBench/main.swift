// loupe-station-bench: the station's latency at a line rate, with a real PLC (`make bench-station`).
//
//   loupe-station-bench --repo R [--out F] [--seconds S] [--rate FPS]
//
// For the demo model and ElpvNet-ref (300x300): the bundled samples replayed at --rate through
// `StationRunner` with the pymodbus PLC peer on 127.0.0.1. Every frame is a part; the uncertainty
// band is 0, so the rejects are the model's. Measured per part: frame capture → decision, the
// pipeline's own share of it (minus the network's time), and frame capture → reject written and
// read back at the PLC (ElpvNet-ref's weights are untrained: it runs at threshold 0, so every part
// is a reject, the reject path's worst case). Beside it, in the same run: the inspector alone on the same input (the
// engine's batch-1 latency), the yardstick for the station's overhead.
import Foundation
import LoupeImaging
import LoupeInspection
import LoupeModel
import LoupePeers
import LoupeStation
import LoupeTensor

/// The CPU as /proc/cpuinfo names it, with its widest vector ISA (a virtual machine often says
/// only "AMD EPYC"; results from different machines are not comparable).
func cpuModel() -> String {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    func field(_ name: String) -> String? {
        info.split(separator: "\n").first { $0.hasPrefix(name) }.flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }
    let flags = Set((field("flags") ?? "").split(separator: " "))
    let isa = flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") && flags.contains("fma") ? "AVX2+FMA" : "no AVX2"
    return "\(field("model name") ?? "unknown") (\(isa))"
}

func rounded(_ value: Double?) -> Any { value.map { ($0 * 1000).rounded() / 1000 } ?? NSNull() }

let args = Array(CommandLine.arguments.dropFirst())
let repo = option("--repo", args) ?? FileManager.default.currentDirectoryPath
let out = option("--out", args) ?? repo + "/Benchmarks/results/station.json"
let seconds = Double(option("--seconds", args) ?? "") ?? 20
let rate = Double(option("--rate", args) ?? "") ?? 25

do {
    let plc = try PLCPeer(repo: repo)
    var report: [String: Any] = ["rate_fps": rate, "seconds_per_model": seconds, "command": "make bench-station",
                                 "host_cores": ProcessInfo.processInfo.activeProcessorCount, "cpu_model": cpuModel()]
    print("CPU: \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores")
    var rows: [[String: Any]] = []
    for modelName in ["demo", "ElpvNet-ref"] {
        let work = NSTemporaryDirectory() + "loupe-bench-station-\(getpid())-\(modelName)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let yaml = """
        station: {name: bench, outbox: \(work)/outbox.sqlite}
        api: {listen: "127.0.0.1:0"}
        plc: {address: "127.0.0.1:\(plc.port)", request_timeout_ms: 50}
        inspection_points:
          - name: cam
            source: {folder: \(repo)/Images/samples, fps: \(rate), loop: true}
            model: \(repo)/Models/\(modelName)
            threshold: \(modelName == "demo" ? "0.5" : "0.0")
            line: {distance_to_pick_m: 0.5, conveyor_speed_m_s: 1.0, reject_lead_ms: 30}
            slot: 1
        """
        let config = try StationConfiguration.parse(yaml, file: "bench.yaml", environment: [:])
        let runner = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 2, log: { _ in })
        let stopAt = MonotonicClock.seconds() + seconds
        let summary = try runner.run { MonotonicClock.seconds() >= stopAt }
        let point = runner.points[0]

        // The engine alone, same model, same threads, on one converted sample.
        let inspector = try Inspector(model: try Model.load(from: "\(repo)/Models/\(modelName)"), threads: 2)
        let sample = try ImageDecoder.decode(contentsOf: "\(repo)/Images/samples/cell0001.png")
        _ = try inspector.inspect(sample, source: "warm-up")
        let engine = try (0..<200).map { _ in try inspector.inspect(sample, source: "engine").timings.inferenceMs }

        let row: [String: Any] = [
            "model": modelName, "parts": summary.parts, "passed": summary.passed, "rejected": summary.rejected,
            "fail_safe_rejects": summary.failSafeRejects, "rejects_confirmed": summary.rejectsConfirmed ?? 0,
            "rejects_not_confirmed": summary.rejectsNotConfirmed ?? 0, "frames_dropped": point.droppedForOverload,
            "frame_to_decision_p50_ms": rounded(StationRunner.Summary.percentile(point.latenciesMs, 0.5)),
            "frame_to_decision_p99_ms": rounded(StationRunner.Summary.percentile(point.latenciesMs, 0.99)),
            "pipeline_overhead_p50_ms": rounded(StationRunner.Summary.percentile(point.overheadsMs, 0.5)),
            "pipeline_overhead_p99_ms": rounded(StationRunner.Summary.percentile(point.overheadsMs, 0.99)),
            "frame_to_reject_p50_ms": rounded(StationRunner.Summary.percentile(runner.frameToRejectMs, 0.5)),
            "frame_to_reject_p99_ms": rounded(StationRunner.Summary.percentile(runner.frameToRejectMs, 0.99)),
            "engine_batch1_median_ms": rounded(StationRunner.Summary.percentile(engine, 0.5)),
        ]
        rows.append(row)
        print(String(format: "%@: %d parts at %.0f fps; frame→decision p50 %@ p99 %@ ms; overhead p99 %@ ms; frame→reject at the PLC p50 %@ p99 %@ ms (%d confirmed, %d not); engine alone %@ ms",
                     modelName, summary.parts, rate, "\(row["frame_to_decision_p50_ms"]!)", "\(row["frame_to_decision_p99_ms"]!)",
                     "\(row["pipeline_overhead_p99_ms"]!)", "\(row["frame_to_reject_p50_ms"]!)", "\(row["frame_to_reject_p99_ms"]!)",
                     summary.rejectsConfirmed ?? 0, summary.rejectsNotConfirmed ?? 0, "\(row["engine_batch1_median_ms"]!)"))
    }
    report["models"] = rows
    let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
    try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: out))
    print("wrote \(out)")
} catch {
    fail(program: "loupe-station-bench", "\(error)")
}
