import Foundation
import LoupeMES
import LoupeProcess

/// `monitor --follow`: rows arrive from a growing CSV or an MQTT topic; each alarm episode is
/// stored in the outbox and published over MQTT as a result record, the station's path to the MES.
struct FollowRun {
    let monitor: MonitorModel
    let name: String
    let outboxPath: String?
    let broker: (host: String, port: Int)?
    let seconds: Double?

    func run(file: String?, topic: String?) throws {
        if broker != nil && outboxPath == nil && topic == nil {
            throw ModelFitError("--mqtt needs --outbox: alarms are stored before they are sent, so none is lost while the broker is away")
        }
        let outbox = try outboxPath.map { try Outbox(config: .init(path: $0, isStation: false)) }
        var publisher: MESPublisher?
        if let broker, let outbox {
            let options = MQTTLink.Options(host: broker.host, port: broker.port, clientId: "loupe-\(name)")
            let p = try MESPublisher(outbox: outbox, config: .init(mqtt: options, topics: .sparkplug(group: "loupe", station: name), station: name))
            try p.start()
            publisher = p
        }
        defer { publisher?.stop() }
        var stream = MonitorStream(monitor.pca)
        var charts = monitor.charts.map { ControlChart.Stream($0) }
        var inAlarm = false
        /// Which univariate and range alarms are active (an alarm is raised once per episode).
        var active = Set<String>()
        var rows = 0, alarms = 0
        /// An alarm record: `score` is the alarmed value and `threshold` the limit it crossed.
        func raise(_ key: String, _ whereFrom: String, _ what: String, defectClass: String, score: Double, threshold: Double = 1) throws {
            guard !active.contains(key) else { return }
            active.insert(key)
            alarms += 1
            print("alarm: \(whereFrom): \(what)")
            let record = ResultRecord(jobId: "process-monitor", partId: whereFrom, station: name, modelId: "process-monitor",
                                      modelSha256: "", recipeId: monitor.trainedOn, processingTimesMs: [:], verdict: .reject,
                                      defectClass: defectClass, score: score, threshold: threshold)
            if let publisher { try publisher.submit(record) } else if let outbox { try outbox.enqueue(record) }
        }
        func clear(_ key: String, _ whereFrom: String) {
            if active.remove(key) != nil { print("cleared: \(whereFrom): \(key)") }
        }
        let stopAt = seconds.map { Date().addingTimeInterval($0) }
        let handleRow: ([String: Double], String) throws -> Void = { values, whereFrom in
            rows += 1
            for limit in monitor.ranges {
                let v = values[limit.tag] ?? .nan
                if let why = limit.violation(v) {
                    try raise("range \(limit.tag)", whereFrom, why, defectClass: "process-alarm range: \(limit.tag)", score: v.isFinite ? v : .nan,
                              threshold: (v.isFinite && limit.low.map { v < $0 } == true ? limit.low : limit.high) ?? .nan)
                } else { clear("range \(limit.tag)", whereFrom) }
            }
            for k in charts.indices {
                let chart = charts[k].chart
                guard let (point, rules) = charts[k].push(values[chart.tag] ?? .nan) else { continue }
                let key = "\(chart.kind.rawValue) \(chart.tag)"
                if point.outOfControl || !rules.isEmpty {
                    let why = point.outOfControl ? "outside its limits (\(String(format: "%.4g", point.value)))" : rules.map(\.description).joined(separator: "; ")
                    try raise(key, whereFrom, "\(chart.kind.rawValue.uppercased()) chart of \(chart.tag): \(why)",
                              defectClass: "process-alarm \(chart.kind.rawValue): \(chart.tag)", score: point.value,
                              threshold: point.value < point.lower ? point.lower : point.upper)
                } else { clear(key, whereFrom) }
            }
            let row = monitor.pca.tags.map { values[$0] ?? .nan }
            guard let p = stream.push(row) else { print("warning: \(whereFrom): a monitored tag has no value; row skipped"); return }
            if p.alarm && !inAlarm {
                let stat = p.spe / monitor.pca.limitSPE >= p.t2 / monitor.pca.limitT2 ? "SPE" : "T2"
                let tags = p.topTags.map { "\($0.tag) \(Int(100 * $0.share))%" }.joined(separator: ", ")
                // Score: the statistic over its limit, as a ratio (above 1 is an alarm).
                try raise("pca", whereFrom, "\(stat) over its limit (T² \(String(format: "%.4g", p.t2)), SPE \(String(format: "%.4g", p.spe))); tags: \(tags)",
                          defectClass: "process-alarm \(stat): \(p.topTags.map(\.tag).joined(separator: ", "))",
                          score: max(p.t2 / monitor.pca.limitT2, p.spe / monitor.pca.limitSPE))
            } else if !p.alarm && inAlarm {
                clear("pca", whereFrom)
            }
            inAlarm = p.alarm
        }
        let stop = { stopAt.map { Date() >= $0 } ?? false }
        if let file {
            try CSVFollower(path: file).follow(until: stop, problem: { print("warning: \($0)") }) { values, line in
                try handleRow(values, "\(file):\(line)")
            }
        } else if let topic, let broker {
            let link = try MQTTLink(options: .init(host: broker.host, port: broker.port, clientId: "loupe-\(name)-in"))
            let queue = MessageQueue()
            link.onMessage = { _, payload in queue.put(payload) }
            try link.start()
            try link.waitConnected(timeout: 10)
            try link.subscribe(topic)
            defer { link.stop() }
            var n = 0
            while !stop() {
                guard let payload = queue.take(timeout: 0.2) else { continue }
                n += 1
                guard let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any] else {
                    print("warning: \(topic) message \(n): not a JSON object of tag: value; skipped")
                    continue
                }
                var values: [String: Double] = [:]
                for (k, v) in object { if let d = (v as? NSNumber)?.doubleValue { values[k] = d } }
                try handleRow(values, "\(topic)#\(n)")
            }
        } else {
            throw ModelFitError("--follow-topic needs --mqtt HOST:PORT")
        }
        if let publisher { _ = try? publisher.waitDrained(timeout: 5) }
        print("followed \(rows) row\(rows == 1 ? "" : "s"), \(alarms) alarm episode\(alarms == 1 ? "" : "s")")
    }
}

/// Payloads handed from the MQTT thread to the monitor loop.
final class MessageQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Data] = []
    func put(_ d: Data) { condition.lock(); items.append(d); condition.signal(); condition.unlock() }
    func take(timeout: Double) -> Data? {
        condition.lock(); defer { condition.unlock() }
        if items.isEmpty { _ = condition.wait(until: Date().addingTimeInterval(timeout)) }
        return items.isEmpty ? nil : items.removeFirst()
    }
}
