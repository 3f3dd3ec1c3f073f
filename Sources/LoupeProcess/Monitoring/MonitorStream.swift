/// The PCA monitor fed one row at a time, as rows arrive from a growing file or a broker: it
/// keeps the last `lags` standardised rows and the EWMA state, so row by row it gives exactly
/// what ``PCAMonitor/statistics(_:)`` gives on the whole run.
public struct MonitorStream: Sendable {
    public let monitor: PCAMonitor
    private var history: [[Double]] = []
    private var t2State: Double
    private var speState: Double

    public init(_ monitor: PCAMonitor) {
        self.monitor = monitor
        t2State = monitor.meanT2
        speState = monitor.meanSPE
    }

    /// One row's verdict.
    public struct Point: Sendable {
        public var t2: Double
        public var spe: Double
        public var alarm: Bool
        /// Tags with the largest contribution to whichever statistic is furthest over its limit.
        public var topTags: [(tag: String, share: Double)]
    }

    /// Takes the next row (tags in the monitor's order).
    /// - Returns: nil when the row has a missing value (the row is skipped, the state kept).
    public mutating func push(_ row: [Double]) -> Point? {
        guard row.count == monitor.tags.count, row.allSatisfy(\.isFinite) else { return nil }
        let z = (0..<row.count).map { (row[$0] - monitor.mean[$0]) / monitor.scale[$0] }
        if history.isEmpty { history = [[Double]](repeating: z, count: monitor.settings.lags) }
        var lagged = z
        for l in 0..<monitor.settings.lags { lagged += history[history.count - 1 - l] }
        if monitor.settings.lags > 0 {
            history.append(z)
            history.removeFirst()
        }
        let u = Matrix(rows: 1, columns: lagged.count, values: lagged)
        let raw = monitor.rawStatistics(u)
        let lambda = monitor.settings.ewma
        if lambda > 0 {
            t2State = lambda * raw.t2[0] + (1 - lambda) * t2State
            speState = lambda * raw.spe[0] + (1 - lambda) * speState
        } else {
            t2State = raw.t2[0]
            speState = raw.spe[0]
        }
        let alarm = t2State > monitor.limitT2 || speState > monitor.limitSPE
        var top: [(String, Double)] = []
        if alarm {
            // Diagnosis from the unsmoothed contributions of this row.
            let contributions = monitor.rowContributions(lagged)
            let useSPE = speState / monitor.limitSPE >= t2State / monitor.limitT2
            let c = useSPE ? contributions.spe : contributions.t2
            let total = c.reduce(0) { $0 + max($1, 0) }
            top = c.indices.sorted { c[$0] > c[$1] }.prefix(3).map { (monitor.tags[$0], total > 0 ? max(c[$0], 0) / total : 0) }
        }
        return Point(t2: t2State, spe: speState, alarm: alarm, topTags: top)
    }
}
