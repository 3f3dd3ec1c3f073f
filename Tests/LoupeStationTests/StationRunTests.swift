import Foundation
import LoupeCapture
import LoupeImaging
import LoupeInspection
import LoupeMES
import LoupeModel
import LoupeStation
import LoupeTestSupport
import XCTest

/// The station end to end on real components: a replayed folder, the demo model, the SQLite
/// outbox and, for the reject path, the pymodbus PLC peer on 127.0.0.1.
final class StationRunTests: XCTestCase {
    /// A folder with the first `count` bundled samples and, if asked, a corrupt image in the middle.
    func frames(_ count: Int, corrupt: Bool) throws -> String {
        let dir = try makeTemporaryDirectory(self, "station-frames")
        for i in 1...count {
            let name = String(format: "cell%04d.png", i)
            try FileManager.default.copyItem(atPath: repositoryRoot + "/Images/samples/" + name, toPath: dir + "/" + name)
        }
        if corrupt { try writeFile(Array("not a png at all".utf8), to: dir + "/cell0005b.png") }
        return dir
    }

    func configuration(frames: String, outbox: String, plc: String? = nil, mes: String? = nil, mesAcknowledges: Bool = false, band: Double = 0.05,
                       fps: Double = 40, model: String = "Models/demo") throws -> StationConfiguration {
        var yaml = """
        station:
          name: test-station
          outbox: \(outbox)
        api:
          listen: 127.0.0.1:0
        inspection_points:
          - name: cam
            source:
              folder: \(frames)
              fps: \(fps)
            model: \(repositoryRoot)/\(model)
            uncertainty_band: \(band)
            line: {distance_to_pick_m: 1.0, conveyor_speed_m_s: 1.0, reject_lead_ms: 50}
            slot: 3
        """
        if let plc { yaml += "\nplc:\n  address: \(plc)\n  request_timeout_ms: 200" }
        if let mes { yaml += "\nmes:\n  broker: \(mes)\n  group: plant" + (mesAcknowledges ? "\n  acknowledge: mes" : "") }
        return try StationConfiguration.parse(yaml, file: "test.yaml", environment: [:])
    }

    /// Every frame becomes exactly one result; decided parts match the inspector on the same file;
    /// the corrupt file is a part rejected as frame-lost, never passed.
    func testEveryFrameIsSettledOnceIntoTheOutbox() throws {
        let folder = try frames(12, corrupt: true)
        let outbox = try makeTemporaryDirectory(self, "station-outbox") + "/outbox.sqlite"
        let config = try configuration(frames: folder, outbox: outbox)
        let models = try config.checkResources()
        let runner = try StationRunner(configuration: config, models: models, inferenceThreads: 1, log: { _ in })
        let summary = try runner.run()
        XCTAssertEqual(summary.parts, 13)
        XCTAssertEqual(summary.passed + summary.rejected, 13)
        XCTAssertEqual(summary.rejects.first { $0.0 == .frameLost }?.1, 1, summary.lines.joined(separator: "\n"))
        XCTAssertEqual(summary.rejects.first { $0.0 == .noVerdictInTime }?.1, 0, "a 40 fps replay is decided well inside 950 ms")

        let rows = try Outbox(config: .init(path: outbox)).query({ var q = Outbox.Query(); q.limit = 100; return q }())
        XCTAssertEqual(rows.count, 13)
        XCTAssertEqual(Set(rows.map(\.partId)).count, 13, "one result per part")
        // Independent check: the inspector alone on the same files, in the same (name) order.
        let inspector = try Inspector(model: try Model.load(from: repositoryRoot + "/Models/demo"), threads: 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let byPart = Dictionary(uniqueKeysWithValues: rows.map { ($0.partId, $0.verdict) })
        for (index, file) in files.enumerated() {
            let verdict = byPart[String(index + 1)] // parts are numbered in frame order from 1
            guard let expected = try? inspector.inspect(file: folder + "/" + file) else {
                XCTAssertEqual(verdict, "uncertain", "\(file) cannot be read: rejected by the fail-safe")
                continue
            }
            let uncertain = abs(expected.defectScore - expected.threshold) <= 0.05
            XCTAssertEqual(verdict, uncertain ? "uncertain" : expected.verdict.rawValue, file)
        }
    }

    /// With a PLC: every rejected part's command is written and read back by the real Modbus peer in time.
    func testRejectsReachTheRealPLC() throws {
        let plc = try requirePeer { try PLCPeer(repo: repositoryRoot) }
        let folder = try frames(8, corrupt: false)
        let outbox = try makeTemporaryDirectory(self, "station-plc") + "/outbox.sqlite"
        let config = try configuration(frames: folder, outbox: outbox, plc: "127.0.0.1:\(plc.port)")
        let runner = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 1, log: { _ in })
        let summary = try runner.run()
        XCTAssertEqual(summary.parts, 8)
        XCTAssertGreaterThan(summary.rejected, 0, "the first eight samples include defective cells")
        XCTAssertEqual(summary.rejectsConfirmed, summary.rejected, summary.lines.joined(separator: "\n"))
        XCTAssertEqual(summary.rejectsNotConfirmed, 0)
        // The reject block holds the last command: slot 3, command 1 (reject).
        let client = ModbusClient(host: "127.0.0.1", port: plc.port, unit: 1)
        defer { client.close() }
        let block = try client.readRegisters(10, count: 6, timeoutMs: 500)
        XCTAssertEqual(block[1], 3)
        XCTAssertEqual(block[4], 1)
    }

    /// With an MES: every part's result reaches a real MQTT subscriber (mosquitto), counted by result id.
    func testEveryResultReachesTheMES() throws {
        let broker = try requirePeer { try MosquittoPeer() }
        let mes = try MESSubscriber(port: broker.port, topics: .sparkplug(group: "plant", station: "test-station"), ackResults: false)
        try mes.link.waitConnected(timeout: 5)
        let folder = try frames(10, corrupt: true)
        let outbox = try makeTemporaryDirectory(self, "station-mes") + "/outbox.sqlite"
        let config = try configuration(frames: folder, outbox: outbox, mes: "127.0.0.1:\(broker.port)")
        let runner = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 1, log: { _ in })
        let summary = try runner.run()
        XCTAssertEqual(summary.parts, 11)
        XCTAssertTrue(mes.wait(distinct: 11, timeout: 10), "the MES got \(mes.distinct) of 11 results")
        let stored = try Outbox(config: .init(path: outbox)).query({ var q = Outbox.Query(); q.limit = 100; return q }())
        XCTAssertEqual(mes.ids, Set(stored.map(\.resultId)), "the MES holds exactly the results in the outbox")
        XCTAssertEqual(summary.pendingResults, 0, "every result acknowledged before the run ended")
        mes.stop()
    }

    /// Overload: frames arrive faster than a 300-px network is decided. Capture never waits: the
    /// frames with no free input slot are dropped and counted, and every one of their parts is
    /// rejected (frame-lost); no part is passed without a verdict, and every frame is one result.
    func testOverloadDropsFramesButNeverPassesAPartSilently() throws {
        let folder = try makeTemporaryDirectory(self, "station-overload")
        let big = try Image(width: 300, height: 300, channels: 1, pixels: (0..<90_000).map { UInt8(truncatingIfNeeded: $0 * 7 % 253) })
        for i in 0..<60 { try ImageEncoder.writePNG(big, to: folder + String(format: "/f%03d.png", i), compressionLevel: 0) }
        let outbox = try makeTemporaryDirectory(self, "station-overload-outbox") + "/outbox.sqlite"
        let config = try configuration(frames: folder, outbox: outbox, fps: 1000, model: "Models/ElpvNet-ref")
        let runner = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 1, log: { _ in })
        let summary = try runner.run()
        let lost = summary.rejects.first { $0.0 == .frameLost }?.1 ?? 0
        let decided = summary.parts - lost - (summary.rejects.first { $0.0 == .noVerdictInTime }?.1 ?? 0)
        XCTAssertEqual(summary.parts, 60, summary.lines.joined(separator: "\n"))
        XCTAssertGreaterThan(runner.points[0].droppedForOverload, 0, "1000 frames/s must overrun a 300-px network")
        XCTAssertGreaterThanOrEqual(lost, runner.points[0].droppedForOverload)
        XCTAssertLessThanOrEqual(summary.passed, decided, "only decided parts pass")
        let rows = try Outbox(config: .init(path: outbox)).query({ var q = Outbox.Query(); q.limit = 100; return q }())
        XCTAssertEqual(Set(rows.map(\.partId)).count, 60, "one result per part, dropped ones included")
        print("overload: " + summary.lines.joined(separator: "; ") + "; dropped for overload \(runner.points[0].droppedForOverload)")
    }

    /// The whole pipeline in steady state: capture → conversion into a slot → hand-over →
    /// inference → tracker → links makes no allocator call per part. Measured as the difference
    /// between a 50-part and a 250-part run of the same runner (thread start-up costs cancel).
    func testPipelineAllocatesNothingPerPart() throws {
        let model = try Model.load(from: repositoryRoot + "/Models/demo")
        let image = try ImageDecoder.decode(contentsOf: repositoryRoot + "/Images/samples/cell0001.png")
        let source = SingleImageSource(image: image, name: "still", framesPerSecond: 400)
        let runner = InspectionPointRunner(name: "alloc", source: source, inspector: try Inspector(model: model, threads: 1),
                                           line: LineGeometry(distanceToPick: 1, conveyorSpeed: 1, rejectLeadTime: 0.05), slot: 1,
                                           region: nil, uncertaintyBand: 0.05, rejects: CountingLinks(), results: CountingLinks())
        try source.start()
        defer { source.stop() }
        runner.run(partLimit: 50, shouldStop: { false })  // warm-up: converter, slots, first inferences
        // The counter is process-wide: another test's leftover threads (a broker link, an HTTP
        // server) can allocate meanwhile, so the least of three differences is taken.
        var differences: [Int] = []
        var limit = 50
        for _ in 0..<3 {
            let short = AllocationCounter.calls { runner.run(partLimit: limit + 50, shouldStop: { false }) }
            let long = AllocationCounter.calls { runner.run(partLimit: limit + 300, shouldStop: { false }) }
            limit += 300
            differences.append(long - short)
            print("pipeline allocator calls: 50-part run \(short), 250-part run \(long)")
        }
        XCTAssertEqual(runner.tracker.counters.settled, 950)
        XCTAssertEqual(runner.tracker.results.results, 950)
        XCTAssertLessThanOrEqual(differences.min()!, 0, "allocator calls per 200 extra parts: \(differences)")
    }

    /// GET `url` with curl: (HTTP status, body).
    func get(_ url: String) throws -> (Int, String) { try curl("GET", url, timeout: 5) }

    /// The value of an instant PromQL query answered by Prometheus' HTTP API (nil: no series yet).
    func promQL(_ prometheus: PrometheusPeer, _ query: String) throws -> Double? {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let (status, body) = try get("http://127.0.0.1:\(prometheus.port)/api/v1/query?query=\(encoded)")
        guard status == 200, let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let result = (json["data"] as? [String: Any])?["result"] as? [[String: Any]], let value = result.first?["value"] as? [Any],
              value.count == 2, let text = value[1] as? String else { return nil }
        return Double(text)
    }

    /// While the station runs: `/health` and `/ready` answer, `/metrics` counts the parts, and a
    /// real Prometheus server scrapes it and answers a PromQL query for the part count.
    func testMetricsAreScrapedByARealPrometheus() throws {
        let folder = try frames(4, corrupt: false)
        let outbox = try makeTemporaryDirectory(self, "station-metrics") + "/outbox.sqlite"
        var config = try configuration(frames: folder, outbox: outbox)
        config.inspectionPoints[0].source = .folder(path: folder, framesPerSecond: 20, loop: true)
        let runner = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 1, log: { _ in })
        let run = BackgroundRun(runner)
        defer { _ = run.finish() }
        XCTAssertTrue(waitUntil(10) { runner.http.port != nil })
        let port = try XCTUnwrap(runner.http.port)
        XCTAssertTrue(waitUntil(10) { (try? self.get("http://127.0.0.1:\(port)/ready").0) == 200 }, "/ready never answered 200")
        XCTAssertEqual(try get("http://127.0.0.1:\(port)/health").0, 200)
        let (status, body) = try get("http://127.0.0.1:\(port)/metrics")
        XCTAssertEqual(status, 200)
        XCTAssertTrue(body.contains("loupe_parts_total{"), body)
        XCTAssertTrue(body.contains("loupe_decision_latency_seconds_bucket{"), body)

        let prometheus = try requirePeer { try PrometheusPeer(targets: ["127.0.0.1:\(port)"]) }
        var counted: Double?
        XCTAssertTrue(waitUntil(30) {
            counted = try? self.promQL(prometheus, "sum(loupe_parts_total{point=\"cam\"})")
            return (counted ?? 0) >= 5
        }, "Prometheus counted \(counted.map { "\($0)" } ?? "nothing") parts")
        let parts = try XCTUnwrap(run.finish()?.parts)
        XCTAssertLessThanOrEqual(counted ?? 0, Double(parts), "Prometheus never counts more parts than were settled")
    }

    /// Chaos while the station runs: the broker is SIGKILLed and restarted, and the PLC freezes
    /// (SIGSTOP) for a while. Every part still gets exactly one result, every result reaches the
    /// MES once the broker is back (the MES acknowledges each one: a result the broker took while
    /// the MES was away is re-sent), and no reject is silently lost: each is either confirmed by
    /// the PLC or reported as not confirmed (with the stop-line alarm).
    func testBrokerKillAndPLCFreezeLoseNothing() throws {
        let broker = try requirePeer { try MosquittoPeer() }
        let plc = try requirePeer { try PLCPeer(repo: repositoryRoot) }
        let mes = try MESSubscriber(port: broker.port, topics: .sparkplug(group: "plant", station: "test-station"), ackResults: true)
        try mes.link.waitConnected(timeout: 5)
        let folder = try frames(24, corrupt: false)
        let outbox = try makeTemporaryDirectory(self, "station-chaos") + "/outbox.sqlite"
        var config = try configuration(frames: folder, outbox: outbox, plc: "127.0.0.1:\(plc.port)", mes: "127.0.0.1:\(broker.port)",
                                       mesAcknowledges: true)
        config.inspectionPoints[0].source = .folder(path: folder, framesPerSecond: 20, loop: true)
        let runner = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 1, log: { _ in })
        let run = BackgroundRun(runner, maxParts: 120)
        Thread.sleep(forTimeInterval: 1.0)
        broker.stop(kill: true)                       // the MES link goes down…
        Thread.sleep(forTimeInterval: 1.0)
        try broker.start()                            // …and comes back
        Thread.sleep(forTimeInterval: 0.5)
        plc.freeze()                                  // the PLC stops answering for 1.5 s
        Thread.sleep(forTimeInterval: 1.5)
        plc.thaw()
        let result = try XCTUnwrap(run.wait(timeout: 60), "the station did not finish")
        XCTAssertEqual(result.parts, 120)
        XCTAssertEqual((result.rejectsConfirmed ?? 0) + (result.rejectsNotConfirmed ?? 0), result.rejected,
                       "every reject confirmed or reported unconfirmed: " + result.lines.joined(separator: "; "))
        XCTAssertGreaterThan(result.rejectsNotConfirmed ?? 0, 0, "the frozen PLC must have cost some confirmations")
        XCTAssertTrue(mes.wait(distinct: 120, timeout: 20), "the MES got \(mes.distinct) of 120 results")
        let stored = try Outbox(config: .init(path: outbox)).query({ var q = Outbox.Query(); q.limit = 500; return q }())
        XCTAssertEqual(stored.count, 120, "one result per part")
        XCTAssertEqual(mes.ids, Set(stored.map(\.resultId)))
        print("station chaos: " + result.lines.joined(separator: "; ") + "; MES duplicates \(mes.duplicates)")
        mes.stop()
    }
    /// PLC-triggered parts: the PLC announces each part (id, slot, encoder) in its trigger block;
    /// the part id travels from the trigger to the result and the reject, one result per
    /// announced part, and frames nobody announced are not inspected.
    func testPLCTriggeredPartsCarryThePLCsIDs() throws {
        let plc = try requirePeer { try PLCPeer(repo: repositoryRoot) }
        let folder = try frames(6, corrupt: false)
        let outbox = try makeTemporaryDirectory(self, "station-trigger") + "/outbox.sqlite"
        var config = try configuration(frames: folder, outbox: outbox, plc: "127.0.0.1:\(plc.port)")
        config.inspectionPoints[0].source = .folder(path: folder, framesPerSecond: 50, loop: true)
        config.inspectionPoints[0].trigger = .plc
        config.inspectionPoints[0].triggerRegister = 40
        let runner = try StationRunner(configuration: config, models: try config.checkResources(), inferenceThreads: 1, log: { _ in })
        let run = BackgroundRun(runner)
        XCTAssertTrue(waitUntil(10) { runner.http.port != nil })
        Thread.sleep(forTimeInterval: 0.3)
        let line = ModbusClient(host: "127.0.0.1", port: plc.port, unit: 1)
        for n in 1...15 {
            try line.writeRegisters(40, [UInt16(n), 0, UInt16(1000 + n), 7, 0, UInt16(n * 100)], timeoutMs: 500)
            Thread.sleep(forTimeInterval: 0.1)
        }
        line.close()
        Thread.sleep(forTimeInterval: 1.5)
        let result = try XCTUnwrap(run.finish())
        XCTAssertEqual(result.parts, 15, result.lines.joined(separator: "; "))
        let stored = try Outbox(config: .init(path: outbox)).query({ var q = Outbox.Query(); q.limit = 100; return q }())
        XCTAssertEqual(Set(stored.map(\.partId)), Set((1...15).map { String(1000 + $0) }), "the PLC's part ids, one result each")
        XCTAssertEqual(stored.count, 15)
        XCTAssertEqual(result.rejects.first { $0.0 == .noVerdictInTime }?.1, 0, "every announced part got its frame and verdict in time")
        XCTAssertEqual(result.rejectsConfirmed, result.rejected)
    }
}

/// A station run on its own thread, stopped and joined by the test.
final class BackgroundRun: @unchecked Sendable {
    private let lock = NSLock()
    private var stopRequested = false
    private var summary: StationRunner.Summary?
    private var joined = false
    private let finished = DispatchSemaphore(value: 0)

    init(_ runner: StationRunner, maxParts: Int? = nil) {
        Thread { [self] in
            let result = try? runner.run(maxParts: maxParts, shouldStop: { [self] in
                lock.lock()
                defer { lock.unlock() }
                return stopRequested
            })
            lock.lock()
            summary = result
            lock.unlock()
            finished.signal()
        }.start()
    }

    /// Waits up to `timeout` seconds for the run to end by itself; its summary, or nil.
    func wait(timeout: Double) -> StationRunner.Summary? {
        guard finished.wait(timeout: .now() + timeout) == .success else { return nil }
        return join()
    }

    /// Asks the run to stop, waits for it, and returns its summary (nil if it failed).
    func finish() -> StationRunner.Summary? {
        lock.lock()
        stopRequested = true
        let done = joined
        lock.unlock()
        if !done { finished.wait() }
        return join()
    }

    private func join() -> StationRunner.Summary? {
        lock.lock()
        defer { lock.unlock() }
        joined = true
        return summary
    }
}
