/// Line charts: effect curves (small multiples) and control charts (``controlChart(values:centre:upper:lower:title:yLabel:xLabel:alarms:marks:logScale:)``).
public enum LineChart {
    static let width = 1000.0

    /// Small multiples, one panel per variable: the curve, its band if given (light blue), and a
    /// histogram strip of the observed values under the x axis, so extrapolated stretches show.
    ///
    /// - Parameters:
    ///   - curves: One curve per variable, in display order.
    ///   - title: Chart title.
    ///   - yLabel: What the curves show, e.g. "predicted yield (%)".
    ///   - columns: Panels per row.
    ///   - sharedYAxis: One y range for all panels, so effect sizes compare at a glance.
    /// - Returns: An `<svg>` of kind "effects".
    public static func effectCurves(_ curves: [EffectCurve], title: String, yLabel: String,
                                    columns: Int = 3, sharedYAxis: Bool = true) -> String {
        let columns = max(1, min(columns, max(curves.count, 1)))
        let panelWidth = (width - 16) / Double(columns), panelHeight = 250.0, top = 36.0
        let rows = (curves.count + columns - 1) / columns
        var svg = SVGBuilder(kind: "effects", title: title, width: width, height: top + Double(max(rows, 1)) * panelHeight)
        let sharedRange = curves.flatMap { $0.y + ($0.lower ?? []) + ($0.upper ?? []) }
        for (index, curve) in curves.enumerated() {
            let left = 8 + Double(index % columns) * panelWidth, panelTop = top + Double(index / columns) * panelHeight
            let plotLeft = left + (index % columns == 0 ? 70 : 52)
            let plot = PlotArea(left: plotLeft, top: panelTop + 30, width: left + panelWidth - plotLeft - 14, height: 150)
            drawEffectPanel(curve, in: plot, svg: &svg, yValues: sharedYAxis ? sharedRange : nil,
                            yLabel: index % columns == 0 ? yLabel : "")
        }
        return svg.rendered()
    }

    private static func drawEffectPanel(_ curve: EffectCurve, in area: PlotArea, svg: inout SVGBuilder,
                                        yValues: [Double]?, yLabel: String) {
        let count = min(curve.x.count, curve.y.count)
        let x = ChartScale.linear(covering: Array(curve.x.prefix(count)), from: area.left, to: area.right,
                                  tickCount: 4, roundOutward: false)
        let y = ChartScale.linear(covering: yValues ?? (curve.y + (curve.lower ?? []) + (curve.upper ?? [])),
                                  from: area.bottom, to: area.top, tickCount: 4)
        svg.text(ScatterChart.withUnit(curve.variable, curve.unit), x: area.left, y: area.top - 10, weight: "600")
        // The histogram strip sits between the plot and the tick labels, so the axes go lower.
        let strip = 18.0
        let framed = PlotArea(left: area.left, top: area.top, width: area.width, height: area.height + strip)
        svg.axes(framed, x: x, y: nil, xLabel: "", yLabel: "", tickSize: 10)
        svg.axes(area, x: nil, y: y, xLabel: "", yLabel: yLabel, tickSize: 10)
        svg.line(x1: area.left, y1: area.bottom, x2: area.right, y2: area.bottom, stroke: ChartPalette.axis)
        drawHistogramStrip(curve.observed, x: x, top: area.bottom + 2, height: strip - 3, svg: &svg)

        if let lower = curve.lower, let upper = curve.upper {
            let band = (0..<min(count, lower.count, upper.count)).filter {
                curve.x[$0].isFinite && lower[$0].isFinite && upper[$0].isFinite
            }
            if band.count > 1 {
                let c = ReportFormat.coordinate
                let outline = band.map { "\(c(x.position(curve.x[$0]))),\(c(y.position(upper[$0])))" }
                    + band.reversed().map { "\(c(x.position(curve.x[$0]))),\(c(y.position(lower[$0])))" }
                svg.append("<polygon points=\"\(outline.joined(separator: " "))\" fill=\"\(ChartPalette.band)\" fill-opacity=\"0.3\" stroke=\"none\"/>\n")
            }
        }
        let points: [(x: Double, y: Double)?] = (0..<count).map { index in
            curve.x[index].isFinite && curve.y[index].isFinite ? (x.position(curve.x[index]), y.position(curve.y[index])) : nil
        }
        svg.polyline(points, stroke: ChartPalette.primary, width: 2)
    }

    /// Counts of `observed` in 24 bins across the x range, as grey bars growing up from the bottom of the strip.
    private static func drawHistogramStrip(_ observed: [Double], x: ChartScale, top: Double, height: Double, svg: inout SVGBuilder) {
        let bins = 24
        var counts = [Int](repeating: 0, count: bins)
        for value in observed where value.isFinite && value >= x.lower && value <= x.upper {
            counts[min(Int((value - x.lower) / (x.upper - x.lower) * Double(bins)), bins - 1)] += 1
        }
        guard let highest = counts.max(), highest > 0 else { return }
        let c = ReportFormat.coordinate, binWidth = (x.end - x.start) / Double(bins)
        var bars = ""
        for (bin, count) in counts.enumerated() where count > 0 {
            let barHeight = max(height * Double(count) / Double(highest), 1)
            bars += "<rect x=\"\(c(x.start + Double(bin) * binWidth + 0.5))\" y=\"\(c(top + height - barHeight))\" "
                + "width=\"\(c(binWidth - 1))\" height=\"\(c(barHeight))\"/>"
        }
        svg.append("<g fill=\"\(ChartPalette.histogram)\"><title>observed values (\(observed.count))</title>\(bars)</g>\n")
    }
}
