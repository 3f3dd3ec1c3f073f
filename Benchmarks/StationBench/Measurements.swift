import Foundation
import LoupeImaging
import LoupeInference
import LoupeInspection
import LoupeModel
import LoupeStation
import LoupeTensor

func rounded(_ value: Double?) -> Any { value.map { ($0 * 1000).rounded() / 1000 } ?? NSNull() }

/// Resident memory of this process, megabytes (/proc/self/status VmRSS).
func residentMB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kB = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kB / 1024
}

/// CPU seconds (user + system) this process has used.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// The engine alone on one model: batch-1 latency through the inspector (the station's path) and
/// batch-32 throughput of the inference session, both with `threads` threads.
func engineSpeed(repo: String, model name: String, threads: Int) throws -> (batch1Ms: Double, batchImagesPerSecond: Double) {
    let model = try Model.load(from: "\(repo)/Models/\(name)")
    let inspector = try Inspector(model: model, threads: threads)
    let sample = try ImageDecoder.decode(contentsOf: "\(repo)/Images/samples/cell0001.png")
    _ = try inspector.inspect(sample, source: "warm-up")
    let batch1 = try (0..<200).map { _ in try inspector.inspect(sample, source: "engine").timings.inferenceMs }
    let batch = 32
    let session = InferenceSession(network: try Network(model: model), maxBatch: batch, threads: threads)
    let input = Tensor(shape: [batch, model.spec.input.channels, model.spec.input.height, model.spec.input.width])
    let output = UnsafeMutablePointer<Float>.allocate(capacity: batch * session.network.outputCount)
    defer { output.deallocate() }
    session.run(input: input.pointer, batch: batch, output: output)
    var best = Double.infinity
    for _ in 0..<5 {
        let start = MonotonicClock.seconds()
        session.run(input: input.pointer, batch: batch, output: output)
        best = min(best, MonotonicClock.seconds() - start)
    }
    return (StationRunner.Summary.percentile(batch1, 0.5) ?? 0, Double(batch) / best)
}

/// One station run of `seconds` at `rate` frames per second, with the PLC peer at `plcPort`:
/// over the bundled samples replayed from their folder (each frame read and decoded from disk),
/// or (`still`) over one good part's sample (cell0002) decoded once, as a camera delivers raw
/// frames from memory — most parts on a line are good, so the PLC sees no reject traffic.
/// Returns the runner (for its points and links) and its summary.
func runStation(repo: String, model name: String, rate: Double, seconds: Double, plcPort: Int, still: Bool = false,
                whileRunning: @escaping @Sendable (Double) -> Void = { _ in }) throws -> (StationRunner, StationRunner.Summary) {
    let work = NSTemporaryDirectory() + "loupe-bench-station-\(getpid())-\(name)-\(Int(rate * 10))"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let yaml = """
    station: {name: bench, outbox: \(work)/outbox.sqlite}
    api: {listen: "127.0.0.1:0"}
    plc: {address: "127.0.0.1:\(plcPort)", request_timeout_ms: 50}
    inspection_points:
      - name: cam
        source: \(still ? "{image: \(repo)/Images/samples/cell0002.png, fps: \(rate)}" : "{folder: \(repo)/Images/samples, fps: \(rate), loop: true}")
        model: \(repo)/Models/\(name)
        threshold: \(name == "demo" ? "0.5" : "0.0")
        line: {distance_to_pick_m: 0.5, conveyor_speed_m_s: 1.0, reject_lead_ms: 30}
        slot: 1
    """
    let config = try StationConfiguration.parse(yaml, file: "bench.yaml", environment: [:])
    let runner = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 2, log: { _ in })
    let start = MonotonicClock.seconds()
    let stopAt = start + seconds
    let summary = try runner.run(shouldStop: {
        let now = MonotonicClock.seconds()
        whileRunning(now - start)
        return now >= stopAt
    })
    return (runner, summary)
}

/// Parts that could not be inspected in a run: frames dropped or unreadable, verdicts too late,
/// parts untracked. Zero means the rate was sustained.
func partsNotInspected(_ summary: StationRunner.Summary) -> Int {
    summary.rejects.filter { [.frameLost, .noVerdictInTime, .untracked].contains($0.0) }.reduce(0) { $0 + $1.1 }
}

/// Whether each bundled sample (in name order, as the folder replays them) is defective by its
/// label (`probability` > 0.5 in labels.csv).
func defectiveSamples(repo: String) throws -> [Bool] {
    let lines = try String(contentsOfFile: "\(repo)/Images/samples/labels.csv", encoding: .utf8).split(separator: "\n").dropFirst()
    return lines.map { $0.split(separator: ",") }.sorted { $0[0] < $1[0] }.map { (Double($0[1]) ?? 0) > 0.5 }
}
