import ArgumentParser
import Foundation
import LoupeMES
import LoupeProcess

struct ProcessMonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "monitor",
        abstract: "Multivariate (PCA T² and SPE, dynamic, EWMA) and univariate (Shewhart, EWMA, CUSUM, run rules) monitoring with diagnosis.",
        discussion: """
        Build from normal data and run over new data:
          loupe process monitor --normal normal.csv --data today.csv --html monitor.html --save monitor.json
        Follow a growing file (or an MQTT topic) and raise alarms through the outbox and MQTT, as the station does:
          loupe process monitor --model monitor.json --follow today.csv --outbox alarms.sqlite [--mqtt 127.0.0.1:1883]
        """)
    @Option(help: "Normal operating data to build the monitor from.") var normal: String?
    @Option(help: "A second normal run to calibrate the limits on (default: the last third of --normal, held out from the fit).") var calibrate: String?
    @Option(help: "A monitor saved with --save (instead of --normal).") var model: String?
    @Option(help: "Data to monitor.") var data: String?
    @Option(help: "Tags to monitor (default: every numeric tag that varies and has values in most normal rows).") var tags: String?
    @Option(help: "Lagged rows per row (dynamic PCA; 0 = plain PCA).") var lags = 2
    @Option(help: "Components (default: the fewest holding --variance of the variance).") var components: Int?
    @Option(help: "Variance share the components hold.") var variance = 0.4857
    @Option(help: "EWMA weight on T² and SPE (0 = none).") var ewma = 0.1
    @Option(help: "False-alarm rate the limits are calibrated to on normal data.") var falseAlarmRate = 0.01
    @Option(help: "Tags that also get Shewhart/EWMA/CUSUM charts with run rules.") var chart: String?
    @Option(help: "Out-of-range limits, e.g. O2=2.5:6,T_steam=:545.") var range: String?
    @Option(help: "Save the monitor here (for --follow).") var save: String?
    @Option(help: "HTML report path.") var html: String?
    @Option(help: "Follow this growing CSV: monitor rows as they are appended.") var follow: String?
    @Option(help: "Follow this MQTT topic instead (JSON objects of tag: value), on --mqtt.") var followTopic: String?
    @Option(help: "Outbox (SQLite) alarms are stored in, as station results.") var outbox: String?
    @Option(help: "MQTT broker host:port alarms are published to (and --follow-topic read from).") var mqtt: String?
    @Option(help: "Name of this monitor in alarm records.") var name = "process-monitor"
    @Option(help: "Stop following after this many seconds (default: run until stopped).") var seconds: Double?

    func run() throws {
        try runProcessCommand {
            let monitor: MonitorModel
            if let model {
                monitor = try MonitorModel.load(contentsOf: model)
                let ignored = [("--normal", normal), ("--calibrate", calibrate), ("--tags", tags), ("--chart", chart), ("--range", range)].filter { $0.1 != nil }.map(\.0)
                if !ignored.isEmpty {
                    print("note: \(ignored.joined(separator: ", ")) and the model settings apply when a monitor is built; \(model) is used as saved")
                }
            } else {
                guard let normal else { throw ValidationError("give --normal DATA (normal operating data) or --model MONITOR.json") }
                var request = MonitorRequest()
                request.tags = ProcessArguments.names(tags)
                request.settings = PCAMonitor.Settings(lags: lags, components: components, varianceFraction: variance, ewma: ewma)
                request.falseAlarmRate = falseAlarmRate
                request.chartTags = ProcessArguments.names(chart)
                request.ranges = try ProcessArguments.names(range).map { try RangeLimit(parsing: $0) }
                let normalTable = try ProcessTable.load(contentsOf: normal)
                let calibrationTable = try calibrate.map { try ProcessTable.load(contentsOf: $0) }
                monitor = try MonitorWorkflow.build(normal: normalTable, calibration: calibrationTable, request)
                let p = monitor.pca
                print("monitor: \(p.tags.count) tags, \(p.components) components (\(String(format: "%.1f", 100 * p.varianceExplained)) % of the variance), "
                      + "limits T² \(String(format: "%.4g", p.limitT2)), SPE \(String(format: "%.4g", p.limitSPE)); "
                      + "\(String(format: "%.2f", 100 * (p.calibratedFalseAlarmRate ?? 0))) % false alarms on \(monitor.calibratedOn)")
                for note in monitor.notes { print("note: \(note)") }
            }
            if let save { try monitor.write(to: save); print("monitor saved: \(save)") }
            if let data {
                let table = try ProcessTable.load(contentsOf: data)
                let outcome = try MonitorWorkflow.run(monitor, on: table)
                print("\(data): \(outcome.alarms.count) rows, alarms on \(outcome.alarms.filter { $0 }.count) (\(String(format: "%.2f", 100 * outcome.alarmRate)) %)"
                      + (outcome.firstAlarmRow.map { ", first at row \($0) (line \(table.lines[$0]))" } ?? ""))
                if !outcome.diagnosis.isEmpty {
                    print("  tags behind the alarms: " + outcome.diagnosis.prefix(5).map { "\($0.tag) \(String(format: "%.0f", 100 * $0.share)) %" }.joined(separator: ", "))
                }
                for c in outcome.charts where !c.violations.isEmpty || c.points.contains(where: \.outOfControl) {
                    let out = c.points.filter(\.outOfControl).count
                    let outside = Set(c.points.indices.filter { c.points[$0].outOfControl })
                    let flagged = Set(c.violations.map(\.index)).subtracting(outside).count
                    print("  \(c.chart.kind.rawValue) \(c.chart.tag): \(out) of \(c.points.count) points outside the limits"
                          + (c.chart.kind == .shewhart ? ", \(flagged) more flagged by the other run rules" : ""))
                }
                for v in outcome.rangeViolations.prefix(10) { print("  line \(v.line): \(v.message)") }
                if outcome.rangeViolations.count > 10 { print("  … \(outcome.rangeViolations.count - 10) more out-of-range events") }
                try ProcessArguments.write(MonitorWorkflow.report(monitor, outcome), to: html)
            }
            if follow != nil || followTopic != nil {
                let broker = try mqtt.map { try endpoint($0, option: "--mqtt", defaultPort: 1883) }
                try FollowRun(monitor: monitor, name: name, outboxPath: outbox, broker: broker, seconds: seconds).run(file: follow, topic: followTopic)
            }
        }
    }
}
