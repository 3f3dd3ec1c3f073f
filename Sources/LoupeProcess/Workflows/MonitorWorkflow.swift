import Foundation

/// What `loupe process monitor` builds from normal operating data, saved so a follow run uses it.
public struct MonitorModel: Sendable, Codable {
    public static let format = "loupe-process-monitor"
    public var format = MonitorModel.format
    public var pca: PCAMonitor
    /// Univariate charts on chosen tags.
    public var charts: [ControlChart]
    public var ranges: [RangeLimit]
    public var trainedOn: String
    public var calibratedOn: String
    /// What the user should know about how it was built (tags left out, held-out calibration).
    public var notes: [String]

    public init(pca: PCAMonitor, charts: [ControlChart], ranges: [RangeLimit], trainedOn: String, calibratedOn: String, notes: [String] = []) {
        self.pca = pca
        self.charts = charts
        self.ranges = ranges
        self.trainedOn = trainedOn
        self.calibratedOn = calibratedOn
        self.notes = notes
    }

    public func write(to path: String) throws {
        try OutputFile.writeJSON(self, to: path, nonFinite: true)
    }

    public static func load(contentsOf path: String) throws -> MonitorModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelFitError("\(path): cannot be read") }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            let m = try decoder.decode(MonitorModel.self, from: data)
            guard m.format == format else { throw ModelFitError("\(path): format '\(m.format)', expected '\(format)'") }
            return m
        } catch let e as DecodingError { throw ModelFitError("\(path): not a Loupe process monitor: \(ProcessModel.describe(e))") }
    }
}

/// What the monitor is asked to build.
public struct MonitorRequest: Sendable {
    /// Tags to monitor; empty = every numeric tag with values in the normal data.
    public var tags: [String] = []
    public var settings = PCAMonitor.Settings()
    public var falseAlarmRate = 0.01
    /// Tags that also get univariate charts, and which kinds.
    public var chartTags: [String] = []
    public var chartKinds: [ControlChart.Kind] = ControlChart.Kind.allCases
    public var ranges: [RangeLimit] = []
    public init() {}
}

/// One run of the monitor over data: statistics, alarms, diagnosis, chart points and rule hits.
public struct MonitorOutcome: Sendable {
    public var source: String
    public var t2: [Double]
    public var spe: [Double]
    public var alarms: [Bool]
    /// Rows that were skipped (a missing value in a monitored tag).
    public var skippedRows: Int
    /// Mean contribution per tag over the alarmed rows (T² and SPE shares added), largest first.
    public var diagnosis: [(tag: String, share: Double)]
    public var charts: [(chart: ControlChart, points: [ControlChart.Point], violations: [RunRule.Violation], values: [Double])]
    public var rangeViolations: [(row: Int, line: Int, message: String)]
    public var firstAlarmRow: Int?
    public var alarmRate: Double { alarms.isEmpty ? 0 : Double(alarms.filter { $0 }.count) / Double(alarms.count) }
}

public enum MonitorWorkflow {
    /// Fits the PCA monitor and charts on `normal`, and calibrates its limits to the requested
    /// false-alarm rate on `calibration`, another normal run. Without one, the last third of
    /// `normal` is held out for calibration: limits set on the rows a model was fitted to are far
    /// too tight for new data.
    public static func build(normal: ProcessTable, calibration: ProcessTable?, _ request: MonitorRequest) throws -> MonitorModel {
        var notes: [String] = []
        var tags = request.tags
        // Without a calibration run, the fit sees only the first two thirds of the rows.
        let fitShare = calibration == nil ? normal.rowCount * 2 / 3 : normal.rowCount
        if tags.isEmpty {
            for (j, column) in normal.columns.enumerated() {
                let values = column[..<fitShare].filter(\.isFinite)
                if values.count < fitShare / 2 {
                    notes.append("\(normal.names[j]) left out: missing in more than half the normal rows")
                } else if values.max()! - values.min()! <= 1e-9 * max(1, abs(values[0])) {
                    notes.append("\(normal.names[j]) left out: constant in the normal data\(calibration == nil ? " the monitor is fitted on" : "")")
                } else { tags.append(normal.names[j]) }
            }
        }
        let indices = try tags.map { try normal.index(of: $0) }
        let (rows, all) = normal.completeRows(indices)
        guard rows.count >= 30 else { throw ProcessDataError.tooFewRows(operation: "building a monitor from \(normal.source)", rows: rows.count, needed: 30) }
        let fitRows = calibration == nil ? Array(0..<(2 * rows.count / 3)) : Array(0..<rows.count)
        var pca = try PCAMonitor.fit(all.selectingRows(fitRows), tags: tags, settings: request.settings)
        let calibrationData: Matrix
        let calibratedOn: String
        if let calibration {
            calibrationData = calibration.completeRows(try tags.map { try calibration.index(of: $0) }).matrix
            calibratedOn = calibration.source
        } else {
            calibrationData = all.selectingRows(Array(fitRows.count..<rows.count))
            calibratedOn = "the last third of \(normal.source) (held out)"
            notes.append("limits calibrated on the last \(rows.count - fitRows.count) normal rows, held out from the fit; give --calibrate with another normal run for limits you can trust more")
        }
        pca.calibrate(normal: calibrationData, falseAlarmRate: request.falseAlarmRate)
        var charts: [ControlChart] = []
        for tag in request.chartTags {
            let values = try normal.column(tag)
            for kind in request.chartKinds { charts.append(try ControlChart.baseline(values, tag: tag, kind: kind)) }
        }
        for r in request.ranges { _ = try normal.index(of: r.tag) }
        return MonitorModel(pca: pca, charts: charts, ranges: request.ranges, trainedOn: normal.source, calibratedOn: calibratedOn, notes: notes)
    }

    /// Runs the monitor over `data` (a contiguous run of rows).
    public static func run(_ model: MonitorModel, on data: ProcessTable) throws -> MonitorOutcome {
        let indices = try model.pca.tags.map { try data.index(of: $0) }
        var stream = MonitorStream(model.pca)
        var t2: [Double] = [], spe: [Double] = [], alarms: [Bool] = []
        var skipped = 0
        var share = [String: Double]()
        var firstAlarm: Int?
        for i in 0..<data.rowCount {
            guard let p = stream.push(indices.map { data.columns[$0][i] }) else {
                skipped += 1
                t2.append(.nan); spe.append(.nan); alarms.append(false)
                continue
            }
            t2.append(p.t2); spe.append(p.spe); alarms.append(p.alarm)
            if p.alarm {
                if firstAlarm == nil { firstAlarm = i }
                for (tag, s) in p.topTags { share[tag, default: 0] += s }
            }
        }
        let alarmCount = max(1, alarms.filter { $0 }.count)
        let diagnosis = share.map { ($0.key, $0.value / Double(alarmCount)) }.sorted { $0.1 > $1.1 }
        var charts: [(ControlChart, [ControlChart.Point], [RunRule.Violation], [Double])] = []
        for chart in model.charts {
            let values = try data.column(chart.tag)
            let points = chart.points(values)
            let violations = chart.kind == .shewhart ? RunRule.violations(values, centre: chart.centre, sigma: chart.sigma) : []
            charts.append((chart, points, violations, values))
        }
        var rangeViolations: [(Int, Int, String)] = []
        for limit in model.ranges {
            let values = try data.column(limit.tag)
            for (i, v) in values.enumerated() { if let why = limit.violation(v) { rangeViolations.append((i, data.lines[i], why)) } }
        }
        rangeViolations.sort { $0.0 < $1.0 }
        return MonitorOutcome(source: data.source, t2: t2, spe: spe, alarms: alarms, skippedRows: skipped, diagnosis: diagnosis,
                              charts: charts, rangeViolations: rangeViolations, firstAlarmRow: firstAlarm)
    }

    /// The monitoring report: T² and SPE charts with their limits, the tags behind the alarms,
    /// univariate charts with run-rule hits, and out-of-range events.
    public static func report(_ model: MonitorModel, _ outcome: MonitorOutcome) -> HTMLReport {
        let pca = model.pca
        var r = HTMLReport(title: "Process monitor: \(URL(fileURLWithPath: outcome.source).lastPathComponent)",
                           subtitle: "PCA on \(pca.tags.count) tags, trained on \(model.trainedOn)")
        let s = pca.settings
        r.addKeyValues([
            ("method", (s.lags > 0 ? "dynamic PCA (\(s.lags) lags)" : "PCA") + (s.ewma > 0 ? ", EWMA λ = \(s.ewma) on T² and SPE" : "")),
            ("components", "\(pca.components) (\(ReportFormat.number(100 * pca.varianceExplained, digits: 3)) % of the variance)"),
            ("limits", "T² \(ReportFormat.number(pca.limitT2, digits: 4)), SPE \(ReportFormat.number(pca.limitSPE, digits: 4))"),
            ("calibrated", "for ≤ \(ReportFormat.number(100 * (pca.targetFalseAlarmRate ?? 0), digits: 3)) % false alarms on \(model.calibratedOn) (gave \(ReportFormat.number(100 * (pca.calibratedFalseAlarmRate ?? 0), digits: 3)) %)"),
            ("rows", "\(outcome.alarms.count) (\(outcome.skippedRows) skipped: missing values)"),
            ("alarm rate", "\(ReportFormat.number(100 * outcome.alarmRate, digits: 3)) %"),
            ("first alarm", outcome.firstAlarmRow.map { "row \($0)" } ?? "none"),
        ])
        let alarmSet = Set(outcome.alarms.indices.filter { outcome.alarms[$0] })
        r.addHeading("Hotelling T² and SPE")
        r.addFigure(LineChart.controlChart(values: outcome.t2, upper: pca.limitT2, title: "Hotelling T²", yLabel: "T²", alarms: alarmSet, logScale: true),
                    caption: "Variation inside the model plane; the line is the calibrated limit.")
        r.addFigure(LineChart.controlChart(values: outcome.spe, upper: pca.limitSPE, title: "SPE (Q)", yLabel: "SPE", alarms: alarmSet, logScale: true),
                    caption: "Variation the model does not explain: a broken correlation between tags.")
        if !outcome.diagnosis.isEmpty {
            r.addHeading("Diagnosis: the tags behind the alarms")
            r.addFigure(BarChart.contributions(labels: outcome.diagnosis.map(\.tag), values: outcome.diagnosis.map(\.share),
                                               title: "Mean share of the alarmed statistic", top: 10, valueLabel: "share"),
                        caption: "For each alarmed row, the three tags contributing most to the statistic furthest over its limit.")
        }
        for (chart, points, violations, _) in outcome.charts {
            let alarms = Set(points.indices.filter { points[$0].outOfControl }).union(violations.map(\.index))
            let last = points.last { $0.upper.isFinite }
            r.addFigure(LineChart.controlChart(values: points.map(\.value), centre: chart.kind == .cusum ? 0 : chart.centre,
                                               upper: last?.upper, lower: last?.lower,
                                               title: "\(chart.kind.rawValue.uppercased()): \(chart.tag)", yLabel: chart.tag, alarms: alarms),
                        caption: chart.kind == .shewhart
                            ? "Individuals chart, ±3σ; \(Set(violations.map(\.index)).count) points flagged by the run rules (\(Set(violations.map(\.rule)).map(\.description).sorted().joined(separator: "; ")))."
                            : "\(chart.kind.rawValue.uppercased()) chart with its limits.")
        }
        if !outcome.rangeViolations.isEmpty {
            r.addHeading("Out of range")
            r.addTable(headers: ["row", "line", "what"], rows: outcome.rangeViolations.prefix(200).map { ["\($0.row)", "\($0.line)", $0.message] }, numericColumns: [0, 1])
        }
        return r
    }
}
