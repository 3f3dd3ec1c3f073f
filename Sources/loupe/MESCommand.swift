import ArgumentParser
import Foundation
import LoupeInspection
import LoupeMES

/// A runtime failure of `loupe mes` / `loupe results` (not a usage error: no usage text after it).
struct MESCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the MES adapter keeps its outbox unless told otherwise.
let defaultOutboxPath = ProcessInfo.processInfo.environment["LOUPE_OUTBOX"] ?? "loupe-outbox.sqlite"

struct MESCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mes",
        abstract: "Commission the MES link: send a test result over MQTT, a test reject over Modbus TCP, show the outbox.",
        discussion: """
        Start here at commissioning:
          loupe mes test-result --broker 10.0.0.5:1883 --station cell-3
              one result through the outbox to the MES, acknowledged
          loupe mes test-reject --plc 10.0.0.9:502 --slot 4
              one reject written to the PLC and read back
          loupe mes status
              what the outbox holds
        Topics, register map and the result schema: docs/mes.md.
        """,
        subcommands: [TestResult.self, TestReject.self, Status.self]
    )

    struct BrokerOptions: ParsableArguments {
        @Option(help: "MQTT broker host:port.")
        var broker = "127.0.0.1:1883"
        @Option(help: "Username for the broker.")
        var username: String?
        @Option(help: "Password for the broker (or LOUPE_MQTT_PASSWORD).")
        var password: String?
        @Option(help: "CA file: connect with TLS.")
        var tlsCA: String?
        @Option(help: "Sparkplug-style group id of the topic namespace.")
        var group = "loupe"
        @Option(help: "Station (edge node) id.")
        var station = "station-1"
        @Option(help: "Who must acknowledge before a result leaves the outbox: puback (the broker) or mes (the MES's ack topic).")
        var ackMode = "puback"

        func link(clientSuffix: String = "") throws -> MESPublisher.Config {
            let (host, port) = try endpoint(broker, option: "--broker")
            var o = MQTTLink.Options(host: host, port: port, clientId: "loupe-\(station)\(clientSuffix)")
            o.username = username
            o.password = password ?? ProcessInfo.processInfo.environment["LOUPE_MQTT_PASSWORD"]
            if let tlsCA { o.tls = .init(caFile: tlsCA) }
            var c = MESPublisher.Config(mqtt: o, topics: .sparkplug(group: group, station: station), station: station)
            guard let mode = MESPublisher.AckMode(rawValue: ackMode) else { throw ValidationError("--ack-mode must be puback or mes, got \(ackMode)") }
            c.ackMode = mode
            return c
        }
    }

    struct TestResult: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-result",
            abstract: "Store a test result in the outbox, publish it, and wait for the acknowledgement.")
        @OptionGroup var broker: BrokerOptions
        @Option(help: "Outbox database.")
        var db = defaultOutboxPath
        @Option(help: "Seconds to wait for the acknowledgement.")
        var timeout: Double = 10

        func run() throws {
            let config = try broker.link()
            let outbox = try Outbox(config: .init(path: db)) { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
            let publisher = try MESPublisher(outbox: outbox, config: config) { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
            let record = ResultRecord(jobId: "commissioning", partId: "test-part", measId: "test", station: config.station,
                                      modelId: "commissioning", modelSha256: String(repeating: "0", count: 64), recipeId: "commissioning",
                                      processingTimesMs: ["inference": 0], verdict: .pass, defectClass: "test", score: 0, threshold: 0.5)
            let acked = NSCondition()
            nonisolated(unsafe) var latencyMs: Double?
            publisher.onAcknowledged = { id, sent, ack in
                guard id == record.resultId else { return }
                acked.lock(); latencyMs = (ack - sent) * 1000; acked.broadcast(); acked.unlock()
            }
            try publisher.start()
            try publisher.link.waitConnected(timeout: timeout)
            try publisher.submit(record)
            acked.lock()
            let until = Date(timeIntervalSinceNow: timeout)
            while latencyMs == nil && acked.wait(until: until) {}
            let got = latencyMs
            acked.unlock()
            publisher.stop()
            guard let got else {
                throw MESCommandError("no acknowledgement for \(record.resultId) within \(timeout) s from \(config.mqtt.broker) (ack mode \(config.ackMode.rawValue)); it stays in the outbox \(db)")
            }
            print("result \(record.resultId) published to \(config.topics.results) on \(config.mqtt.broker), acknowledged (\(config.ackMode.rawValue)) in \(String(format: "%.2f", got)) ms")
        }
    }

    struct TestReject: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-reject",
            abstract: "Write one reject to the PLC (FC16) and read it back (FC03); print the round trip.")
        @Option(help: "PLC host:port (Modbus TCP).")
        var plc = "127.0.0.1:502"
        @Option(help: "Modbus unit id.")
        var unit: UInt8 = 1
        @Option(help: "First holding register of the 6-register reject block.")
        var register: UInt16 = 10
        @Option(help: "Slot (FIFO position) to reject.")
        var slot: UInt16 = 0
        @Option(help: "Part number to send.")
        var part: UInt32 = 1
        @Option(help: "Per-request timeout, ms.")
        var timeoutMs = 200

        func run() throws {
            let (host, port) = try endpoint(plc, option: "--plc")
            var config = RejectController.Config(plcHost: host, plcPort: port)
            config.unit = unit
            config.rejectRegister = register
            config.requestTimeoutMs = timeoutMs
            let rtt = try RejectController(config: config).sendReject(part: part, slot: slot, reason: .manual)
            print("reject for part \(part) slot \(slot) written to \(plc) registers \(register)...\(register + 5) and read back in \(String(format: "%.2f", rtt)) ms")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what the outbox holds: pending, replayed, acknowledged, disk use.")
        @Option(help: "Outbox database.")
        var db = defaultOutboxPath
        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            guard FileManager.default.fileExists(atPath: db) else { throw MESCommandError("no outbox at \(db) (--db or LOUPE_OUTBOX)") }
            let s = try Outbox(config: .init(path: db, isStation: false)).status()
            if json {
                let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try e.encode(s), as: UTF8.self))
                return
            }
            print("outbox \(s.path)")
            print("  pending       \(s.pending) (\(s.pendingReplayed) replayed after a restart, \(s.neverSent) never sent)")
            print("  acknowledged  \(s.acknowledged) kept as audit trail")
            if let age = s.oldestPendingAgeS { print("  oldest pending \(String(format: "%.1f", age)) s") }
            print("  disk          \(s.usedBytes / 1024) KiB of \(s.budgetBytes / 1024) KiB budget")
            print("  commands      \(s.commands) audited, alarms \(s.alarms)")
        }
    }
}

extension ResultRecord {
    /// The MES record for one inspection.
    init(inspection r: Inspection, inspector: Inspector, station: String, jobId: String, partId: String, measId: String, recipeId: String) {
        self.init(jobId: jobId, partId: partId, measId: measId, station: station, modelId: inspector.modelID,
                  modelSha256: inspector.modelSHA256, recipeId: recipeId,
                  processingTimesMs: ["decode": r.timings.decodeMs, "preprocess": r.timings.preprocessMs, "inference": r.timings.inferenceMs],
                  verdict: r.verdict == .reject ? .reject : .pass, defectClass: r.className, score: Double(r.defectScore),
                  threshold: Double(r.threshold), imageRef: r.source)
    }
}
