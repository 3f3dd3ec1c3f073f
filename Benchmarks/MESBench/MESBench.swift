import Foundation
import LoupeMES
import LoupePeers
import LoupeTensor

/// `loupe-mes-bench --repo R --out F [--quick]`: every number of Benchmarks/results/mes.json.
func runBench(_ args: [String]) throws {
    let repo = option("--repo", args) ?? FileManager.default.currentDirectoryPath
    let out = option("--out", args) ?? repo + "/Benchmarks/results/mes.json"
    let quick = args.contains("--quick")
    let work = NSTemporaryDirectory() + "loupe-bench-mes-\(getpid())"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    var report: [String: Any] = ["quick": quick, "host_cores": ProcessInfo.processInfo.activeProcessorCount]
    // --only outbox|puback|reject|chaos: one section (for investigating; the JSON is then partial).
    let only = option("--only", args)
    func wanted(_ section: String) -> Bool { only == nil || only == section }

    // 1. Outbox throughput: group commit vs one fsync per result (the naive peer, same disk, same run).
    if wanted("outbox") {
        let single = quick ? 100 : 300
        let grouped = quick ? 5_000 : 20_000
        let o = try Outbox(config: .init(path: work + "/outbox-speed.sqlite"))
        var t0 = MonotonicClock.seconds()
        for i in 0..<single { try o.enqueue(SimulatedResults.record(index: i, station: "bench")) }
        let singleRate = Double(single) / (MonotonicClock.seconds() - t0)
        t0 = MonotonicClock.seconds()
        for i in single..<(single + grouped) { o.enqueueGrouped(SimulatedResults.record(index: i, station: "bench")) }
        try o.flush()
        let groupedRate = Double(grouped) / (MonotonicClock.seconds() - t0)
        report["outbox_results_s"] = groupedRate.rounded()
        report["outbox_single_commit_results_s"] = singleRate.rounded()
        print(String(format: "outbox: %.0f results/s with group commit, %.0f results/s with one fsync each (%.1fx)", groupedRate, singleRate, groupedRate / singleRate))
    }

    // 2. Result -> PUBACK latency against a real mosquitto.
    if wanted("puback") {
        let broker = try MosquittoPeer()
        let o = try Outbox(config: .init(path: work + "/outbox-puback.sqlite"))
        let c = MESPublisher.Config(mqtt: .init(port: broker.port, clientId: "bench-station"), topics: .sparkplug(group: "bench", station: "s1"), station: "s1")
        let pub = try MESPublisher(outbox: o, config: c)
        let lock = NSLock()
        var pubackMs: [Double] = []
        var submitted: [String: Double] = [:]
        var endToEndMs: [Double] = []
        pub.onAcknowledged = { id, sent, ack in
            lock.lock(); pubackMs.append((ack - sent) * 1000); if let s = submitted[id] { endToEndMs.append((ack - s) * 1000) }; lock.unlock()
        }
        try pub.start()
        try pub.link.waitConnected(timeout: 5)
        let n = quick ? 500 : 3_000, rate = 200.0
        let start = MonotonicClock.seconds()
        for i in 0..<n {
            let due = start + Double(i) / rate
            if due > MonotonicClock.seconds() { usleep(UInt32((due - MonotonicClock.seconds()) * 1e6)) }
            let r = SimulatedResults.record(index: i, station: "s1")
            lock.lock(); submitted[r.resultId] = MonotonicClock.seconds(); lock.unlock()
            pub.submitGrouped(r)
        }
        _ = try pub.waitDrained(timeout: 30)
        usleep(200_000) // the last acknowledgements' callbacks run just after the outbox records them
        pub.stop()
        lock.lock(); let p = pubackMs, e = endToEndMs; lock.unlock()
        report["puback_p50_ms"] = pct(p, 0.5); report["puback_p99_ms"] = pct(p, 0.99)
        report["result_to_ack_p50_ms"] = pct(e, 0.5); report["result_to_ack_p99_ms"] = pct(e, 0.99)
        report["puback_samples"] = p.count
        print(String(format: "MQTT: publish->PUBACK p50 %.2f ms p99 %.2f ms; submit (incl. fsync)->PUBACK p50 %.2f ms p99 %.2f ms (%d results at %.0f/s)",
                     pct(p, 0.5), pct(p, 0.99), pct(e, 0.5), pct(e, 0.99), p.count, rate))
    }

    // 3. Reject round trip (FC16 write + FC03 read-back) against pymodbus, vs pymodbus's own client.
    if wanted("reject") {
        let plc = try PLCPeer(repo: repo)
        for rate in [25.0, 100.0] {
            let n = Int(rate * (quick ? 4 : 20))
            var config = RejectController.Config(plcPort: plc.port)
            config.requestTimeoutMs = 100
            let rc = RejectController(config: config)
            var rtts: [Double] = []
            let start = MonotonicClock.seconds()
            for i in 0..<n {
                let due = start + Double(i) / rate
                if due > MonotonicClock.seconds() { usleep(UInt32((due - MonotonicClock.seconds()) * 1e6)) }
                rtts.append(try rc.sendReject(part: UInt32(i), slot: UInt16(i % 16), reason: .verdict))
            }
            let key = "\(Int(rate))"
            if ProcessInfo.processInfo.environment["BENCH_VERBOSE"] != nil {
                let worst = rtts.enumerated().sorted { $0.element > $1.element }.prefix(8)
                print("  worst: " + worst.map { String(format: "#%d %.2f ms", $0.offset, $0.element) }.joined(separator: ", "))
            }
            report["reject_rtt_p50_ms_\(key)"] = pct(rtts, 0.5)
            report["reject_rtt_p99_ms_\(key)"] = pct(rtts, 0.99)
            var peer: [String: Double] = [:]
            if let python = PLCPeer.python(repo: repo) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: python)
                p.arguments = [repo + "/Benchmarks/scripts/mes_modbus_rtt.py", String(plc.port), String(rate), String(n)]
                let pipe = Pipe(); p.standardOutput = pipe
                try p.run(); p.waitUntilExit()
                peer = (try? JSONSerialization.jsonObject(with: pipe.fileHandleForReading.readDataToEndOfFile())) as? [String: Double] ?? [:]
                report["pymodbus_client_rtt_p50_ms_\(key)"] = peer["p50_ms"]
                report["pymodbus_client_rtt_p99_ms_\(key)"] = peer["p99_ms"]
            }
            print(String(format: "reject at %.0f parts/s: p50 %.3f ms p99 %.3f ms; pymodbus client p50 %.3f ms p99 %.3f ms (ratio p99 %.2fx)",
                         rate, pct(rtts, 0.5), pct(rtts, 0.99), peer["p50_ms"] ?? .nan, peer["p99_ms"] ?? .nan, (peer["p99_ms"] ?? .nan) / pct(rtts, 0.99)))
        }
        report["reject_rtt_p50_ms"] = report["reject_rtt_p50_ms_100"]
        report["reject_rtt_p99_ms"] = report["reject_rtt_p99_ms_100"]
    }

    // 4. Long chaos: a station process streaming results, the broker SIGKILLed and restarted,
    //    the station SIGKILLed and restarted; a MES that acknowledges end to end.
    if wanted("chaos") {
        let n = quick ? 2_000 : 10_000
        let brokerRestarts = quick ? 4 : 20
        let stationKills = quick ? 2 : 5
        let rate = 400.0
        let broker = try MosquittoPeer()
        let topics = MESPublisher.Topics.sparkplug(group: "loupe", station: "station-1")
        let mes = try MESSubscriber(port: broker.port, topics: topics, ackResults: true)
        try mes.link.waitConnected(timeout: 5)
        let db = work + "/chaos-station.sqlite"
        let sim = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("loupe-mes-sim").path
        func launch() throws -> Process {
            try launchQuietly(sim, ["station", "--db", db, "--port", String(broker.port), "--count", String(n), "--rate", String(rate),
                                    "--resend-after", "2"])
        }
        let t0 = MonotonicClock.seconds()
        var station = try launch()
        let produceS = Double(n) / rate
        // Spread the events over the production time: broker restarts and station kills interleaved.
        var events: [(Double, String)] = (0..<brokerRestarts).map { (produceS * (Double($0) + 0.5) / Double(brokerRestarts), "broker") }
        events += (0..<stationKills).map { (produceS * (Double($0) + 0.3) / Double(stationKills), "station") }
        events.sort { $0.0 < $1.0 }
        var brokerDone = 0, killsDone = 0
        for (at, what) in events {
            let wait = t0 + at - MonotonicClock.seconds()
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
            if what == "broker" {
                broker.stop(kill: true); usleep(200_000); try broker.start(); brokerDone += 1
            } else if station.isRunning {
                kill(station.processIdentifier, SIGKILL); station.waitUntilExit(); killsDone += 1
                station = try launch()
            }
        }
        let limit = MonotonicClock.seconds() + 300
        while station.isRunning && MonotonicClock.seconds() < limit { usleep(100_000) }
        if station.isRunning { kill(station.processIdentifier, SIGKILL) }
        _ = mes.wait(distinct: n, timeout: 10)
        let lost = Set((0..<n).map { "sim-\($0)" }).subtracting(mes.ids).count
        report["chaos_results"] = n
        report["chaos_broker_restarts"] = brokerDone
        report["chaos_station_kills"] = killsDone
        report["chaos_seconds"] = (MonotonicClock.seconds() - t0).rounded()
        report["results_lost"] = lost
        report["duplicates_delivered"] = mes.duplicates
        report["replayed_delivered"] = mes.replayed.count
        print("chaos: \(n) results, \(brokerDone) broker SIGKILL+restarts, \(killsDone) station SIGKILL+restarts in \(Int(MonotonicClock.seconds() - t0)) s: lost \(lost), duplicates \(mes.duplicates), station exit \(station.terminationStatus)")
        mes.stop()
    }

    let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
    try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try data.write(to: URL(fileURLWithPath: out))
    print("wrote \(out)")
    if let lost = report["results_lost"] as? Int, lost != 0 { fail(program: "loupe-mes-bench", "results_lost = \(lost)") }
}

func pct(_ xs: [Double], _ q: Double) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return (s[min(s.count - 1, Int(Double(s.count) * q))] * 1000).rounded() / 1000
}
