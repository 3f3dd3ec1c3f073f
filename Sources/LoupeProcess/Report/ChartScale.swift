import Foundation

/// Maps data values to SVG coordinates along one axis, linearly or on log10, and knows the axis's
/// "nice" tick values (1, 2 or 5 times a power of ten) and how to label them.
struct ChartScale {
    /// Lowest and highest data value on the axis (both > 0 when logarithmic).
    let lower: Double
    let upper: Double
    /// SVG coordinates of `lower` and `upper` (for a y axis `start` is the bottom edge).
    let start: Double
    let end: Double
    let isLogarithmic: Bool
    let ticks: [Double]
    /// Spacing of linear ticks, used to choose their decimals.
    private let step: Double

    /// SVG coordinate of `value`.
    func position(_ value: Double) -> Double {
        let fraction = isLogarithmic
            ? (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
            : (value - lower) / (upper - lower)
        return start + fraction * (end - start)
    }

    /// Whether `value` can be drawn on this scale (finite, and positive on a log scale).
    func canShow(_ value: Double) -> Bool { value.isFinite && (!isLogarithmic || value > 0) }

    func tickLabel(_ value: Double) -> String {
        isLogarithmic ? ReportFormat.logTick(value) : ReportFormat.tick(value, step: step)
    }

    /// A linear scale covering `values` (non-finite ones ignored) with about `tickCount` ticks.
    /// - Parameters:
    ///   - roundOutward: Widen the range to the enclosing ticks (off for sample-index axes, which
    ///     should end at the last sample, and for effect curves, which end where the data ends).
    ///   - minimumStep: Smallest tick spacing, e.g. 1 for sample indices.
    static func linear(covering values: [Double], from start: Double, to end: Double, tickCount: Int = 6,
                       roundOutward: Bool = true, minimumStep: Double = 0) -> ChartScale {
        var (low, high) = finiteRange(values) ?? (0, 1)
        if high - low < 1e-12 * max(abs(low), abs(high), 1e-300) {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        let step = max(niceStep((high - low) / Double(max(tickCount, 2))), minimumStep)
        if roundOutward { (low, high) = (floor(low / step) * step, ceil(high / step) * step) }
        let first = Int(ceil(low / step - 1e-9)), last = Int(floor(high / step + 1e-9))
        let ticks = first <= last ? (first...last).map { Double($0) * step } : []
        return ChartScale(lower: low, upper: high, start: start, end: end, isLogarithmic: false, ticks: ticks, step: step)
    }

    /// A log10 scale covering the positive finite `values`, widened to whole decades. Ticks at
    /// 1-2-5 within each decade when the range spans at most two decades, else at decades (every
    /// second or third decade for very wide ranges).
    static func logarithmic(covering values: [Double], from start: Double, to end: Double) -> ChartScale {
        let (low, high) = finiteRange(values.filter { $0 > 0 }) ?? (1, 10)
        let lowDecade = Int(floor(log10(low))), highDecade = max(Int(ceil(log10(high))), lowDecade + 1)
        let lower = pow(10, Double(lowDecade)), upper = pow(10, Double(highDecade))
        let decades = highDecade - lowDecade
        var ticks: [Double] = []
        if decades <= 2 {
            for decade in lowDecade..<highDecade { ticks += [1.0, 2, 5].map { $0 * pow(10, Double(decade)) } }
            ticks.append(upper)
        } else {
            let stride = decades <= 8 ? 1 : (decades <= 16 ? 2 : 3)
            ticks = Swift.stride(from: lowDecade, through: highDecade, by: stride).map { pow(10, Double($0)) }
        }
        return ChartScale(lower: lower, upper: upper, start: start, end: end, isLogarithmic: true, ticks: ticks, step: 1)
    }

    /// 1, 2 or 5 times a power of ten, nearest to `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(rough)))
        let fraction = rough / magnitude
        return magnitude * (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10)
    }

    /// Smallest and largest finite value, or nil when there is none.
    static func finiteRange(_ values: [Double]) -> (Double, Double)? {
        var low = Double.infinity, high = -Double.infinity
        for value in values where value.isFinite { low = min(low, value); high = max(high, value) }
        return low <= high ? (low, high) : nil
    }
}
