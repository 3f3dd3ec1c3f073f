import Foundation
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

    func configuration(frames: String, outbox: String, plc: String? = nil, band: Double = 0.05) throws -> StationConfiguration {
        var yaml = """
        station:
          name: test-station
          outbox: \(outbox)
        inspection_points:
          - name: cam
            source:
              folder: \(frames)
              fps: 40
            model: \(repositoryRoot)/Models/demo
            uncertainty_band: \(band)
            line: {distance_to_pick_m: 1.0, conveyor_speed_m_s: 1.0, reject_lead_ms: 50}
            slot: 3
        """
        if let plc { yaml += "\nplc:\n  address: \(plc)\n  request_timeout_ms: 200" }
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
}
