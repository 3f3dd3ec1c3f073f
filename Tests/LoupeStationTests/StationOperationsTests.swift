import Foundation
import LoupeImaging
import LoupeInspection
import LoupeMES
import LoupeModel
@testable import LoupeStation
import LoupeTestSupport
import XCTest

/// Operating a running station through its HTTP API (real Hummingbird server, curl as the
/// client): the dashboard's state, changes with and without the token, model switch, rollback
/// and a corrupt model refused, pause and resume, and the audit trail in the outbox.
final class StationOperationsTests: XCTestCase {
    let token = "s3cret-token-for-tests"

    /// A station replaying the first `count` samples in a loop, with an API token, an archive and
    /// its configuration written to a file (so reload can read it again).
    func station(_ name: String, fps: Double = 20, count: Int = 8, extra: String = "", model: String? = nil) throws -> (file: String, dir: String) {
        let dir = try makeTemporaryDirectory(self, name)
        try FileManager.default.createDirectory(atPath: dir + "/frames", withIntermediateDirectories: true)
        for i in 1...count {
            let file = String(format: "cell%04d.png", i)
            try FileManager.default.copyItem(atPath: repositoryRoot + "/Images/samples/" + file, toPath: dir + "/frames/" + file)
        }
        try token.write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let yaml = """
        station:
          name: ops-station
          outbox: outbox.sqlite
        api:
          listen: 127.0.0.1:0
          token_file: \(dir)/token
        \(extra)
        inspection_points:
          - name: cam
            source: {folder: frames, fps: \(fps), loop: true}
            model: \(model ?? repositoryRoot + "/Models/demo")
            uncertainty_band: 0.02
            line: {distance_to_pick_m: 1.0, conveyor_speed_m_s: 1.0, reject_lead_ms: 50}
            slot: 2
        """
        try yaml.write(toFile: dir + "/station.yaml", atomically: true, encoding: .utf8)
        return (dir + "/station.yaml", dir)
    }

    func start(_ file: String) throws -> (StationRunner, BackgroundRun, Int) {
        let config = try StationConfiguration.load(contentsOf: file)
        let runner = try StationRunner(configuration: config, models: try config.checkResources(file: file), inferenceThreads: 1,
                                       configurationFile: file, log: { _ in })
        let run = BackgroundRun(runner)
        XCTAssertTrue(waitUntil(10) { runner.http.port != nil })
        return (runner, run, try XCTUnwrap(runner.http.port))
    }

    /// curl: (HTTP status, body).
    func http(_ method: String, _ url: String, token: String? = nil, json: String? = nil) throws -> (Int, String) {
        try curl(method, url, token: token, json: json)
    }

    func state(_ port: Int) throws -> [String: Any] {
        let (status, body) = try http("GET", "http://127.0.0.1:\(port)/api/state")
        XCTAssertEqual(status, 200, body)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    func point(_ state: [String: Any]) -> [String: Any] { ((state["points"] as? [[String: Any]]) ?? []).first ?? [:] }

    /// A copy of the demo model with slightly different weights (another identity, same input).
    func variantOfDemo(in dir: String) throws -> String {
        var model = try Model.load(from: repositoryRoot + "/Models/demo")
        model.spec.name = "demo-variant"
        for i in stride(from: 0, to: model.weights.count, by: 7) { model.weights[i] *= 0.98 }
        try model.write(to: dir + "/variant")
        return dir + "/variant"
    }

    func testTokensAreComparedWholeAndChangesNeedThem() throws {
        XCTAssertTrue(StationAPI.tokensMatch("abc", "abc"))
        XCTAssertFalse(StationAPI.tokensMatch("abd", "abc"))
        XCTAssertFalse(StationAPI.tokensMatch("ab", "abc"))
        XCTAssertFalse(StationAPI.tokensMatch("abcd", "abc"))
        XCTAssertFalse(StationAPI.tokensMatch("", "abc"))
        let secret = Secret(value: "abc", origin: "test")
        XCTAssertEqual(kind { try StationAPI.authorise(nil, token: nil) }, .forbidden, "no token configured: read-only")
        XCTAssertEqual(kind { try StationAPI.authorise("Bearer abc", token: nil) }, .forbidden)
        XCTAssertEqual(kind { try StationAPI.authorise(nil, token: secret) }, .unauthorized)
        XCTAssertEqual(kind { try StationAPI.authorise("Basic abc", token: secret) }, .unauthorized)
        XCTAssertEqual(kind { try StationAPI.authorise("Bearer abd", token: secret) }, .unauthorized)
        XCTAssertNil(kind { try StationAPI.authorise("Bearer abc", token: secret) })
    }

    private func kind(_ body: () throws -> Void) -> StationControlError.Kind? {
        do { try body(); return nil } catch { return (error as? StationControlError)?.kind }
    }

    /// Through the real HTTP API while parts flow: the page and its state, a threshold change
    /// (refused without or with a wrong token), a corrupt model refused with an alarm while the old
    /// one keeps deciding, a model switch and a rollback, pause (every part rejected as paused) and
    /// resume — and every change, refusals included, in the outbox's audit trail.
    func testChangesThroughTheAPIAreValidatedAppliedAndAudited() throws {
        let (file, dir) = try station("station-api")
        let variant = try variantOfDemo(in: dir)
        let (runner, run, port) = try start(file)
        defer { _ = run.finish() }
        let base = "http://127.0.0.1:\(port)"
        XCTAssertTrue(waitUntil(10) { ((try? self.point(self.state(port))["parts"] as? Int) ?? 0) >= 3 }, "no parts on the dashboard")

        let (pageStatus, page) = try http("GET", base + "/")
        XCTAssertEqual(pageStatus, 200)
        XCTAssertTrue(page.contains("<html") && page.contains("/api/events"), "the dashboard page")
        XCTAssertFalse(page.contains("http://") || page.contains("https://"), "the page needs no outside assets")
        var s = try state(port)
        XCTAssertEqual(s["station"] as? String, "ops-station")
        XCTAssertEqual(s["token_required"] as? Bool, true)
        XCTAssertFalse("\(s)".contains(token), "the API never shows the token")
        XCTAssertEqual(point(s)["model"] as? String, Inspector.modelID(of: try Model.load(from: repositoryRoot + "/Models/demo")))
        XCTAssertEqual(try http("GET", base + "/api/points/cam/last.png").0, 200)

        // Threshold: no token, a wrong token, then the right one.
        XCTAssertEqual(try http("POST", base + "/api/points/cam/threshold", json: #"{"threshold": 0.7}"#).0, 401)
        XCTAssertEqual(try http("POST", base + "/api/points/cam/threshold", token: "wrong", json: #"{"threshold": 0.7}"#).0, 401)
        XCTAssertEqual(try http("POST", base + "/api/points/cam/threshold", token: token, json: #"{"threshold": 7}"#).0, 400)
        let (okStatus, okBody) = try http("POST", base + "/api/points/cam/threshold", token: token, json: #"{"threshold": 0.7}"#)
        XCTAssertEqual(okStatus, 200, okBody)
        XCTAssertEqual(point(try state(port))["threshold"] as? Double ?? 0, 0.7, accuracy: 1e-6)
        XCTAssertEqual(try http("POST", base + "/api/points/nowhere/threshold", token: token, json: #"{"threshold": 0.7}"#).0, 404)
        XCTAssertEqual(try http("POST", base + "/api/points/cam/threshold", token: token, json: "{}").0, 400, "no threshold given")

        // A corrupt model: refused with an alarm, the running model stays and parts still get decided.
        let corrupt = dir + "/corrupt"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Models/demo", toPath: corrupt)
        var weights = try Data(contentsOf: URL(fileURLWithPath: corrupt + "/weights.bin"))
        weights[weights.count / 2] ^= 0xFF
        try weights.write(to: URL(fileURLWithPath: corrupt + "/weights.bin"))
        let (badStatus, badBody) = try http("POST", base + "/api/points/cam/model", token: token, json: #"{"path": "\#(corrupt)"}"#)
        XCTAssertEqual(badStatus, 422, badBody)
        XCTAssertTrue(badBody.contains(corrupt), badBody)
        s = try state(port)
        XCTAssertTrue(((s["alarms"] as? [[String: Any]]) ?? []).contains { ($0["message"] as? String ?? "").contains("the running model stays") }, "\(s["alarms"] ?? "")")
        let before = point(s)["parts"] as? Int ?? 0
        XCTAssertTrue(waitUntil(10) { ((try? self.point(self.state(port))["parts"] as? Int) ?? 0) > before + 3 }, "parts stopped after a refused model")

        // Switch, then roll back.
        let (switchStatus, switchBody) = try http("POST", base + "/api/points/cam/model", token: token, json: #"{"path": "\#(variant)"}"#)
        XCTAssertEqual(switchStatus, 200, switchBody)
        s = try state(port)
        XCTAssertTrue((point(s)["model"] as? String ?? "").hasPrefix("demo-variant@"), "\(point(s)["model"] ?? "")")
        XCTAssertTrue((point(s)["previous_model"] as? String ?? "").hasPrefix("demo@"))
        let switchedAt = point(s)["parts"] as? Int ?? 0
        XCTAssertTrue(waitUntil(10) { ((try? self.point(self.state(port))["parts"] as? Int) ?? 0) > switchedAt + 3 })
        XCTAssertEqual(try http("POST", base + "/api/points/cam/rollback", token: token).0, 200)
        XCTAssertTrue((point(try state(port))["model"] as? String ?? "").hasPrefix("demo@"))

        // Pause: every part is rejected as paused; resume: decided again.
        XCTAssertEqual(try http("POST", base + "/api/pause", token: token).0, 200)
        let pausedAt = (point(try state(port))["rejects_by_reason"] as? [String: Int])?["paused"] ?? 0
        XCTAssertTrue(waitUntil(10) { ((try? self.point(self.state(port))["rejects_by_reason"] as? [String: Int])?["paused"] ?? 0) >= pausedAt + 3 })
        XCTAssertEqual(try state(port)["paused"] as? Bool, true)
        XCTAssertEqual(try http("POST", base + "/api/resume", token: token).0, 200)
        let summary = try XCTUnwrap(run.finish())
        XCTAssertEqual(summary.rejects.first { $0.0 == .paused }?.1 ?? 0 > 0, true)
        XCTAssertEqual(summary.passed + summary.rejected, summary.parts)

        // The audit trail: who, what, old → new, and the refusal.
        let changes = try Outbox(config: .init(path: dir + "/outbox.sqlite", isStation: false)).changes(limit: 20).reversed().map { $0 }
        // (A request refused before it names a valid change, such as threshold 7, is answered 400 and not a change.)
        XCTAssertEqual(changes.map(\.action), ["threshold", "threshold", "model", "model", "rollback", "pause", "resume"], "\(changes)")
        XCTAssertEqual(changes[0].old, "0.5")
        XCTAssertEqual(changes[0].new, "0.7")
        XCTAssertEqual(changes[0].outcome, "applied")
        XCTAssertTrue(changes[1].outcome.hasPrefix("refused: no inspection point 'nowhere'"), changes[1].outcome)
        XCTAssertTrue(changes[2].outcome.hasPrefix("refused: "), changes[2].outcome)
        XCTAssertTrue(changes[2].outcome.contains(corrupt), changes[2].outcome)
        XCTAssertTrue(changes[3].new.hasPrefix("demo-variant@"), changes[3].new)
        XCTAssertTrue(changes[4].new.hasPrefix("demo@"), changes[4].new)
        XCTAssertTrue(changes.allSatisfy { $0.who == "api" })
        // Results name the model that decided them: both models appear in the outbox.
        let records = try Outbox(config: .init(path: dir + "/outbox.sqlite", isStation: false)).query({ var q = Outbox.Query(); q.limit = 10_000; return q }())
        let models = Set(try records.compactMap { try Outbox(config: .init(path: dir + "/outbox.sqlite", isStation: false)).record(resultId: $0.resultId)?.modelId }
            .map { String($0.prefix { $0 != "@" }) })
        XCTAssertEqual(models, ["demo", "demo-variant"])
        _ = runner
    }

    /// A reload (what SIGHUP does) applies a new threshold from the file; a model made corrupt
    /// on disk before the next reload is refused with an alarm and the old one keeps running.
    func testReloadAppliesTheFileAndKeepsTheOldModelWhenTheNewOneIsCorrupt() throws {
        let modelCopy = try makeTemporaryDirectory(self, "station-reload-model") + "/demo"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Models/demo", toPath: modelCopy)
        let (file, _) = try station("station-reload", model: modelCopy)
        let (runner, run, port) = try start(file)
        defer { _ = run.finish() }
        XCTAssertTrue(waitUntil(10) { ((try? self.point(self.state(port))["parts"] as? Int) ?? 0) >= 2 })
        let original = try String(contentsOfFile: file, encoding: .utf8)
        try original.replacingOccurrences(of: "uncertainty_band: 0.02", with: "uncertainty_band: 0.02\n    threshold: 0.65")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let message = try runner.perform(.reload, who: "SIGHUP")
        XCTAssertTrue(message.contains("threshold 0.5 → 0.65"), message)
        XCTAssertEqual(point(try state(port))["threshold"] as? Double ?? 0, 0.65, accuracy: 1e-6)

        var weights = try Data(contentsOf: URL(fileURLWithPath: modelCopy + "/weights.bin"))
        weights[100] ^= 0x5A
        try weights.write(to: URL(fileURLWithPath: modelCopy + "/weights.bin"))
        XCTAssertThrowsError(try runner.perform(.reload, who: "SIGHUP")) { error in
            XCTAssertEqual((error as? StationControlError)?.kind, .unprocessable)
            XCTAssertTrue("\(error)".contains(modelCopy), "\(error)")
        }
        let s = try state(port)
        XCTAssertTrue((point(s)["model"] as? String ?? "").hasPrefix("demo@"))
        XCTAssertTrue(((s["alarms"] as? [[String: Any]]) ?? []).contains { ($0["message"] as? String ?? "").contains(modelCopy) })
        let parts = point(s)["parts"] as? Int ?? 0
        XCTAssertTrue(waitUntil(10) { ((try? self.point(self.state(port))["parts"] as? Int) ?? 0) > parts + 3 }, "the old model keeps deciding")
        let changes = try runner.outbox.changes()
        XCTAssertEqual(changes.map(\.action), ["reload", "reload"])
        XCTAssertTrue(changes[0].outcome.hasPrefix("refused"))
        XCTAssertEqual(changes[1].outcome, "applied")
        XCTAssertEqual(changes[1].who, "SIGHUP")
    }

    /// The dashboard in a real browser (headless Chromium, driven over its DevTools pipe): the
    /// page loads, follows the server-sent events (its update counter and the part count grow
    /// while the browser watches), raises no script error, and a screenshot shows a rendered page
    /// with the verdict colours.
    func testDashboardUpdatesLiveInChromium() throws {
        let chromium = try headlessChromium()
        let (file, dir) = try station("station-dashboard", fps: 10)
        let (_, run, port) = try start(file)
        defer { _ = run.finish() }
        XCTAssertTrue(waitUntil(10) { ((try? self.point(self.state(port))["parts"] as? Int) ?? 0) >= 2 })
        let screenshot = dir + "/dashboard.png"
        let parts = "document.getElementById('parts-cam').textContent"
        let (status, out, errors) = try runProcess("/usr/bin/python3", [
            repositoryRoot + "/Tests/Support/Peers/browser_check.py", chromium, "http://127.0.0.1:\(port)/", "--profile", dir + "/profile",
            "--sample", "1.5:document.body.dataset.updates", "--sample", "1.6:" + parts,
            "--sample", "4.5:document.body.dataset.updates", "--sample", "4.6:" + parts,
            "--sample", "4.7:document.getElementById('station-name').textContent", "--screenshot", screenshot], timeout: 60)
        XCTAssertEqual(status, 0, errors)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: out) as? [String: Any], String(decoding: out, as: UTF8.self))
        print("StationOperationsTests: dashboard in chromium \(report)")
        let samples = try XCTUnwrap(report["samples"] as? [[Any]]).map { "\($0[1])" }
        XCTAssertEqual(samples.count, 5)
        let (updatesEarly, partsEarly, updatesLate, partsLate) = (Int(samples[0]) ?? 0, Int(samples[1]) ?? 0, Int(samples[2]) ?? 0, Int(samples[3]) ?? 0)
        XCTAssertGreaterThanOrEqual(updatesEarly, 1, "the page never rendered a state")
        XCTAssertGreaterThanOrEqual(updatesLate, updatesEarly + 2, "no live updates over 3 s: \(samples)")
        XCTAssertGreaterThan(partsLate, partsEarly, "the part count on the page did not move: \(samples)")
        XCTAssertEqual(samples[4].trimmingCharacters(in: .whitespaces), "ops-station")
        XCTAssertEqual(report["errors"] as? [String], [], "script errors on the page")

        let image = try ImageDecoder.decode(contentsOf: screenshot)
        XCTAssertEqual(image.width, 1400)
        let pixels = try XCTUnwrap(image.pixels8)
        let channels = image.channels
        var distinct = Set<UInt32>(), strongRed = 0, strongGreen = 0
        for i in stride(from: 0, to: image.width * image.height, by: 7) {
            let r = pixels[i * channels], g = pixels[i * channels + 1], b = pixels[i * channels + 2]
            distinct.insert(UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b))
            if r > 150 && g < 100 && b < 100 { strongRed += 1 }
            if g > 120 && r < 100 && b < 120 { strongGreen += 1 }
        }
        XCTAssertGreaterThan(distinct.count, 200, "the screenshot looks blank")
        XCTAssertGreaterThan(strongRed + strongGreen, 20, "no verdict colours on the screenshot")
        if let keep = ProcessInfo.processInfo.environment["LOUPE_DASHBOARD_SCREENSHOT"] { try? FileManager.default.copyItem(atPath: screenshot, toPath: keep) }
    }
}

extension StationOperationsTests {
    /// The `loupe station` process itself: SIGHUP reloads its configuration file, SIGTERM drains
    /// the pipeline and flushes the outbox (every part counted in its summary is in the outbox).
    func testSIGHUPReloadsAndSIGTERMDrainsIntoTheOutbox() throws {
        guard let loupe = builtExecutable("loupe", override: "LOUPE_CLI") else { throw XCTSkip("no loupe executable beside the test bundle") }
        let (file, dir) = try station("station-process", fps: 30)
        let running = try StationProcess(loupe, file, dir, run: 1)
        let process = running.process, log = running.log
        defer { if process.isRunning { process.terminate() } }
        let api = try running.apiPort()
        XCTAssertTrue(waitUntil(10) { ((try? self.point(self.state(api))["parts"] as? Int) ?? 0) >= 5 }, log())

        let original = try String(contentsOfFile: file, encoding: .utf8)
        try original.replacingOccurrences(of: "uncertainty_band: 0.02", with: "uncertainty_band: 0.04\n    threshold: 0.6")
            .write(toFile: file, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        // The reload submits the threshold, then the band, each taking effect at the point's next part.
        XCTAssertTrue(waitUntil(10) { abs((self.point((try? self.state(api)) ?? [:])["threshold"] as? Double ?? 0) - 0.6) < 1e-6 },
                      "SIGHUP did not apply the new threshold: \(log())")
        XCTAssertTrue(waitUntil(10) { abs((self.point((try? self.state(api)) ?? [:])["uncertainty_band"] as? Double ?? 0) - 0.04) < 1e-6 },
                      "SIGHUP did not apply the new uncertainty band: \(log())")

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, log())
        let summary = running.output()
        let parts = try XCTUnwrap(summary.range(of: "[0-9]+ parts in", options: .regularExpression).flatMap { Int(summary[$0].split(separator: " ")[0]) }, summary)
        let rows = try Outbox(config: .init(path: dir + "/outbox.sqlite", isStation: false)).query({ var q = Outbox.Query(); q.limit = 100_000; return q }())
        XCTAssertEqual(rows.count, parts, "every part the summary counts is in the outbox after SIGTERM")
        let changes = try Outbox(config: .init(path: dir + "/outbox.sqlite", isStation: false)).changes()
        XCTAssertEqual(changes.first?.who, "SIGHUP")
        XCTAssertEqual(changes.first?.outcome, "applied")
        let (listed, out, listErrors) = try runProcess(loupe, ["results", "--db", dir + "/outbox.sqlite", "--changes"])
        XCTAssertEqual(listed, 0, listErrors)
        XCTAssertTrue(String(decoding: out, as: UTF8.self).contains("SIGHUP  reload: "), String(decoding: out, as: UTF8.self))
    }
}

extension StationOperationsTests {
    /// Chaos on the station process: `loupe station` is SIGKILLed mid-run with results still
    /// unacknowledged by a slow MES, then restarted. Every result that reached the outbox before
    /// the kill reaches the MES (re-sent, marked replayed, after the restart), the restarted
    /// station goes on deciding, and no part whose sample is labelled defective passes. The
    /// station's heartbeat at the real PLC moves while it runs and stops when it is killed — what
    /// the PLC's watchdog needs to reject the parts that were in flight (see docs/station.md).
    /// While it runs, `/metrics` shows both links up, the outbox depth and the per-stage histograms.
    func testStationSIGKILLedAndRestartedLosesNoStoredResult() throws {
        guard let loupe = builtExecutable("loupe", override: "LOUPE_CLI") else { throw XCTSkip("no loupe executable beside the test bundle") }
        let broker = try requirePeer { try MosquittoPeer() }
        let mes = try MESSubscriber(port: broker.port, topics: .sparkplug(group: "plant", station: "ops-station"), ackResults: true, ackDelay: 0.5)
        defer { mes.stop() }
        try mes.link.waitConnected(timeout: 5)
        let plc = try requirePeer { try PLCPeer(repo: repositoryRoot) }
        let (file, dir) = try station("station-kill", fps: 30,
                                      extra: "mes:\n  broker: 127.0.0.1:\(broker.port)\n  group: plant\n  acknowledge: mes\n"
                                          + "plc:\n  address: 127.0.0.1:\(plc.port)\n  request_timeout_ms: 200\n  heartbeat_register: 40\n  heartbeat_ms: 50")
        let firstStation = try StationProcess(loupe, file, dir, run: 1)
        let (first, firstLog) = (firstStation.process, firstStation.log)
        XCTAssertTrue(mes.wait(distinct: 30, timeout: 20), "the MES got \(mes.distinct) results before the kill: \(firstLog())")
        let plcClient = ModbusClient(host: "127.0.0.1", port: plc.port, unit: 1)
        defer { plcClient.close() }
        func heartbeat() throws -> UInt16 { try plcClient.readRegisters(40, count: 1, timeoutMs: 500)[0] }
        let beat = try heartbeat()
        XCTAssertTrue(waitUntil(2) { (try? heartbeat()) != beat }, "the heartbeat does not move while the station runs")

        let port = try firstStation.apiPort()
        var metrics = ""
        XCTAssertTrue(waitUntil(5) {
            metrics = (try? self.http("GET", "http://127.0.0.1:\(port)/metrics").1) ?? ""
            return metrics.contains("loupe_link_up{link=\"plc\"} 1") && metrics.contains("loupe_link_up{link=\"mes\"} 1")
        }, metrics)
        for series in ["loupe_outbox_pending", "loupe_frames_total{", "loupe_inference_seconds_bucket{", "loupe_capture_to_inference_seconds_bucket{",
                       "loupe_queue_depth{"] {
            XCTAssertTrue(metrics.contains(series), "no \(series) in /metrics")
        }

        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let stopped = try heartbeat()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try heartbeat(), stopped, "the heartbeat must stop with the station")
        let outboxPath = dir + "/outbox.sqlite"
        let storedAtKill = try Outbox(config: .init(path: outboxPath, isStation: false)).query({ var q = Outbox.Query(); q.limit = 100_000; return q }())
        let unacknowledged = storedAtKill.filter { $0.ackedAt == nil }.count
        XCTAssertGreaterThan(unacknowledged, 0, "a slow MES leaves results unacknowledged at the kill")

        let secondStation = try StationProcess(loupe, file, dir, run: 2)
        let (second, secondLog) = (secondStation.process, secondStation.log)
        defer { if second.isRunning { second.terminate() } }
        let wanted = Set(storedAtKill.map(\.resultId))
        XCTAssertTrue(waitUntil(30) { wanted.isSubset(of: mes.ids) },
                      "results stored before the kill never reached the MES: \(wanted.subtracting(mes.ids).count) of \(wanted.count); \(secondLog())")
        XCTAssertTrue(waitUntil(10) { mes.distinct >= wanted.count + 20 }, "the restarted station is not deciding: \(secondLog())")
        // Results unacknowledged at the kill are re-sent marked replayed — unless the MES's late
        // acknowledgement reaches the restarted station first. The re-send can trail the new
        // results when the machine is busy.
        let unacknowledgedIds = Set(storedAtKill.filter { $0.ackedAt == nil }.map(\.resultId))
        XCTAssertTrue(waitUntil(20) { !mes.replayed.intersection(unacknowledgedIds).isEmpty },
                      "none of the \(unacknowledgedIds.count) results unacknowledged at the kill was re-sent: \(secondLog())")
        kill(second.processIdentifier, SIGTERM)
        second.waitUntilExit()
        XCTAssertEqual(second.terminationStatus, 0, secondLog())

        let outbox = try Outbox(config: .init(path: outboxPath, isStation: false))
        let stored = try outbox.query({ var q = Outbox.Query(); q.limit = 100_000; return q }())
        XCTAssertTrue(waitUntil(10) { Set(stored.map(\.resultId)).isSubset(of: mes.ids) }, "every stored result reaches the MES")
        // The samples replayed are cell0001…cell0008 in a loop: part n is sample (n − 1) mod 8.
        let labels = try String(contentsOfFile: repositoryRoot + "/Images/samples/labels.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().prefix(8).map { (Double($0.split(separator: ",")[1]) ?? 0) > 0.5 }
        let badPassed = stored.filter { $0.verdict == "pass" && labels[((Int($0.partId) ?? 1) - 1) % 8] }
        XCTAssertEqual(badPassed.count, 0, "defective samples passed: \(badPassed.map(\.partId))")
        print("station SIGKILL: \(storedAtKill.count) results stored at the kill (\(unacknowledged) unacknowledged), \(stored.count) in all, MES \(mes.distinct) distinct, \(mes.replayed.count) replayed, \(mes.duplicates) duplicates")
    }
}

/// A `loupe station` process on a configuration file, its stdout and stderr in files beside it.
struct StationProcess {
    let process = Process()
    private let outputPath: String
    private let logPath: String

    init(_ loupe: String, _ file: String, _ dir: String, run: Int) throws {
        process.executableURL = URL(fileURLWithPath: loupe)
        process.arguments = ["station", "--config", file, "--threads", "1"]
        outputPath = dir + "/stdout-\(run).log"
        logPath = dir + "/stderr-\(run).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()
    }

    /// What it printed on stdout (its closing summary).
    func output() -> String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    /// Its log (stderr).
    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The API's port, from the dashboard address it logs at start (waits up to 15 s).
    func apiPort() throws -> Int {
        var port: Int?
        _ = waitUntil(15) {
            let text = log()
            port = text.range(of: "dashboard: http://127.0.0.1:[0-9]+/", options: .regularExpression).flatMap { Int(text[$0].dropFirst(28).dropLast()) }
            return port != nil
        }
        return try XCTUnwrap(port, "no dashboard address in the log: \(log())")
    }
}
