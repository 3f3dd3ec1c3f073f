import Foundation

/// Scatter plots for judging a fitted model: predicted against actual, and residuals.
public enum ScatterChart {
    /// Parity plot: predicted (up) against actual (across) on equal axes, the y = x line, and n,
    /// RMSE and R² (computed here over the pairs where both values are finite) annotated.
    ///
    /// - Parameters:
    ///   - actual: Measured values.
    ///   - predicted: Model predictions, same order.
    ///   - title: Chart title.
    ///   - unit: Unit of the target, e.g. "%" or "kg/h"; empty for none.
    /// - Returns: An `<svg>` of kind "parity".
    public static func parity(actual: [Double], predicted: [Double], title: String, unit: String = "") -> String {
        let pairs = zip(actual, predicted).filter { $0.0.isFinite && $0.1.isFinite }
        let side = 340.0, area = PlotArea(left: 76, top: 48, width: side, height: side)
        let both = pairs.map(\.0) + pairs.map(\.1)
        let x = ChartScale.linear(covering: both, from: area.left, to: area.right)
        let y = ChartScale.linear(covering: both, from: area.bottom, to: area.top)
        var svg = SVGBuilder(kind: "parity", title: title, width: area.right + 24, height: area.bottom + 52)
        svg.axes(area, x: x, y: y, xLabel: withUnit("actual", unit), yLabel: withUnit("predicted", unit))
        svg.line(x1: x.position(x.lower), y1: y.position(y.lower), x2: x.position(x.upper), y2: y.position(y.upper),
                 stroke: ChartPalette.axis, width: 1.5, dashed: true)
        svg.text("y = x", x: area.right - 6, y: area.top + 16, anchor: "end", size: 11, fill: ChartPalette.secondaryText, halo: true)
        svg.dots(pairs.map { (x.position($0.0), y.position($0.1)) }, radius: 3, fill: ChartPalette.primary, opacity: 0.55)
        let fit = ParityStatistics(pairs: pairs)
        let suffix = unit.isEmpty ? "" : " " + unit
        let notes = ["n = \(fit.count)", "RMSE = \(ReportFormat.number(fit.rmse, digits: 3))\(suffix)",
                     "R² = \(ReportFormat.number(fit.rSquared, digits: 3))"]
        for (line, note) in notes.enumerated() {
            svg.text(note, x: area.left + 8, y: area.top + 18 + Double(line) * 16, weight: line == 0 ? nil : "600", halo: true)
        }
        return svg.rendered()
    }

    /// Residuals against predicted values, with the zero line and ±2 standard deviations of the
    /// residuals dashed; a trend or funnel shape means the model misses structure.
    ///
    /// - Parameters:
    ///   - predicted: Model predictions.
    ///   - residuals: Residuals (actual − predicted), same order.
    ///   - title: Chart title.
    ///   - unit: Unit of the target; empty for none.
    /// - Returns: An `<svg>` of kind "residuals".
    public static func residuals(predicted: [Double], residuals: [Double], title: String, unit: String = "") -> String {
        let pairs = zip(predicted, residuals).filter { $0.0.isFinite && $0.1.isFinite }
        let area = PlotArea(left: 76, top: 48, width: 500, height: 340)
        let spread = pairs.map { abs($0.1) }.max() ?? 1
        let mean = pairs.isEmpty ? 0 : pairs.map(\.1).reduce(0, +) / Double(pairs.count)
        let deviation = pairs.count < 2 ? Double.nan
            : sqrt(pairs.map { ($0.1 - mean) * ($0.1 - mean) }.reduce(0, +) / Double(pairs.count - 1))
        let x = ChartScale.linear(covering: pairs.map(\.0), from: area.left, to: area.right)
        let y = ChartScale.linear(covering: [-spread, spread, 2 * deviation, -2 * deviation], from: area.bottom, to: area.top)
        var svg = SVGBuilder(kind: "residuals", title: title, width: area.right + 24, height: area.bottom + 52)
        svg.axes(area, x: x, y: y, xLabel: withUnit("predicted", unit), yLabel: withUnit("residual (actual − predicted)", unit))
        svg.line(x1: area.left, y1: y.position(0), x2: area.right, y2: y.position(0), stroke: ChartPalette.text, width: 1.2)
        if deviation.isFinite {
            for sign in [1.0, -1.0] {
                let level = y.position(sign * 2 * deviation)
                svg.line(x1: area.left, y1: level, x2: area.right, y2: level, stroke: ChartPalette.secondary, width: 1.5, dashed: true)
                svg.text(sign > 0 ? "+2σ" : "−2σ", x: area.right - 6, y: level - 4, anchor: "end", size: 11, halo: true)
            }
        }
        svg.dots(pairs.map { (x.position($0.0), y.position($0.1)) }, radius: 3, fill: ChartPalette.primary, opacity: 0.55)
        svg.text("mean = \(ReportFormat.number(mean, digits: 3)), σ = \(ReportFormat.number(deviation, digits: 3))",
                 x: area.left + 8, y: area.top + 18, halo: true)
        return svg.rendered()
    }

    /// "name (unit)", or just the name.
    static func withUnit(_ name: String, _ unit: String) -> String { unit.isEmpty ? name : "\(name) (\(unit))" }
}

/// Goodness of fit over finite (actual, predicted) pairs.
struct ParityStatistics {
    let count: Int
    /// Root mean squared error, in the target's unit; NaN without pairs.
    let rmse: Double
    /// 1 − SS_res / SS_tot; NaN with fewer than two pairs or a constant target.
    let rSquared: Double

    init(pairs: [(Double, Double)]) {
        count = pairs.count
        guard count > 0 else { (rmse, rSquared) = (.nan, .nan); return }
        let meanActual = pairs.map(\.0).reduce(0, +) / Double(count)
        let residualSquares = pairs.map { ($0.0 - $0.1) * ($0.0 - $0.1) }.reduce(0, +)
        let totalSquares = pairs.map { ($0.0 - meanActual) * ($0.0 - meanActual) }.reduce(0, +)
        rmse = sqrt(residualSquares / Double(count))
        rSquared = count > 1 && totalSquares > 0 ? 1 - residualSquares / totalSquares : .nan
    }
}
