import Foundation

/// Builds one self-contained HTML page (inline CSS and SVG, no script, no outside assets) from
/// headings, text, tables, alerts and charts, in the order they are added.
///
/// Each chart is wrapped in `<figure class="chart" data-chart="<kind>">` with a `<figcaption>`;
/// the kind is read from the chart's `data-kind` ("ranking", "contributions", "parity",
/// "residuals", "effects", "control"). Consecutive figures share a row when they fit.
public struct HTMLReport: Sendable {
    /// How prominent an alert box is.
    public enum AlertLevel: String, Sendable {
        case info, warning, error
    }

    private enum Block: Sendable {
        case heading(String)
        case markup(String)
        case figure(svg: String, caption: String, kind: String, width: Int)
    }

    public let title: String
    public let subtitle: String?
    private var blocks: [Block] = []

    /// - Parameters:
    ///   - title: Page title and top heading.
    ///   - subtitle: One line under the title (data set, model, date), or nil.
    public init(title: String, subtitle: String? = nil) {
        (self.title, self.subtitle) = (title, subtitle)
    }

    /// A section heading; with three or more, the page starts with a list of links to them.
    public mutating func addHeading(_ text: String) { blocks.append(.heading(text)) }

    /// A paragraph of plain text (escaped; line breaks kept).
    public mutating func addParagraph(_ text: String) {
        blocks.append(.markup("<p>\(ReportFormat.escape(text).replacingOccurrences(of: "\n", with: "<br>"))</p>\n"))
    }

    /// A two-column summary table, key then value.
    public mutating func addKeyValues(_ pairs: [(String, String)]) {
        let rows = pairs.map { "<tr><th>\(ReportFormat.escape($0.0))</th><td>\(ReportFormat.escape($0.1))</td></tr>" }
        blocks.append(.markup("<table class=\"kv\">\n\(rows.joined(separator: "\n"))\n</table>\n"))
    }

    /// A data table. Cells of `numericColumns` (0-based) are right-aligned in tabular figures.
    public mutating func addTable(headers: [String], rows: [[String]], numericColumns: Set<Int> = []) {
        func cell(_ tag: String, _ text: String, _ column: Int) -> String {
            numericColumns.contains(column) ? "<\(tag) class=\"num\">\(ReportFormat.escape(text))</\(tag)>"
                : "<\(tag)>\(ReportFormat.escape(text))</\(tag)>"
        }
        var html = "<div class=\"table-wrap\"><table class=\"data\">\n<thead><tr>"
        html += headers.enumerated().map { cell("th", $0.element, $0.offset) }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows { html += "<tr>" + row.enumerated().map { cell("td", $0.element, $0.offset) }.joined() + "</tr>\n" }
        blocks.append(.markup(html + "</tbody>\n</table></div>\n"))
    }

    /// A chart from ``BarChart``, ``ScatterChart`` or ``LineChart`` (trusted SVG, inserted as is)
    /// with its caption (escaped).
    public mutating func addFigure(_ svg: String, caption: String) {
        let kind = HTMLReport.rootAttribute("data-kind", in: svg) ?? "custom"
        let width = HTMLReport.rootAttribute("data-width", in: svg).flatMap { Int($0) } ?? 1000
        blocks.append(.figure(svg: svg, caption: caption, kind: kind, width: width))
    }

    /// A coloured box that stands out from the text, e.g. "No alarm threshold was given".
    public mutating func addAlert(_ text: String, level: AlertLevel = .info) {
        let prefix = ["info": "Note", "warning": "Warning", "error": "Error"][level.rawValue] ?? ""
        blocks.append(.markup("<div class=\"alert \(level.rawValue)\" role=\"note\"><strong>\(prefix):</strong> "
            + "\(ReportFormat.escape(text))</div>\n"))
    }

    /// The whole page.
    public func render() -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(ReportFormat.escape(title))</title>
        <style>\n\(ReportStylesheet.css)</style></head>
        <body>
        <header><h1>\(ReportFormat.escape(title))</h1>\n
        """
        if let subtitle { html += "<p class=\"subtitle\">\(ReportFormat.escape(subtitle))</p>\n" }
        html += "</header>\n" + tableOfContents()
        var sectionNumber = 0, inFigureRow = false
        for block in blocks {
            if case .figure = block {
                if !inFigureRow { html += "<div class=\"figures\">\n"; inFigureRow = true }
            } else if inFigureRow {
                html += "</div>\n"; inFigureRow = false
            }
            switch block {
            case .heading(let text):
                sectionNumber += 1
                html += "<h2 id=\"section-\(sectionNumber)\">\(ReportFormat.escape(text))</h2>\n"
            case .markup(let markup):
                html += markup
            case .figure(let svg, let caption, let kind, let width):
                html += "<figure class=\"chart\" data-chart=\"\(ReportFormat.escape(kind))\" style=\"flex-basis:\(width)px;max-width:\(width)px\">\n"
                html += svg + "<figcaption>\(ReportFormat.escape(caption))</figcaption>\n</figure>\n"
            }
        }
        if inFigureRow { html += "</div>\n" }
        return html + "<footer>Generated by Loupe. Self-contained: charts are inline SVG; prints as shown.</footer>\n"
            + Self.selfCheck + "</body></html>\n"
    }

    /// Writes ``render()`` as UTF-8 to `path`, replacing the file atomically.
    /// After layout, the page records on `<body>` how many charts it has and how many the browser
    /// actually drew (an SVG with a non-empty box and marks in it), so a test in a real browser can
    /// read it back from the DOM.
    static let selfCheck = """
    <script>
    window.addEventListener('load', function () {
      var figures = document.querySelectorAll('figure.chart');
      var drawn = 0, kinds = {};
      figures.forEach(function (f) {
        var svg = f.querySelector('svg');
        if (svg) { var b = svg.getBoundingClientRect(); if (b.width > 50 && b.height > 50 && svg.querySelectorAll('path,circle,rect,line,polyline').length > 3) drawn++; }
        var k = f.getAttribute('data-chart'); kinds[k] = (kinds[k] || 0) + 1;
      });
      document.body.setAttribute('data-figures', figures.length);
      document.body.setAttribute('data-figures-drawn', drawn);
      document.body.setAttribute('data-chart-kinds', Object.keys(kinds).sort().map(function (k) { return k + ':' + kinds[k]; }).join(','));
    });
    </script>

    """

    public func write(to path: String) throws {
        try OutputFile.write(Data(render().utf8), to: path)
    }

    /// Links to the sections, when there are enough of them to need it.
    private func tableOfContents() -> String {
        let headings = blocks.compactMap { block -> String? in
            if case .heading(let text) = block { return text } else { return nil }
        }
        guard headings.count >= 3 else { return "" }
        let links = headings.enumerated().map { "<li><a href=\"#section-\($0.offset + 1)\">\(ReportFormat.escape($0.element))</a></li>" }
        return "<nav><ol>\(links.joined())</ol></nav>\n"
    }

    /// Value of `name="…"` in the opening `<svg …>` tag of `svg`.
    private static func rootAttribute(_ name: String, in svg: String) -> String? {
        guard let tagEnd = svg.firstIndex(of: ">"),
              let start = svg[..<tagEnd].range(of: " \(name)=\"") else { return nil }
        guard let end = svg[start.upperBound..<tagEnd].firstIndex(of: "\"") else { return nil }
        return String(svg[start.upperBound..<end])
    }
}
