/// Univariate control charts on one tag, with limits from a baseline (normal) phase: Shewhart
/// (individuals, ±3σ), EWMA (exact time-varying limits) and tabular CUSUM (k = 0.5σ, h = 5σ).
public struct ControlChart: Sendable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case shewhart, ewma, cusum }

    public var kind: Kind
    public var tag: String
    public var centre: Double
    public var sigma: Double
    /// EWMA weight.
    public var lambda = 0.2
    /// Limit width in σ of the plotted statistic (Shewhart and EWMA).
    public var width = 3.0
    /// CUSUM reference value and decision interval, in σ.
    public var k = 0.5
    public var h = 5.0

    /// Centre and σ from baseline values (σ from the mean moving range / 1.128, robust to drift).
    public static func baseline(_ values: [Double], tag: String, kind: Kind) throws -> ControlChart {
        let v = values.filter(\.isFinite)
        guard v.count >= 10 else { throw ProcessDataError.tooFewRows(operation: "a control chart of \(tag)", rows: v.count, needed: 10) }
        let centre = v.reduce(0, +) / Double(v.count)
        var mr = 0.0
        for i in 1..<v.count { mr += abs(v[i] - v[i - 1]) }
        let sigma = mr / Double(v.count - 1) / 1.128
        guard sigma > 0 else { throw ProcessDataError.unusableColumn(name: tag, reason: "it does not vary in the baseline, so it has no control limits") }
        return ControlChart(kind: kind, tag: tag, centre: centre, sigma: sigma)
    }

    /// One point of a chart: the plotted statistic and its limits.
    public struct Point: Sendable, Equatable {
        public var value: Double
        public var lower: Double
        public var upper: Double
        public var outOfControl: Bool { value > upper || value < lower }
    }

    /// The chart over `values` (NaN values carry the previous state and plot as NaN).
    public func points(_ values: [Double]) -> [Point] {
        var out: [Point] = []
        out.reserveCapacity(values.count)
        switch kind {
        case .shewhart:
            for x in values { out.append(Point(value: x, lower: centre - width * sigma, upper: centre + width * sigma)) }
        case .ewma:
            var z = centre, t = 0
            for x in values {
                guard x.isFinite else { out.append(Point(value: .nan, lower: -.infinity, upper: .infinity)); continue }
                t += 1
                z = lambda * x + (1 - lambda) * z
                let factor = (lambda / (2 - lambda) * (1 - pow1m(lambda, 2 * t))).squareRoot()
                out.append(Point(value: z, lower: centre - width * sigma * factor, upper: centre + width * sigma * factor))
            }
        case .cusum:
            // Plotted as the larger one-sided sum, signed: + for an upward shift, − for a downward.
            var high = 0.0, low = 0.0
            for x in values {
                guard x.isFinite else { out.append(Point(value: .nan, lower: -.infinity, upper: .infinity)); continue }
                let z = (x - centre) / sigma
                high = max(0, high + z - k)
                low = max(0, low - z - k)
                out.append(Point(value: high >= low ? high : -low, lower: -h, upper: h))
            }
        }
        return out
    }

    private func pow1m(_ lambda: Double, _ n: Int) -> Double {
        var r = 1.0, b = 1 - lambda, e = n
        while e > 0 { if e & 1 == 1 { r *= b }; b *= b; e >>= 1 }
        return r
    }
}

extension ControlChart {
    /// The chart fed one value at a time (follow mode): the same points as ``points(_:)`` on the
    /// whole run, and for a Shewhart chart the run rules over the last 15 values.
    public struct Stream: Sendable {
        public let chart: ControlChart
        private var z: Double
        private var t = 0
        private var high = 0.0, low = 0.0
        private var recent: [Double] = []

        public init(_ chart: ControlChart) {
            self.chart = chart
            z = chart.centre
        }

        /// The next point and the run rules it completes (nil for a missing value).
        public mutating func push(_ x: Double) -> (point: Point, rules: [RunRule])? {
            guard x.isFinite else { return nil }
            let point: Point
            switch chart.kind {
            case .shewhart:
                point = Point(value: x, lower: chart.centre - chart.width * chart.sigma, upper: chart.centre + chart.width * chart.sigma)
            case .ewma:
                t += 1
                z = chart.lambda * x + (1 - chart.lambda) * z
                let factor = (chart.lambda / (2 - chart.lambda) * (1 - Foundation.pow(1 - chart.lambda, Double(2 * t)))).squareRoot()
                point = Point(value: z, lower: chart.centre - chart.width * chart.sigma * factor, upper: chart.centre + chart.width * chart.sigma * factor)
            case .cusum:
                let s = (x - chart.centre) / chart.sigma
                high = max(0, high + s - chart.k)
                low = max(0, low - s - chart.k)
                point = Point(value: high >= low ? high : -low, lower: -chart.h, upper: chart.h)
            }
            guard chart.kind == .shewhart else { return (point, []) }
            recent.append((x - chart.centre) / chart.sigma)
            if recent.count > 15 { recent.removeFirst() }
            return (point, RunRule.allCases.filter { RunRule.fires($0, recent, at: recent.count - 1) })
        }
    }
}

import Foundation
