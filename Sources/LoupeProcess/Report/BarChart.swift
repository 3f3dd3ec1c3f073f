/// Horizontal bar charts: parameter rankings and contributions to a monitoring statistic.
public enum BarChart {
    /// Ranking bars, one row per label, drawn in the order given (sort before calling).
    ///
    /// - Parameters:
    ///   - labels: Row labels, e.g. parameter tags.
    ///   - values: Bar lengths; a non-finite value shows "–" and no bar.
    ///   - title: Chart title.
    ///   - valueLabel: Title of the value axis, e.g. "importance (ΔRMSE)".
    ///   - highlight: Rows drawn in the strong colour (e.g. the selected parameters); the others are
    ///     muted. Empty: every bar in the strong colour, no legend.
    ///   - highlightLabel: Legend text of the highlighted rows.
    ///   - groupLabels: Optional tag per row (e.g. the unit or process step), shown after the label.
    /// - Returns: An `<svg>` of kind "ranking".
    public static func horizontal(labels: [String], values: [Double], title: String, valueLabel: String,
                                  highlight: Set<Int> = [], highlightLabel: String = "selected",
                                  groupLabels: [String]? = nil) -> String {
        let rows = labels.indices.map { index in
            HorizontalBars.Row(label: labels[index], group: groupLabels.flatMap { index < $0.count ? $0[index] : nil },
                               value: index < values.count ? values[index] : .nan,
                               colour: highlight.isEmpty || highlight.contains(index) ? ChartPalette.primary : ChartPalette.muted)
        }
        let legend: [(LegendSymbol, String, String)] = highlight.isEmpty ? [] :
            [(.box, ChartPalette.primary, highlightLabel), (.box, ChartPalette.muted, "other")]
        return HorizontalBars.render(kind: "ranking", rows: rows, title: title, valueLabel: valueLabel, legend: legend)
    }

    /// Contribution bars of the `top` variables with the largest |value|, largest first.
    /// Positive contributions are orange, negative ones blue.
    ///
    /// - Parameters:
    ///   - labels: Variable tags.
    ///   - values: Contribution of each variable (e.g. to T² or SPE at one sample); non-finite skipped.
    ///   - title: Chart title, e.g. "Contributions to SPE at sample 4 512".
    ///   - top: How many variables to show.
    ///   - valueLabel: Title of the value axis.
    /// - Returns: An `<svg>` of kind "contributions".
    public static func contributions(labels: [String], values: [Double], title: String, top: Int = 10,
                                     valueLabel: String = "contribution") -> String {
        let ranked = zip(labels, values).filter { $0.1.isFinite }.sorted { abs($0.1) > abs($1.1) }.prefix(max(top, 0))
        let rows = ranked.map { label, value in
            HorizontalBars.Row(label: label, group: nil, value: value,
                               colour: value >= 0 ? ChartPalette.secondary : ChartPalette.primary)
        }
        let legend: [(LegendSymbol, String, String)] = rows.contains { $0.value < 0 }
            ? [(.box, ChartPalette.secondary, "positive"), (.box, ChartPalette.primary, "negative")] : []
        return HorizontalBars.render(kind: "contributions", rows: rows, title: title, valueLabel: valueLabel, legend: legend)
    }
}

/// The drawing shared by the horizontal bar charts: a label column, bars from zero, the value at
/// each bar's end, and a value axis below.
enum HorizontalBars {
    struct Row {
        var label: String
        var group: String?
        var value: Double
        var colour: String
    }

    static let width = 1000.0, rowHeight = 22.0, maxLabelCharacters = 44

    static func render(kind: String, rows: [Row], title: String, valueLabel: String,
                       legend: [(LegendSymbol, String, String)]) -> String {
        let labels = rows.map(displayLabel)
        let labelWidth = min(max(labels.map { SVGBuilder.estimatedWidth($0, size: 12) }.max() ?? 0, 60), 360)
        let values = rows.map(\.value)
        let hasNegative = values.contains { $0 < 0 }
        let area = PlotArea(left: labelWidth + 24 + (hasNegative ? 56 : 0), top: 44,
                            width: width - labelWidth - 24 - (hasNegative ? 56 : 0) - 70, height: rowHeight * Double(max(rows.count, 1)))
        let scale = ChartScale.linear(covering: values + [0], from: area.left, to: area.right)
        var svg = SVGBuilder(kind: kind, title: title, width: width, height: area.bottom + 48)
        if !legend.isEmpty { svg.legend(legend.map { ($0.0, $0.1, $0.2) }, right: width - 12, y: 22) }
        svg.axes(area, x: scale, y: nil, xLabel: valueLabel, yLabel: "")
        let zero = scale.position(0), c = ReportFormat.coordinate
        for (index, row) in rows.enumerated() {
            let top = area.top + Double(index) * rowHeight, middle = top + rowHeight / 2
            var label = "<text x=\"\(c(labelWidth + 16))\" y=\"\(c(middle + 4))\" text-anchor=\"end\">"
            label += ReportFormat.escape(String(row.label.prefix(maxLabelCharacters)) + (row.label.count > maxLabelCharacters ? "…" : ""))
            if let group = row.group, !group.isEmpty {
                label += "<tspan fill=\"\(ChartPalette.secondaryText)\" font-size=\"11\"> [\(ReportFormat.escape(group))]</tspan>"
            }
            svg.append(label + "<title>\(ReportFormat.escape(row.label))</title></text>\n")
            guard row.value.isFinite else {
                svg.text("–", x: zero + 4, y: middle + 4, fill: ChartPalette.secondaryText)
                continue
            }
            let end = scale.position(row.value)
            svg.append("<rect x=\"\(c(min(zero, end)))\" y=\"\(c(top + 3))\" width=\"\(c(max(abs(end - zero), 0.5)))\" "
                + "height=\"\(c(rowHeight - 6))\" fill=\"\(row.colour)\"><title>\(ReportFormat.escape(row.label)): "
                + "\(ReportFormat.number(row.value, digits: 4))</title></rect>\n")
            let valueText = ReportFormat.number(row.value, digits: 3)
            svg.text(valueText, x: row.value < 0 ? end - 4 : end + 4, y: middle + 4,
                     anchor: row.value < 0 ? "end" : "start", size: 11, fill: ChartPalette.secondaryText)
        }
        if hasNegative { svg.line(x1: zero, y1: area.top, x2: zero, y2: area.bottom, stroke: ChartPalette.axis) }
        return svg.rendered()
    }

    /// Label plus group tag as displayed, for sizing the label column.
    private static func displayLabel(_ row: Row) -> String {
        let label = row.label.count > maxLabelCharacters ? String(row.label.prefix(maxLabelCharacters)) + "…" : row.label
        guard let group = row.group, !group.isEmpty else { return label }
        return label + " [\(group)]"
    }
}
