/// The rectangle that holds the data, in SVG coordinates.
struct PlotArea {
    var left: Double
    var top: Double
    var width: Double
    var height: Double
    var right: Double { left + width }
    var bottom: Double { top + height }
}

/// How a legend entry is drawn.
enum LegendSymbol {
    case line(dashed: Bool)
    case dot
    case box
}

/// Accumulates one chart's SVG. The root carries `data-kind` (the chart kind, which `HTMLReport`
/// puts on the `<figure>`) and `data-width` (the natural width, used to lay figures out), and scales
/// to its container's width.
struct SVGBuilder {
    let kind: String
    let title: String
    let width: Double
    let height: Double
    private var content = ""

    /// Starts a chart with its `title` drawn top left.
    init(kind: String, title: String, width: Double, height: Double) {
        (self.kind, self.title, self.width, self.height) = (kind, title, width, height)
        text(title, x: 12, y: 22, size: 15, weight: "600")
    }

    mutating func append(_ fragment: String) { content += fragment }

    /// Escaped text. `halo` paints a white outline behind it so it stays readable over lines.
    mutating func text(_ text: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
                       weight: String? = nil, fill: String = ChartPalette.text, rotated: Bool = false,
                       halo: Bool = false, tooltip: String? = nil) {
        let c = ReportFormat.coordinate
        var element = "<text x=\"\(c(x))\" y=\"\(c(y))\""
        if rotated { element = "<text transform=\"translate(\(c(x)) \(c(y))) rotate(-90)\"" }
        if anchor != "start" { element += " text-anchor=\"\(anchor)\"" }
        if size != 12 { element += " font-size=\"\(c(size))\"" }
        if let weight { element += " font-weight=\"\(weight)\"" }
        if fill != ChartPalette.text { element += " fill=\"\(fill)\"" }
        if halo { element += " stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"" }
        element += ">" + ReportFormat.escape(text)
        if let tooltip { element += "<title>\(ReportFormat.escape(tooltip))</title>" }
        content += element + "</text>\n"
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
                       width: Double = 1, dashed: Bool = false) {
        let c = ReportFormat.coordinate
        content += "<line x1=\"\(c(x1))\" y1=\"\(c(y1))\" x2=\"\(c(x2))\" y2=\"\(c(y2))\" stroke=\"\(stroke)\""
            + (width != 1 ? " stroke-width=\"\(c(width))\"" : "") + (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
    }

    /// One path through `points`; a nil entry lifts the pen, so gaps in the data stay gaps.
    mutating func polyline(_ points: [(x: Double, y: Double)?], stroke: String, width: Double = 1.5) {
        let c = ReportFormat.coordinate
        var path = "", penDown = false
        path.reserveCapacity(points.count * 14)
        for point in points {
            guard let point else { penDown = false; continue }
            path += (penDown ? "L" : "M") + c(point.x) + " " + c(point.y)
            penDown = true
        }
        guard !path.isEmpty else { return }
        content += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(c(width))\" stroke-linejoin=\"round\"/>\n"
    }

    /// Markers at `points`: circles while there are few (overlaps darken, showing density); one
    /// path of round-capped zero-length strokes when there are many, which is a third of the size.
    mutating func dots(_ points: [(x: Double, y: Double)], radius: Double, fill: String, opacity: Double = 1) {
        guard !points.isEmpty else { return }
        let c = ReportFormat.coordinate
        let alpha = opacity < 1 ? " fill-opacity=\"\(c(opacity))\"" : ""
        if points.count <= 2_000 {
            content += "<g fill=\"\(fill)\"\(alpha)>"
            for point in points { content += "<circle cx=\"\(c(point.x))\" cy=\"\(c(point.y))\" r=\"\(c(radius))\"/>" }
            content += "</g>\n"
        } else {
            var path = ""
            path.reserveCapacity(points.count * 16)
            for point in points { path += "M" + c(point.x) + " " + c(point.y) + "h0" }
            content += "<path d=\"\(path)\" stroke=\"\(fill)\" stroke-width=\"\(c(2 * radius))\" stroke-linecap=\"round\""
                + (opacity < 1 ? " stroke-opacity=\"\(c(opacity))\"" : "") + "/>\n"
        }
    }

    /// Grid, tick labels, axis titles and frame around `area`. Either scale may be nil (no axis).
    mutating func axes(_ area: PlotArea, x: ChartScale?, y: ChartScale?, xLabel: String, yLabel: String, tickSize: Double = 11) {
        if let x {
            for tick in x.ticks {
                let px = x.position(tick)
                line(x1: px, y1: area.top, x2: px, y2: area.bottom, stroke: ChartPalette.grid)
                text(x.tickLabel(tick), x: px, y: area.bottom + tickSize + 4, anchor: "middle", size: tickSize, fill: ChartPalette.secondaryText)
            }
            text(xLabel, x: area.left + area.width / 2, y: area.bottom + 2 * tickSize + 12, anchor: "middle")
        }
        if let y {
            var widest = 0.0
            for tick in y.ticks {
                let py = y.position(tick), label = y.tickLabel(tick)
                widest = max(widest, SVGBuilder.estimatedWidth(label, size: tickSize))
                line(x1: area.left, y1: py, x2: area.right, y2: py, stroke: ChartPalette.grid)
                text(label, x: area.left - 5, y: py + tickSize * 0.35, anchor: "end", size: tickSize, fill: ChartPalette.secondaryText)
            }
            if !yLabel.isEmpty {
                text(yLabel, x: max(area.left - widest - 12, 12), y: area.top + area.height / 2, anchor: "middle", rotated: true)
            }
        }
        let c = ReportFormat.coordinate
        content += "<rect x=\"\(c(area.left))\" y=\"\(c(area.top))\" width=\"\(c(area.width))\" height=\"\(c(area.height))\" fill=\"none\" stroke=\"\(ChartPalette.axis)\"/>\n"
    }

    /// A one-row legend whose right end is at `right`, baseline `y`.
    mutating func legend(_ entries: [(symbol: LegendSymbol, colour: String, label: String)], right: Double, y: Double) {
        let widths = entries.map { 26 + SVGBuilder.estimatedWidth($0.label, size: 12) + 14 }
        var x = right - widths.reduce(0, +)
        for (entry, entryWidth) in zip(entries, widths) {
            switch entry.symbol {
            case .line(let dashed): line(x1: x, y1: y - 4, x2: x + 20, y2: y - 4, stroke: entry.colour, width: 2, dashed: dashed)
            case .dot: dots([(x + 10, y - 4)], radius: 4, fill: entry.colour)
            case .box:
                let c = ReportFormat.coordinate
                content += "<rect x=\"\(c(x + 3))\" y=\"\(c(y - 11))\" width=\"14\" height=\"12\" fill=\"\(entry.colour)\"/>\n"
            }
            text(entry.label, x: x + 26, y: y)
            x += entryWidth
        }
    }

    /// The finished `<svg>` element.
    func rendered() -> String {
        let w = Int(width.rounded()), h = Int(height.rounded())
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\" width=\"100%\" "
            + "style=\"max-width:\(w)px;height:auto\" role=\"img\" aria-label=\"\(ReportFormat.escape(title))\" "
            + "data-kind=\"\(kind)\" data-width=\"\(w)\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" "
            + "font-size=\"12\" fill=\"\(ChartPalette.text)\">\n<title>\(ReportFormat.escape(title))</title>\n"
            + "<rect width=\"\(w)\" height=\"\(h)\" fill=\"#fff\"/>\n" + content + "</svg>\n"
    }

    /// Rough rendered width of `text` in a sans-serif font of `size` (no font metrics server-side).
    static func estimatedWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.57 }
}
