import Foundation
import LoupeStation
import LoupeTestSupport
import XCTest

final class StationConfigurationTests: XCTestCase {
    let minimal = """
    station:
      name: s1
    inspection_points:
      - name: cam
        source:
          folder: frames
        model: models/demo
    """

    /// The error `yaml` is refused with.
    func error(_ yaml: String, environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) -> ConfigurationError? {
        do {
            _ = try StationConfiguration.parse(yaml, file: "test.yaml", environment: environment)
            XCTFail("accepted:\n\(yaml)", file: file, line: line)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            XCTFail("not a ConfigurationError: \(error)", file: file, line: line)
            return nil
        }
    }

    func testMinimalConfigurationGetsDefaults() throws {
        let c = try StationConfiguration.parse(minimal, file: "/etc/loupe/station.yaml", environment: [:])
        XCTAssertEqual(c.name, "s1")
        XCTAssertEqual(c.outbox, "/etc/loupe/loupe-outbox.sqlite", "relative paths are relative to the file")
        XCTAssertNil(c.mes)
        XCTAssertNil(c.plc)
        XCTAssertEqual(c.api.host, "127.0.0.1")
        XCTAssertEqual(c.api.port, 8080)
        XCTAssertNil(c.api.token, "read-only without a token")
        let p = try XCTUnwrap(c.inspectionPoints.first)
        XCTAssertEqual(p.source, .folder(path: "/etc/loupe/frames", framesPerSecond: 10, loop: false))
        XCTAssertEqual(p.model, "/etc/loupe/models/demo")
        XCTAssertEqual(p.trigger, .freeRunning)
        XCTAssertEqual(p.uncertaintyBand, 0)
        XCTAssertEqual(p.line.geometry.deadline(detectedAt: 1), 2, accuracy: 1e-12)
    }

    /// Paths are relative to the configuration file and come out without `..` detours.
    func testRelativePathsResolveAgainstTheFileAndAreNormalised() throws {
        let yaml = minimal.replacingOccurrences(of: "model: ", with: "model: ../../Models/x # ")
        let config = try StationConfiguration.parse(yaml + "\narchive:\n  folder: ./../archive", file: "docs/examples/station.yaml", environment: [:])
        XCTAssertEqual(config.inspectionPoints[0].model, "Models/x")
        XCTAssertEqual(config.archive?.folder, "docs/archive")
        let absolute = try StationConfiguration.parse(yaml, file: "/etc/loupe/station.yaml", environment: [:])
        XCTAssertEqual(absolute.inspectionPoints[0].model, "/Models/x")
    }

    func testUnknownKeyIsAnErrorWithItsPosition() throws {
        let e = try XCTUnwrap(error(minimal + "\n    treshold: 0.4"))
        XCTAssertEqual(e.keyPath, "inspection_points[0]")
        XCTAssertEqual(e.line, 8)
        XCTAssertTrue(e.description.contains("unknown key 'treshold'"), e.description)
        XCTAssertTrue(e.description.hasPrefix("station config test.yaml:8:"), e.description)
    }

    func testWrongValuesNameKeyPathValueAndExpectation() throws {
        let fps = try XCTUnwrap(error(minimal.replacingOccurrences(of: "folder: frames", with: "folder: frames\n      fps: fast")))
        XCTAssertEqual(fps.keyPath, "inspection_points[0].source.fps")
        XCTAssertEqual(fps.found, "'fast'")
        XCTAssertTrue(fps.expected.contains("frames per second"))
        let threshold = try XCTUnwrap(error(minimal + "\n    threshold: 1.5"))
        XCTAssertEqual(threshold.keyPath, "inspection_points[0].threshold")
        let missing = try XCTUnwrap(error(minimal.replacingOccurrences(of: "    model: models/demo", with: "")))
        XCTAssertEqual(missing.keyPath, "inspection_points[0].model")
        XCTAssertEqual(missing.found, "nothing")
        let syntax = try XCTUnwrap(error("station: [unclosed"))
        XCTAssertTrue(syntax.found.contains("invalid YAML"), syntax.description)
    }

    func testExactlyOneFrameSource() throws {
        let two = try XCTUnwrap(error(minimal.replacingOccurrences(of: "folder: frames", with: "folder: frames\n      image: a.png")))
        XCTAssertEqual(two.keyPath, "inspection_points[0].source")
        XCTAssertEqual(two.found, "folder and image")
        let cameraLoop = try XCTUnwrap(error(minimal.replacingOccurrences(of: "folder: frames", with: "camera: /dev/video0\n      loop: true")))
        XCTAssertEqual(cameraLoop.keyPath, "inspection_points[0].source.loop")
        let size = try XCTUnwrap(error(minimal.replacingOccurrences(of: "folder: frames", with: "camera: /dev/video0\n      size: big")))
        XCTAssertTrue(size.expected.contains("WIDTHxHEIGHT"))
    }

    func testNamesAndSlotsAreUnique() throws {
        let twice = minimal + """

          - name: cam
            source: {image: a.png}
            model: m
            slot: 2
        """
        XCTAssertEqual(try XCTUnwrap(error(twice)).keyPath, "inspection_points[1].name")
        let sameSlot = minimal + """

          - name: cam2
            source: {image: a.png}
            model: m
        """
        XCTAssertEqual(try XCTUnwrap(error(sameSlot)).keyPath, "inspection_points[1].slot")
    }

    func testPLCTriggerNeedsAPLC() throws {
        let e = try XCTUnwrap(error(minimal + "\n    trigger: plc"))
        XCTAssertEqual(e.keyPath, "inspection_points[0].trigger")
        XCTAssertTrue(e.expected.contains("plc: section"), e.description)
        let c = try StationConfiguration.parse(minimal + "\n    trigger: plc\n    trigger_register: 30\n    trigger_wait_ms: 150\nplc:\n  address: 10.0.0.5",
                                               file: "t.yaml", environment: [:])
        XCTAssertEqual(c.inspectionPoints[0].triggerRegister, 30)
        XCTAssertEqual(c.inspectionPoints[0].triggerWait, 0.15, accuracy: 1e-12)
        XCTAssertEqual(c.plc?.port, 502)
    }

    func testLeadTimeMustFitTheTravelTime() throws {
        let e = try XCTUnwrap(error(minimal + "\n    line: {distance_to_pick_m: 0.03, conveyor_speed_m_s: 1, reject_lead_ms: 40}"))
        XCTAssertEqual(e.keyPath, "inspection_points[0].line.reject_lead_ms")
    }

    func testSecretsComeFromFilesOrTheEnvironmentAndAreNeverShown() throws {
        let dir = try makeTemporaryDirectory(self, "station-config")
        try "s3cret-token\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let yaml = minimal + "\napi:\n  token_file: \(dir)/token\nmes:\n  broker: 127.0.0.1:1884\n  password_env: MQTT_PW"
        let c = try StationConfiguration.parse(yaml, file: "t.yaml", environment: ["MQTT_PW": "hunter2"])
        XCTAssertEqual(c.api.token?.value, "s3cret-token")
        XCTAssertEqual(c.mes?.password?.value, "hunter2")
        XCTAssertEqual(c.mes?.port, 1884)
        XCTAssertEqual(c.mes?.acknowledge, "broker", "the broker's PUBACK unless the MES acknowledges")
        let shown = StationSummary.lines(c).joined(separator: "\n") + "\(c)"
        XCTAssertFalse(shown.contains("s3cret") || shown.contains("hunter2"), shown)
        XCTAssertTrue(shown.contains("environment MQTT_PW"), shown)
        let unset = try XCTUnwrap(error(yaml, environment: [:]))
        XCTAssertEqual(unset.keyPath, "mes.password_env")
        XCTAssertFalse(unset.description.contains("hunter2"))
    }

    /// Every documented example is a valid configuration.
    func testDocumentedExamplesParse() throws {
        for name in ["station-folder", "station-camera", "station-image"] {
            let path = repositoryRoot + "/docs/examples/\(name).yaml"
            XCTAssertNoThrow(try StationConfiguration.load(contentsOf: path, environment: ["LOUPE_API_TOKEN": "t", "LOUPE_MQTT_PASSWORD": "p"]), name)
        }
    }

    /// The folder example points at the bundled samples and demo model: its resources check out;
    /// a corrupt model is named with the model's own error.
    func testResourcesAreChecked() throws {
        let example = repositoryRoot + "/docs/examples/station-folder.yaml"
        let config = try StationConfiguration.load(contentsOf: example)
        let models = try config.checkResources(file: example)
        XCTAssertEqual(models["el-camera"]?.spec.name, "demo")

        let dir = try makeTemporaryDirectory(self, "station-resources")
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Models/demo", toPath: dir + "/model")
        let weights = dir + "/model/weights.bin"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: weights))
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: weights))
        var broken = config
        broken.inspectionPoints[0].model = dir + "/model"
        XCTAssertThrowsError(try broken.checkResources(file: "s.yaml")) { error in
            let e = error as? ConfigurationError
            XCTAssertEqual(e?.keyPath, "inspection_points[0].model")
            XCTAssertTrue(e?.found.contains("corrupt") ?? false, "\(error)")
        }
        var noCamera = config
        noCamera.inspectionPoints[0].source = .camera(device: "/dev/video-none", format: "YUYV", width: 640, height: 480, framesPerSecond: 15)
        XCTAssertThrowsError(try noCamera.checkResources()) { XCTAssertEqual(($0 as? ConfigurationError)?.keyPath, "inspection_points[0].source.camera") }
        var emptyFolder = config
        emptyFolder.inspectionPoints[0].source = .folder(path: dir, framesPerSecond: 1, loop: false)
        XCTAssertThrowsError(try emptyFolder.checkResources()) { XCTAssertTrue("\($0)".contains("no PNG or JPEG")) }
    }

    /// `loupe station check-config`: a summary and exit 0, or one error naming the key and exit 2.
    func testCheckConfigCommand() throws {
        guard let loupe = builtExecutable("loupe", override: "LOUPE_CLI") else { throw XCTSkip("no loupe executable beside the test bundle") }
        let good = try runProcess(loupe, ["station", "check-config", "--config", repositoryRoot + "/docs/examples/station-folder.yaml"])
        XCTAssertEqual(good.0, 0, good.2)
        let summary = String(decoding: good.1, as: UTF8.self)
        XCTAssertTrue(summary.contains("point el-camera (slot 1, free-running)"), summary)
        XCTAssertTrue(summary.contains("kernel variant \(KernelVariant.active.rawValue)"), summary)
        let dir = try makeTemporaryDirectory(self, "station-cli")
        try (minimal + "\n    trigger: sometimes").write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try runProcess(loupe, ["station", "check-config", "--config", dir + "/bad.yaml"])
        XCTAssertEqual(bad.0, 2)
        XCTAssertTrue(bad.2.contains("bad.yaml:8:14: inspection_points[0].trigger: found 'sometimes'; expected one of free-running, plc"), bad.2)
    }
}
