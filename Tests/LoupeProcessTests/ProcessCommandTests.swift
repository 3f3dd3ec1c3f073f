import Foundation
import LoupeMES
import LoupeProcess
import LoupeTestSupport
import XCTest

/// `loupe process …` as a user runs it: every command on real data slices, its HTML report drawn
/// in a real browser, bad input answered with one clear line, and follow mode raising alarms
/// through the outbox and a real MQTT broker.
final class ProcessCommandTests: XCTestCase {
    let fixtures = repositoryRoot + "/Tests/Fixtures/process/"

    func loupe() throws -> String {
        guard let path = builtExecutable("loupe", override: "LOUPE_CLI") else { throw XCTSkip("no loupe executable beside the test bundle") }
        return path
    }

    @discardableResult
    func run(_ arguments: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> (String, String) {
        let (code, out, err) = try runProcess(try loupe(), arguments, timeout: 300)
        let text = String(decoding: out, as: UTF8.self)
        XCTAssertEqual(code, status, "loupe \(arguments.joined(separator: " ")):\n\(text)\n\(err)", file: file, line: line)
        return (text, err)
    }

    /// The report as a real browser lays it out: (figures, figures drawn, kinds).
    func inChromium(_ html: String, _ dir: String) throws -> (Int, Int, String) {
        let chromium = try headlessChromium()
        let (status, dom, errors) = try runHeadlessChromium(chromium, ["--dump-dom", "file://" + html], profile: dir + "/profile-\(UUID().uuidString)")
        XCTAssertEqual(status, 0, errors)
        let body = try XCTUnwrap(DumpedBody(dom: dom), "no <body> in the DOM of \(html)")
        let kinds = body.tag.range(of: "data-chart-kinds=\"[^\"]*\"", options: .regularExpression).map { String(body.tag[$0].dropFirst(18).dropLast()) } ?? ""
        return (body.attribute("data-figures") ?? -1, body.attribute("data-figures-drawn") ?? -1, kinds)
    }

    func testEveryCommandOnRealDataWithItsReportDrawnInChromium() throws {
        let dir = try makeTemporaryDirectory(self, "process-cli")
        let ccpp = fixtures + "ccpp-400.csv"
        var (out, _) = try run(["process", "report", fixtures + "historian-300.csv", "--html", dir + "/data.html"])
        XCTAssertTrue(out.contains("300 rows, 108 numeric tags, time in 'time', 41 bad cells"), out)
        XCTAssertTrue(out.contains("bad cell: line 2, column 'tag2': \"Inp OutRange\""), out)

        (out, _) = try run(["process", "select", ccpp, "--target", "PE", "--pairs", "10", "--html", dir + "/select.html", "--csv", dir + "/select.csv"])
        XCTAssertTrue(out.contains("PE: "), out)
        XCTAssertTrue(try String(contentsOfFile: dir + "/select.csv", encoding: .utf8).hasPrefix("rank,group,tag,"))

        (out, _) = try run(["process", "fit", ccpp, "--target", "PE", "--inputs", "AT,V,AP,RH", "--monotone", "AT=-,V=-", "--terms", "quadratic",
                            "--validation", "5x2", "--out", dir + "/pe.json", "--html", dir + "/fit.html"])
        XCTAssertTrue(out.contains("mechanistic, 5x2 RMSE"), out)
        (out, _) = try run(["process", "predict", dir + "/pe.json", ccpp])
        XCTAssertTrue(out.hasPrefix("line,PE_predicted,PE_sigma,outside_range\n2,"), out)
        XCTAssertEqual(out.split(separator: "\n").count, 401)
        (out, _) = try run(["process", "update", dir + "/pe.json", ccpp, "--forgetting", "0.99", "--out", dir + "/pe2.json"])
        XCTAssertTrue(out.contains("PE: updated on 400 rows"), out)

        (out, _) = try run(["process", "monitor", "--normal", fixtures + "tep-d00.csv", "--calibrate", fixtures + "tep-d00_te.csv",
                            "--data", fixtures + "tep-d01_te.csv", "--chart", "xmeas_1", "--range", "xmeas_7=:2800",
                            "--save", dir + "/monitor.json", "--html", dir + "/monitor.html"])
        XCTAssertTrue(out.contains("% false alarms on"), out)
        XCTAssertTrue(out.contains("tags behind the alarms:"), out)

        (out, _) = try run(["process", "recommend", dir + "/pe.json", "--current", "AT=15,V=50,AP=1010,RH=70", "--maximize", "--fixed", "AT,RH",
                            "--step", "V=5,AP=3", "--out", dir + "/rec.json", "--html", dir + "/rec.html"])
        XCTAssertTrue(out.contains("maximize PE:"), out)
        (out, _) = try run(["process", "approve", dir + "/rec.json", "--by", "Shift lead", "--audit", dir + "/audit.jsonl"])
        XCTAssertTrue(out.hasPrefix("approved by Shift lead"), out)
        XCTAssertEqual(try RecommendationAudit(path: dir + "/audit.jsonl").entries().count, 1)

        let expected: [(String, [String])] = [("data", ["ranking"]), ("select", ["ranking"]), ("fit", ["effects", "parity", "residuals"]),
                                              ("monitor", ["contributions", "control"]), ("rec", [])]
        for (page, kinds) in expected {
            let (figures, drawn, seen) = try inChromium(dir + "/\(page).html", dir)
            print("chromium: \(page).html \(drawn)/\(figures) charts drawn: \(seen)")
            XCTAssertEqual(drawn, figures, "\(page).html: \(figures - drawn) charts not drawn")
            for k in kinds { XCTAssertTrue(seen.contains(k + ":"), "\(page).html has no \(k) chart: \(seen)") }
        }
    }

    func testBadInputGetsOneClearLineAndStatusOne() throws {
        let dir = try makeTemporaryDirectory(self, "process-bad-cli")
        try "a,b,c\n1,2,3\n4,5,6,7\n".write(toFile: dir + "/ragged.csv", atomically: true, encoding: .utf8)
        var (_, err) = try run(["process", "report", dir + "/ragged.csv"], expect: 1)
        XCTAssertEqual(err, "error: \(dir)/ragged.csv:3: has 4 fields, the header has 3; check the delimiter and quoting on that line\n")
        (_, err) = try run(["process", "fit", fixtures + "ccpp-400.csv", "--target", "PE", "--inputs", "AT,Vacuum", "--out", dir + "/m.json"], expect: 1)
        XCTAssertTrue(err.hasPrefix("error: no column 'Vacuum'; the data has: AT, V, AP, RH, PE"), err)
        try run(["process", "fit", fixtures + "ccpp-400.csv", "--target", "PE", "--inputs", "AT,V", "--out", dir + "/m.json"])
        (_, err) = try run(["process", "recommend", dir + "/m.json", "--current", "AT=15,V=50", "--maximize", "--bound", "V=70:80", "--step", "V=5"], expect: 1)
        XCTAssertTrue(err.hasPrefix("error: no feasible set-points: V: the bounds [70.0, "), err)
        XCTAssertTrue(err.hasSuffix("cannot be reached from the current 50.0 within the step limit ±5.0\n"), err)
        (_, err) = try run(["process", "recommend", dir + "/m.json", "--current", "AT=15", "--maximize"], expect: 64)
        XCTAssertTrue(err.contains("no value for V"), err)
        try "{\"format\": \"loupe-process-model\"".write(toFile: dir + "/broken.json", atomically: true, encoding: .utf8)
        (_, err) = try run(["process", "predict", dir + "/broken.json", fixtures + "ccpp-400.csv"], expect: 1)
        XCTAssertTrue(err.contains("broken.json: not a Loupe process model: not valid JSON"), err)
    }

    /// Rows appended to a file while `monitor --follow` runs; the fault's alarm reaches the MES
    /// over a real mosquitto broker and stays in the outbox.
    func testFollowModeRaisesAlarmsThroughTheOutboxAndMQTT() throws {
        let broker = try requirePeer { try MosquittoPeer() }
        let dir = try makeTemporaryDirectory(self, "process-follow")
        try run(["process", "monitor", "--normal", fixtures + "tep-d00.csv", "--calibrate", fixtures + "tep-d00_te.csv", "--chart", "xmeas_1",
                 "--save", dir + "/monitor.json"])
        let mes = try MESSubscriber(port: broker.port, topics: .sparkplug(group: "loupe", station: "tep-monitor"), ackResults: false)
        try mes.link.waitConnected(timeout: 5)
        let rows = try String(contentsOfFile: fixtures + "tep-d01_te.csv", encoding: .utf8).split(separator: "\n")
        let grow = dir + "/live.csv"
        try (rows[0...100].joined(separator: "\n") + "\n").write(toFile: grow, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try loupe())
        process.arguments = ["process", "monitor", "--model", dir + "/monitor.json", "--follow", grow, "--outbox", dir + "/alarms.sqlite",
                             "--mqtt", "127.0.0.1:\(broker.port)", "--name", "tep-monitor", "--seconds", "8"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The rest arrives in bursts, the fault from row 161 on (line 162).
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: grow))
        handle.seekToEndOfFile()
        for chunk in stride(from: 101, to: 400, by: 50) {
            usleep(300_000)
            handle.write(Data((rows[chunk..<min(chunk + 50, 400)].joined(separator: "\n") + "\n").utf8))
        }
        try handle.close()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        print("follow: \(text.split(separator: "\n").filter { $0.hasPrefix("alarm") }.prefix(3))")
        XCTAssertTrue(text.contains("followed 399 rows"), text)
        let firstAlarm = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("alarm: ") && $0.contains("over its limit") }, text)
        let alarmLine = try XCTUnwrap(Int(firstAlarm.split(separator: ":")[2]), String(firstAlarm))
        XCTAssertGreaterThan(alarmLine, 161, "no alarm before the fault: \(firstAlarm)")
        XCTAssertTrue(mes.wait(distinct: 1, timeout: 10), "the MES got no alarm")
        let outbox = try Outbox(config: .init(path: dir + "/alarms.sqlite", isStation: false))
        let stored = try outbox.query({ var q = Outbox.Query(); q.limit = 50; return q }())
        XCTAssertGreaterThanOrEqual(stored.count, 1)
        let records = try stored.map { try XCTUnwrap(try outbox.record(resultId: $0.resultId)) }
        let classes = records.map(\.defectClass)
        XCTAssertTrue(classes.allSatisfy { $0.hasPrefix("process-alarm ") }, "\(classes)")
        XCTAssertTrue(classes.contains { $0.hasPrefix("process-alarm SPE") || $0.hasPrefix("process-alarm T2") }, "\(classes)")
        XCTAssertTrue(classes.contains { $0.hasSuffix(": xmeas_1") }, "the univariate chart of xmeas_1 alarms too: \(classes)")
        let record = records[0]
        XCTAssertEqual(record.station, "tep-monitor")
        XCTAssertTrue(mes.ids.contains(record.resultId))
        mes.stop()
    }

    /// Rows arriving as JSON messages on an MQTT topic: the fault's alarm goes out the same way.
    func testFollowModeReadsRowsFromAnMQTTTopic() throws {
        let broker = try requirePeer { try MosquittoPeer() }
        let dir = try makeTemporaryDirectory(self, "process-follow-topic")
        try run(["process", "monitor", "--normal", fixtures + "tep-d00.csv", "--calibrate", fixtures + "tep-d00_te.csv", "--save", dir + "/monitor.json"])
        let mes = try MESSubscriber(port: broker.port, topics: .sparkplug(group: "loupe", station: "tep-topic"), ackResults: false)
        try mes.link.waitConnected(timeout: 5)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try loupe())
        process.arguments = ["process", "monitor", "--model", dir + "/monitor.json", "--follow-topic", "plant/tep", "--outbox", dir + "/alarms.sqlite",
                             "--mqtt", "127.0.0.1:\(broker.port)", "--name", "tep-topic", "--seconds", "6"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let historian = try MQTTLink(options: .init(host: "127.0.0.1", port: broker.port, clientId: "historian"))
        try historian.start()
        try historian.waitConnected(timeout: 5)
        usleep(1_500_000)  // the monitor subscribes
        let table = try ProcessTable.load(contentsOf: fixtures + "tep-d01_te.csv")
        for i in 0..<400 {
            var row: [String: Double] = [:]
            for (j, name) in table.names.enumerated() { row[name] = table.columns[j][i] }
            _ = historian.publish(topic: "plant/tep", payload: try JSONSerialization.data(withJSONObject: row))
        }
        _ = historian.publish(topic: "plant/tep", payload: Data("not json".utf8))
        process.waitUntilExit()
        historian.stop()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("followed 400 rows"), text)
        XCTAssertTrue(text.contains("message 401: not a JSON object"), text)
        let alarm = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("alarm: plant/tep#") && $0.contains("over its limit") }, text)
        XCTAssertGreaterThan(try XCTUnwrap(Int(alarm.split(separator: "#")[1].split(separator: ":")[0])), 161, "no alarm before the fault: \(alarm)")
        XCTAssertTrue(mes.wait(distinct: 1, timeout: 10), "the MES got no alarm")
        mes.stop()
    }
}
