import Foundation

/// The data report a process engineer reads before modelling: what is in the file, what is
/// missing or bad (by line and column), what is constant, what moves together.
public enum DataReportWorkflow {
    public static func report(_ p: DataProfile) -> HTMLReport {
        var r = HTMLReport(title: "Data report: \(URL(fileURLWithPath: p.source).lastPathComponent)", subtitle: p.source)
        let bad = p.tags.reduce(0) { $0 + $1.bad }
        let constant = p.tags.filter(\.isConstant)
        var facts: [(String, String)] = [
            ("rows", "\(p.rows)"), ("numeric tags", "\(p.tags.count)"),
            ("delimiter", p.delimiter == "\t" ? "tab" : "'\(p.delimiter)'"), ("decimal separator", p.decimalComma ? "comma" : "point"),
            ("bad cells", "\(bad)"), ("constant tags", "\(constant.count)"), ("correlated groups", "\(p.correlatedGroups.count) (|r| ≥ \(p.groupThreshold))"),
            ("read in", String(format: "%.2f s", p.seconds)),
        ]
        if let t = p.timeColumn {
            let f = ISO8601DateFormatter()
            facts.insert(("time", "\(t): \(p.firstTime.map { f.string(from: Date(timeIntervalSince1970: $0)) } ?? "?") … \(p.lastTime.map { f.string(from: Date(timeIntervalSince1970: $0)) } ?? "?")"), at: 2)
        }
        if !p.textColumns.isEmpty { facts.append(("text columns (not modelled)", p.textColumns.joined(separator: ", "))) }
        r.addKeyValues(facts)
        if bad > 0 { r.addAlert("\(bad) cells hold text where a number belongs; they are treated as missing, listed below by line and column.", level: .warning) }
        for t in p.tags where t.count == 0 { r.addAlert("\(t.name) has no values at all.", level: .error) }
        if !constant.isEmpty { r.addAlert("Constant tags (no use as model inputs): \(constant.map(\.name).joined(separator: ", "))", level: .info) }
        r.addHeading("Tags")
        r.addTable(headers: ["tag", "unit", "values", "missing %", "bad", "min", "max", "mean", "std", "note"],
                   rows: p.tags.map { t in
                       [t.name, t.unit ?? "", "\(t.count)", ReportFormat.number(100 * t.missingShare, digits: 3), "\(t.bad)",
                        ReportFormat.number(t.minimum, digits: 5), ReportFormat.number(t.maximum, digits: 5), ReportFormat.number(t.mean, digits: 5),
                        ReportFormat.number(t.standardDeviation, digits: 4), t.count == 0 ? "empty" : (t.isConstant ? "constant" : "")]
                   }, numericColumns: [2, 3, 4, 5, 6, 7, 8])
        let missing = p.tags.filter { $0.missingShare > 0 }.sorted { $0.missingShare > $1.missingShare }
        if !missing.isEmpty {
            r.addFigure(BarChart.horizontal(labels: missing.prefix(40).map(\.name), values: missing.prefix(40).map { 100 * $0.missingShare },
                                            title: "Missing or bad share per tag", valueLabel: "% of rows"),
                        caption: "Tags with gaps, worst first.")
        }
        if !p.correlatedGroups.isEmpty {
            r.addHeading("Correlated groups")
            r.addParagraph("Tags in a group are correlated at |r| ≥ \(p.groupThreshold) pairwise: near-copies of one process quantity. Selection treats each group as one.")
            r.addTable(headers: ["group", "tags"], rows: p.correlatedGroups.enumerated().map { ["\($0.offset + 1)", $0.element.joined(separator: ", ")] })
        }
        if !p.badCells.isEmpty {
            r.addHeading("Bad cells")
            r.addTable(headers: ["line", "column", "text"], rows: p.badCells.prefix(500).map { ["\($0.line)", $0.column, $0.text] }, numericColumns: [0])
        }
        return r
    }
}
