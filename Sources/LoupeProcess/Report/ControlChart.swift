extension LineChart {
    /// Points drawn per series at most (alarm points are always all drawn).
    static let maxDrawnPoints = 2_000

    /// A monitoring statistic over time with its control limits: the series in blue, alarm points
    /// in vermillion, dashed labelled UCL/LCL, a green labelled centre line, and optional vertical
    /// markers (e.g. where a fault starts). Long series are thinned for drawing to at most 2 000
    /// points (each bucket's min and max kept), so 10 000+ samples stay small and fast.
    ///
    /// - Parameters:
    ///   - values: The statistic per sample (x is the sample index); non-finite values leave a gap.
    ///   - centre: Centre line, or nil.
    ///   - upper: Upper control limit, or nil.
    ///   - lower: Lower control limit, or nil.
    ///   - title: Chart title.
    ///   - yLabel: The statistic, e.g. "T²" or "SPE".
    ///   - xLabel: The x axis title.
    ///   - alarms: Indices of samples in alarm.
    ///   - marks: Vertical marker lines at sample indices, with their labels.
    ///   - logScale: Log10 y axis, for T² and SPE which span decades; values ≤ 0 are then skipped.
    /// - Returns: An `<svg>` of kind "control".
    public static func controlChart(values: [Double], centre: Double? = nil, upper: Double? = nil, lower: Double? = nil,
                                    title: String, yLabel: String, xLabel: String = "sample",
                                    alarms: Set<Int> = [], marks: [(index: Int, label: String)] = [],
                                    logScale: Bool = false) -> String {
        let area = PlotArea(left: 76, top: 44, width: width - 76 - 20, height: 300)
        let limits = [centre, upper, lower].compactMap { $0 }
        let y = logScale ? ChartScale.logarithmic(covering: values + limits, from: area.bottom, to: area.top)
                         : ChartScale.linear(covering: values + limits, from: area.bottom, to: area.top)
        let x = ChartScale.linear(covering: [0, Double(max(values.count - 1, 1))], from: area.left, to: area.right,
                                  tickCount: 10, roundOutward: false, minimumStep: 1)
        var svg = SVGBuilder(kind: "control", title: title, width: width, height: area.bottom + 52)
        svg.axes(area, x: x, y: y, xLabel: xLabel, yLabel: yLabel + (logScale ? " (log scale)" : ""))

        let alarmPoints = alarms.sorted().filter { $0 >= 0 && $0 < values.count && y.canShow(values[$0]) }
        var legend: [(symbol: LegendSymbol, colour: String, label: String)] = [(.line(dashed: false), ChartPalette.primary, yLabel)]
        if !alarms.isEmpty { legend.append((.dot, ChartPalette.alarm, "alarm (\(alarmPoints.count) of \(values.count))")) }
        svg.legend(legend, right: width - 20, y: 22)

        let drawn = SeriesDownsampler.indices(values, maxPoints: maxDrawnPoints, isDrawable: y.canShow)
        svg.polyline(drawn.map { $0.map { (x.position(Double($0)), y.position(values[$0])) } }, stroke: ChartPalette.primary, width: 1.2)
        if values.count <= 200 {
            let normal = drawn.compactMap { $0 }.filter { !alarms.contains($0) }
            svg.dots(normal.map { (x.position(Double($0)), y.position(values[$0])) }, radius: 2.5, fill: ChartPalette.primary)
        }
        drawLimits(centre: centre, upper: upper, lower: lower, area: area, y: y, svg: &svg)
        svg.dots(alarmPoints.map { (x.position(Double($0)), y.position(values[$0])) }, radius: alarmPoints.count > 500 ? 2 : 3,
                 fill: ChartPalette.alarm)
        for (order, mark) in marks.enumerated() where mark.index >= 0 && mark.index < max(values.count, 1) {
            let px = x.position(Double(mark.index))
            svg.line(x1: px, y1: area.top, x2: px, y2: area.bottom, stroke: ChartPalette.text, width: 1.2, dashed: true)
            let nearRightEdge = px > area.right - 120
            svg.text(mark.label, x: nearRightEdge ? px - 4 : px + 4, y: area.top + 14 + Double(order % 2) * 15,
                     anchor: nearRightEdge ? "end" : "start", size: 11, weight: "600", halo: true)
        }
        return svg.rendered()
    }

    /// Horizontal limit lines, each labelled with its name and value at the right end.
    private static func drawLimits(centre: Double?, upper: Double?, lower: Double?, area: PlotArea,
                                   y: ChartScale, svg: inout SVGBuilder) {
        let lines: [(name: String, value: Double?, colour: String, dashed: Bool, above: Bool)] = [
            ("UCL", upper, ChartPalette.alarm, true, true),
            ("CL", centre, ChartPalette.centre, false, true),
            ("LCL", lower, ChartPalette.alarm, true, false),
        ]
        for limit in lines {
            guard let value = limit.value, y.canShow(value) else { continue }
            let py = y.position(value)
            svg.line(x1: area.left, y1: py, x2: area.right, y2: py, stroke: limit.colour, width: 1.5, dashed: limit.dashed)
            svg.text("\(limit.name) \(ReportFormat.number(value, digits: 3))", x: area.right - 6,
                     y: limit.above ? py - 5 : py + 14, anchor: "end", size: 11, weight: "600", fill: limit.colour, halo: true)
        }
    }
}
