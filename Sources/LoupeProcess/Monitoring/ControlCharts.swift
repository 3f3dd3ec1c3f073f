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

    /// The chart over `values` (a NaN value carries the previous state and plots as NaN, with no limits).
    public func points(_ values: [Double]) -> [Point] {
        var stream = Stream(self)
        return values.map { stream.point($0) ?? Point(value: .nan, lower: -.infinity, upper: .infinity) }
    }
}

extension ControlChart {
    /// The chart fed one value at a time: ``points(_:)`` runs it over a whole run, follow mode row
    /// by row, where `push` also gives the run rules a Shewhart chart's latest 15 values complete.
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

        /// The next point (nil for a missing value, which leaves the state as it was).
        public mutating func point(_ x: Double) -> Point? {
            guard x.isFinite else { return nil }
            switch chart.kind {
            case .shewhart:
                return Point(value: x, lower: chart.centre - chart.width * chart.sigma, upper: chart.centre + chart.width * chart.sigma)
            case .ewma:
                t += 1
                z = chart.lambda * x + (1 - chart.lambda) * z
                let factor = (chart.lambda / (2 - chart.lambda) * (1 - Foundation.pow(1 - chart.lambda, Double(2 * t)))).squareRoot()
                return Point(value: z, lower: chart.centre - chart.width * chart.sigma * factor, upper: chart.centre + chart.width * chart.sigma * factor)
            case .cusum:
                // Plotted as the larger one-sided sum, signed: + for an upward shift, − for a downward.
                let s = (x - chart.centre) / chart.sigma
                high = max(0, high + s - chart.k)
                low = max(0, low - s - chart.k)
                return Point(value: high >= low ? high : -low, lower: -chart.h, upper: chart.h)
            }
        }

        /// The next point and the run rules it completes (nil for a missing value).
        public mutating func push(_ x: Double) -> (point: Point, rules: [RunRule])? {
            guard let point = point(x) else { return nil }
            guard chart.kind == .shewhart else { return (point, []) }
            recent.append((x - chart.centre) / chart.sigma)
            if recent.count > 15 { recent.removeFirst() }
            return (point, RunRule.allCases.filter { RunRule.fires($0, recent, at: recent.count - 1) })
        }
    }
}

import Foundation
