// loupe-station-bench: the station at a line rate and at its limits, with a real PLC (`make bench-station`).
//
//   loupe-station-bench --repo R [--out F] [--seconds S] [--rate FPS] [--trial-seconds T]
//                       [--sustain-seconds S] [--overload-seconds S] [--soak-minutes M]
//
// Everything runs `StationRunner` over the bundled samples replayed from a folder, with the
// pymodbus PLC peer on 127.0.0.1, two inference threads, every frame a part.
// 1. At --rate (25 fps), for the demo model and ElpvNet-ref (300x300): frame capture → decision,
//    the pipeline's own share of it (minus the network's time), frame capture → reject written
//    and read back at the PLC, and the CPU the station used. ElpvNet-ref's weights are untrained:
//    it runs at threshold 0, so every part is a reject, the reject path's worst case.
// 2. Beside it, the engine alone on the same model: batch-1 latency and batch-32 throughput
//    (`engine_img_s`), the yardsticks.
// 3. Demo model: the highest rate sustained with no part left uninspected (`max_sustained_fps`),
//    frames from memory as a camera delivers them: bisected below the engine's batch-1 rate, the
//    best confirmed for --sustain-seconds (60).
// 4. Overload at twice that rate: every part must still get exactly one result (`parts_lost`),
//    and no part whose sample is labelled defective may pass (`bad_parts_passed`).
// 5. Soak at --rate for --soak-minutes (30): resident memory after warm-up and at the end.
import Foundation
import LoupeMES
import LoupeModel
import LoupePeers
import LoupeStation
import LoupeTensor

let args = Array(CommandLine.arguments.dropFirst())
let repo = option("--repo", args) ?? FileManager.default.currentDirectoryPath
let out = option("--out", args) ?? repo + "/Benchmarks/results/station.json"
let seconds = Double(option("--seconds", args) ?? "") ?? 25
let rate = Double(option("--rate", args) ?? "") ?? 25
let trialSeconds = Double(option("--trial-seconds", args) ?? "") ?? 10
let sustainSeconds = Double(option("--sustain-seconds", args) ?? "") ?? 60
let overloadSeconds = Double(option("--overload-seconds", args) ?? "") ?? 30
let soakMinutes = Double(option("--soak-minutes", args) ?? "") ?? 30

do {
    let plc = try PLCPeer(repo: repo)
    var report: [String: Any] = ["rate_fps": rate, "seconds_per_model": seconds, "command": "make bench-station",
                                 "host_cores": ProcessInfo.processInfo.activeProcessorCount, "cpu_model": CPUDescription.current.summary]
    print("CPU: \(CPUDescription.current.summary), \(ProcessInfo.processInfo.activeProcessorCount) cores")

    // 1–2. Line rate, both models, beside the engine alone.
    var rows: [[String: Any]] = []
    var demoEngine = (batch1Ms: 0.0, batchImagesPerSecond: 0.0)
    for modelName in ["demo", "ElpvNet-ref"] {
        let cpuBefore = cpuSeconds(), wallBefore = MonotonicClock.seconds()
        let (runner, summary) = try runStation(repo: repo, model: modelName, rate: rate, seconds: seconds, plcPort: plc.port)
        let cpuPercent = (cpuSeconds() - cpuBefore) / (MonotonicClock.seconds() - wallBefore) * 100
        let point = runner.points[0]
        let engine = try engineSpeed(repo: repo, model: modelName, threads: 2)
        if modelName == "demo" { demoEngine = engine }
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
            "cpu_percent_of_one_core": rounded(cpuPercent),
            "engine_batch1_median_ms": rounded(engine.batch1Ms),
            "engine_img_s": rounded(engine.batchImagesPerSecond),
        ]
        rows.append(row)
        print(String(format: "%@ at %.0f fps: %d parts; frame→decision p50 %@ p99 %@ ms; overhead p99 %@ ms; frame→reject at the PLC p50 %@ p99 %@ ms (%d confirmed, %d not); CPU %.0f %% of a core; engine alone %@ ms batch 1, %@ img/s batch 32",
                     modelName, rate, summary.parts, "\(row["frame_to_decision_p50_ms"]!)", "\(row["frame_to_decision_p99_ms"]!)",
                     "\(row["pipeline_overhead_p99_ms"]!)", "\(row["frame_to_reject_p50_ms"]!)", "\(row["frame_to_reject_p99_ms"]!)",
                     summary.rejectsConfirmed ?? 0, summary.rejectsNotConfirmed ?? 0, cpuPercent, "\(row["engine_batch1_median_ms"]!)",
                     "\(row["engine_img_s"]!)"))
    }
    report["models"] = rows

    // 3. The highest rate the demo station sustains: frames from memory (one sample decoded once,
    //    as a camera delivers them), bisected between the line rate and the engine's batch-1 rate,
    //    then confirmed for --sustain-seconds.
    let estimate = 1000 / max(demoEngine.batch1Ms, 0.1)
    func sustains(_ trialRate: Double, for trialSeconds: Double, _ label: String) throws -> (Bool, Int) {
        let (_, summary) = try runStation(repo: repo, model: "demo", rate: trialRate, seconds: trialSeconds, plcPort: plc.port, still: true)
        let lost = partsNotInspected(summary)
        print(String(format: "  %@ %.0f fps for %.0f s: %d parts, %d not inspected", label, trialRate, trialSeconds, summary.parts, lost))
        return (lost == 0, summary.parts)
    }
    var (low, high) = (rate, estimate * 1.1)
    while high - low > max(5, low * 0.04) {
        let middle = ((low + high) / 2).rounded()
        if try sustains(middle, for: trialSeconds, "trial").0 { low = middle } else { high = middle }
    }
    var sustained = 0.0, sustainedParts = 0, candidate = low
    while candidate >= rate {
        let (ok, parts) = try sustains(candidate, for: sustainSeconds, "confirm")
        if ok { (sustained, sustainedParts) = (candidate, parts); break }
        candidate = (candidate * 0.9).rounded()
    }
    report["max_sustained_fps"] = sustained
    report["max_sustained_parts"] = sustainedParts
    report["sustain_seconds"] = sustainSeconds
    report["engine_img_s"] = rounded(demoEngine.batchImagesPerSecond)
    report["engine_batch1_img_s"] = rounded(estimate)
    report["sustained_share_of_engine"] = rounded(sustained / demoEngine.batchImagesPerSecond)
    print(String(format: "demo: max sustained %.0f fps for %.0f s = %.0f %% of the engine's batch-32 throughput (%.0f img/s), %.0f %% of its batch-1 rate (%.0f img/s)",
                 sustained, sustainSeconds, sustained / demoEngine.batchImagesPerSecond * 100, demoEngine.batchImagesPerSecond,
                 sustained / estimate * 100, estimate))

    // 4. Overload at twice the sustained rate.
    let overloadRate = max(2 * sustained, 2 * rate)
    let defective = try defectiveSamples(repo: repo)
    let (overloaded, summary) = try runStation(repo: repo, model: "demo", rate: overloadRate, seconds: overloadSeconds, plcPort: plc.port)
    let entered = overloaded.points[0].tracker.counters.entered
    let results = try overloaded.outbox.query({ var q = Outbox.Query(); q.limit = 10_000_000; return q }())
    let badPassed = results.filter { row in
        guard row.verdict == "pass", let part = Int(row.partId), part >= 1 else { return false }
        return defective[(part - 1) % defective.count]
    }.count
    let partsLost = entered - Set(results.map(\.partId)).count
    report["overload_fps"] = overloadRate
    report["overload_parts"] = entered
    report["overload_fail_safe_rejects"] = summary.failSafeRejects
    report["parts_lost"] = partsLost
    report["bad_parts_passed"] = badPassed
    print(String(format: "overload at %.0f fps for %.0f s: %d parts entered, %d results, %d fail-safe rejects; parts_lost %d, bad_parts_passed %d",
                 overloadRate, overloadSeconds, entered, results.count, summary.failSafeRejects, partsLost, badPassed))

    // 5. Soak: resident memory after warm-up and at the end.
    let warmUp = min(60, soakMinutes * 60 / 4)
    final class Samples: @unchecked Sendable { var afterWarmUp: Double?; var peak = 0.0 }
    let samples = Samples()
    let (_, soak) = try runStation(repo: repo, model: "demo", rate: rate, seconds: soakMinutes * 60, plcPort: plc.port) { elapsed in
        if samples.afterWarmUp == nil && elapsed >= warmUp { samples.afterWarmUp = residentMB() }
    }
    let atEnd = residentMB()
    report["soak_minutes"] = soakMinutes
    report["soak_parts"] = soak.parts
    report["rss_after_warmup_mb"] = rounded(samples.afterWarmUp)
    report["rss_at_end_mb"] = rounded(atEnd)
    report["rss_growth_mb"] = rounded(samples.afterWarmUp.map { atEnd - $0 })
    print(String(format: "soak %.0f min at %.0f fps: %d parts; RSS %.1f MB after %.0f s warm-up, %.1f MB at the end (growth %.1f MB)",
                 soakMinutes, rate, soak.parts, samples.afterWarmUp ?? 0, warmUp, atEnd, atEnd - (samples.afterWarmUp ?? atEnd)))

    let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
    try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: out))
    print("wrote \(out)")
} catch {
    fail(program: "loupe-station-bench", "\(error)")
}
