/// The report's inline SVG charts: the ROC curve and the score histograms. Plain SVG, no script.
enum ReportCharts {
    /// ROC curve with the diagonal, the operating point at the evaluation's threshold (red dot) and
    /// the calibrated thresholds (blue diamonds). Axes are in QC words: overkill across, defects caught up.
    static func roc(_ evaluation: Evaluation, calibrations: [ThresholdCalibration]) -> String {
        let plot = 300.0, left = 52.0, top = 14.0, width = left + plot + 20, height = top + plot + 44
        func x(_ rate: Double) -> Double { left + rate * plot }
        func y(_ rate: Double) -> Double { top + (1 - rate) * plot }
        let c = HTMLText.coordinate
        var svg = "<svg id=\"roc-chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"ROC curve\">\n"
        for step in 0...5 {
            let rate = Double(step) / 5
            svg += "<line x1=\"\(c(x(rate)))\" y1=\"\(c(y(0)))\" x2=\"\(c(x(rate)))\" y2=\"\(c(y(1)))\" stroke=\"#eaeef2\"/>"
            svg += "<line x1=\"\(c(x(0)))\" y1=\"\(c(y(rate)))\" x2=\"\(c(x(1)))\" y2=\"\(c(y(rate)))\" stroke=\"#eaeef2\"/>"
            svg += "<text x=\"\(c(x(rate)))\" y=\"\(c(y(0) + 14))\" text-anchor=\"middle\">\(Int(rate * 100))%</text>"
            svg += "<text x=\"\(c(x(0) - 4))\" y=\"\(c(y(rate) + 4))\" text-anchor=\"end\">\(Int(rate * 100))%</text>\n"
        }
        svg += "<rect x=\"\(c(x(0)))\" y=\"\(c(y(1)))\" width=\"\(c(plot))\" height=\"\(c(plot))\" fill=\"none\" stroke=\"#8c959f\"/>\n"
        svg += "<line x1=\"\(c(x(0)))\" y1=\"\(c(y(0)))\" x2=\"\(c(x(1)))\" y2=\"\(c(y(1)))\" stroke=\"#8c959f\" stroke-dasharray=\"4 4\"/>\n"
        svg += "<text x=\"\(c(x(0.5)))\" y=\"\(c(height - 10))\" text-anchor=\"middle\">overkill (good parts rejected)</text>\n"
        svg += "<text transform=\"translate(12 \(c(y(0.5)))) rotate(-90)\" text-anchor=\"middle\">defects caught (1 − escape rate)</text>\n"
        let points = evaluation.roc.points.map { "\(c(x($0.falsePositiveRate))),\(c(y($0.truePositiveRate)))" }
        svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\"/>\n"
        for calibration in calibrations {
            let px = x(calibration.overkill), py = y(1 - calibration.escapeRate)
            svg += "<path d=\"M\(c(px)) \(c(py - 5)) L\(c(px + 5)) \(c(py)) L\(c(px)) \(c(py + 5)) L\(c(px - 5)) \(c(py)) Z\" fill=\"#0550ae\">"
            svg += "<title>escape ≤ \(HTMLText.percent(calibration.targetEscapeRate, digits: 1)): threshold \(HTMLText.threshold(calibration.threshold)), overkill \(HTMLText.percent(calibration.overkill))</title></path>\n"
        }
        if let overkill = evaluation.binary.overkill, let caught = evaluation.binary.recall {
            let px = x(overkill), py = y(caught)
            svg += "<circle id=\"operating-point\" cx=\"\(c(px))\" cy=\"\(c(py))\" r=\"6\" fill=\"#cf222e\" stroke=\"#fff\" stroke-width=\"1.5\">"
            svg += "<title>threshold \(HTMLText.threshold(evaluation.threshold)): overkill \(HTMLText.percent(overkill)), escape \(HTMLText.percent(1 - caught))</title></circle>\n"
            let anchor = overkill > 0.6 ? "end" : "start", dx = overkill > 0.6 ? -10.0 : 10.0
            svg += "<text x=\"\(c(px + dx))\" y=\"\(c(min(py + 16, y(0) - 4)))\" text-anchor=\"\(anchor)\" fill=\"#cf222e\">threshold \(HTMLText.threshold(evaluation.threshold))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Histogram of the defect score of the parts of one true class, 20 bins over [0, 1],
    /// with the threshold as a dashed line. Red bars for defect classes, green for good ones.
    static func scoreHistogram(scores: [Float], className: String, isDefectClass: Bool, threshold: Float, id: String) -> String {
        let bins = 20, width = 360.0, height = 150.0, left = 36.0, top = 22.0, bottom = 24.0
        let plotWidth = width - left - 10, plotHeight = height - top - bottom
        var counts = [Int](repeating: 0, count: bins)
        for score in scores { counts[min(max(Int(score * Float(bins)), 0), bins - 1)] += 1 }
        let highest = max(counts.max() ?? 0, 1)
        let c = HTMLText.coordinate
        let color = isDefectClass ? "#cf222e" : "#1a7f37"
        var svg = "<svg id=\"\(id)\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"score histogram\">\n"
        svg += "<text x=\"\(c(left))\" y=\"14\">true class <tspan font-weight=\"600\">\(HTMLText.escape(className))</tspan> (\(scores.count) parts)</text>\n"
        let barWidth = plotWidth / Double(bins)
        for (bin, count) in counts.enumerated() where count > 0 {
            let barHeight = plotHeight * Double(count) / Double(highest)
            svg += "<rect x=\"\(c(left + Double(bin) * barWidth + 0.5))\" y=\"\(c(top + plotHeight - barHeight))\" width=\"\(c(barWidth - 1))\" "
            svg += "height=\"\(c(barHeight))\" fill=\"\(color)\" fill-opacity=\"0.75\"><title>scores \(HTMLText.decimal(Double(bin) / Double(bins), digits: 2))–"
            svg += "\(HTMLText.decimal(Double(bin + 1) / Double(bins), digits: 2)): \(count) parts</title></rect>\n"
        }
        svg += "<line x1=\"\(c(left))\" y1=\"\(c(top + plotHeight))\" x2=\"\(c(left + plotWidth))\" y2=\"\(c(top + plotHeight))\" stroke=\"#8c959f\"/>\n"
        for tick in [0.0, 0.5, 1.0] {
            svg += "<text x=\"\(c(left + tick * plotWidth))\" y=\"\(c(height - 8))\" text-anchor=\"middle\">\(tick == 0.5 ? "0.5" : "\(Int(tick))")</text>"
        }
        svg += "<text x=\"\(c(left - 4))\" y=\"\(c(top + 8))\" text-anchor=\"end\">\(highest)</text>"
        svg += "<text x=\"\(c(left - 4))\" y=\"\(c(top + plotHeight))\" text-anchor=\"end\">0</text>\n"
        let tx = left + Double(threshold) * plotWidth
        svg += "<line x1=\"\(c(tx))\" y1=\"\(c(top - 4))\" x2=\"\(c(tx))\" y2=\"\(c(top + plotHeight))\" stroke=\"#1f2328\" stroke-dasharray=\"3 3\">"
        svg += "<title>threshold \(HTMLText.threshold(threshold))</title></line>\n"
        return svg + "</svg>\n"
    }
}
