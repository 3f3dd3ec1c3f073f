import Foundation

/// Multivariate monitoring by principal components: Hotelling's T² inside the model plane and the
/// squared prediction error (SPE, Q) off it, optionally on lagged rows (dynamic PCA) and EWMA-
/// smoothed, with limits calibrated to a stated false-alarm rate on normal data, and per-tag
/// contributions that name the tags behind an alarm.
public struct PCAMonitor: Sendable, Codable {
    public struct Settings: Sendable, Codable, Equatable {
        /// Previous rows appended to each row (0 = static PCA).
        public var lags = 2
        /// Components: a fixed count, or (when nil) the fewest holding `varianceFraction`.
        public var components: Int?
        public var varianceFraction = 0.4857
        /// EWMA weight on the statistics (0 = no smoothing).
        public var ewma = 0.1
        public init(lags: Int = 2, components: Int? = nil, varianceFraction: Double = 0.4857, ewma: Double = 0.1) {
            self.lags = lags
            self.components = components
            self.varianceFraction = varianceFraction
            self.ewma = ewma
        }
        /// Plain PCA: no lags, no smoothing.
        public static func plain(components: Int) -> Settings { Settings(lags: 0, components: components, ewma: 0) }
    }

    public var tags: [String]
    public var settings: Settings
    public var mean: [Double]
    public var scale: [Double]
    /// Loadings, (tags × (lags + 1)) × components.
    public var loadings: Matrix
    public var eigenvalues: [Double]
    public var varianceExplained: Double
    /// Training means of T² and SPE: the EWMA's starting point.
    public var meanT2: Double
    public var meanSPE: Double
    public var limitT2: Double = .infinity
    public var limitSPE: Double = .infinity
    /// The false-alarm rate the limits were calibrated to, and what they gave on the calibration data.
    public var targetFalseAlarmRate: Double?
    public var calibratedFalseAlarmRate: Double?

    public var components: Int { eigenvalues.count }
    var width: Int { tags.count * (settings.lags + 1) }

    /// Fits on normal operating data: rows of `data` (tags in columns, no missing values).
    public static func fit(_ data: Matrix, tags: [String], settings: Settings = .init()) throws -> PCAMonitor {
        let n = data.rows, m = data.columns
        guard n > (settings.lags + 1) * 2 + 2 else {
            throw ProcessDataError.tooFewRows(operation: "fitting a PCA monitor", rows: n, needed: (settings.lags + 1) * 2 + 3)
        }
        var mean = [Double](repeating: 0, count: m), scale = mean
        for j in 0..<m {
            let c = data.column(j)
            let mu = c.reduce(0, +) / Double(n)
            let sd = (c.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(n - 1)).squareRoot()
            guard sd > 1e-9 * max(1, abs(mu)), sd.isFinite else {
                throw ProcessDataError.unusableColumn(name: tags[j], reason: "it is constant in the normal data, so it cannot be standardised")
            }
            mean[j] = mu
            scale[j] = sd
        }
        var monitor = PCAMonitor(tags: tags, settings: settings, mean: mean, scale: scale, loadings: Matrix(rows: 0, columns: 0),
                                 eigenvalues: [], varianceExplained: 0, meanT2: 0, meanSPE: 0)
        let lagged = monitor.laggedRows(data).selectingRows(Array(settings.lags..<n))
        var cov = LinearAlgebra.gram(lagged)
        let denominator = Double(lagged.rows - 1)
        for k in cov.values.indices { cov.values[k] /= denominator }
        let (values, vectors) = try LinearAlgebra.symmetricEigen(cov)
        let total = values.reduce(0) { $0 + max($1, 0) }
        var a = settings.components ?? 0
        if settings.components == nil {
            var cumulative = 0.0
            while a < values.count && cumulative < settings.varianceFraction * total { cumulative += values[a]; a += 1 }
        }
        a = max(1, min(a, values.count - 1))
        monitor.eigenvalues = Array(values[..<a])
        monitor.varianceExplained = monitor.eigenvalues.reduce(0, +) / total
        monitor.loadings = vectors.selectingColumns(Array(0..<a))
        let stats = monitor.rawStatistics(lagged)
        monitor.meanT2 = stats.t2.reduce(0, +) / Double(stats.t2.count)
        monitor.meanSPE = stats.spe.reduce(0, +) / Double(stats.spe.count)
        return monitor
    }

    /// Standardised rows with `lags` previous rows appended (current first); rows before the
    /// first repeat the first row.
    func laggedRows(_ data: Matrix) -> Matrix {
        let m = tags.count, h = settings.lags
        var out = Matrix(rows: data.rows, columns: m * (h + 1))
        for t in 0..<data.rows {
            for l in 0...h {
                let source = max(0, t - l)
                for j in 0..<m { out[t, l * m + j] = (data[source, j] - mean[j]) / scale[j] }
            }
        }
        return out
    }

    func rawStatistics(_ lagged: Matrix) -> (t2: [Double], spe: [Double]) {
        let scores = LinearAlgebra.multiply(lagged, loadings)
        let back = LinearAlgebra.multiply(scores, loadings.transposed)
        var t2 = [Double](repeating: 0, count: lagged.rows), spe = t2
        for i in 0..<lagged.rows {
            var s = 0.0
            for k in 0..<components { s += scores[i, k] * scores[i, k] / eigenvalues[k] }
            t2[i] = s
            var q = 0.0
            for j in 0..<lagged.columns { let r = lagged[i, j] - back[i, j]; q += r * r }
            spe[i] = q
        }
        return (t2, spe)
    }

    /// T² and SPE of each row of `data` (a contiguous run of samples), smoothed when the settings say so.
    public func statistics(_ data: Matrix) -> (t2: [Double], spe: [Double]) {
        let raw = rawStatistics(laggedRows(data))
        return (smoothed(raw.t2, start: meanT2), smoothed(raw.spe, start: meanSPE))
    }

    func smoothed(_ values: [Double], start: Double) -> [Double] {
        let lambda = settings.ewma
        guard lambda > 0 else { return values }
        var e = start
        return values.map { e = lambda * $0 + (1 - lambda) * e; return e }
    }

    /// Alarm per row: T² or SPE above its limit.
    public func alarms(_ data: Matrix) -> [Bool] {
        let s = statistics(data)
        return zip(s.t2, s.spe).map { $0 > limitT2 || $1 > limitSPE }
    }

    /// Sets both limits at the same empirical quantile of normal `data`, the highest that keeps
    /// the share of rows with either statistic over its limit at or under `falseAlarmRate`.
    public mutating func calibrate(normal data: Matrix, falseAlarmRate: Double) {
        let s = statistics(data)
        let n = s.t2.count
        let allowed = Int((falseAlarmRate * Double(n)).rounded(.down))
        let t2Sorted = s.t2.sorted(by: >), speSorted = s.spe.sorted(by: >)
        var chosen = (t2Sorted[0], speSorted[0], 0)
        for m in stride(from: min(allowed, n - 1), through: 0, by: -1) {
            let lt = t2Sorted[m], ls = speSorted[m]
            let count = zip(s.t2, s.spe).filter { $0 > lt || $1 > ls }.count
            if count <= allowed { chosen = (lt, ls, count); break }
        }
        limitT2 = chosen.0
        limitSPE = chosen.1
        targetFalseAlarmRate = falseAlarmRate
        calibratedFalseAlarmRate = Double(chosen.2) / Double(n)
    }

    /// Per-tag contributions to T² and SPE at each row (summed over lags; smoothed like the
    /// statistics), each row summing to its statistic.
    public func contributions(_ data: Matrix) -> (t2: Matrix, spe: Matrix) {
        let lagged = laggedRows(data)
        let m = tags.count
        var t2 = Matrix(rows: data.rows, columns: m), spe = t2
        for i in 0..<data.rows {
            let row = rowContributions(lagged.row(i))
            for j in 0..<m {
                t2[i, j] = row.t2[j]
                spe[i, j] = row.spe[j]
            }
        }
        let lambda = settings.ewma
        if lambda > 0 {
            for j in 0..<m {
                var et = meanT2 / Double(m), es = meanSPE / Double(m)
                for i in 0..<data.rows {
                    et = lambda * t2[i, j] + (1 - lambda) * et
                    es = lambda * spe[i, j] + (1 - lambda) * es
                    t2[i, j] = et
                    spe[i, j] = es
                }
            }
        }
        return (t2, spe)
    }

    /// Per-tag T² and SPE contributions of one lagged, standardised row (summed over lags): the
    /// T² part of element i is uᵢ·(P Λ⁻¹ Pᵀ u)ᵢ, the SPE part rᵢ²; each sums to its statistic.
    func rowContributions(_ lagged: [Double]) -> (t2: [Double], spe: [Double]) {
        let m = tags.count
        let u = Matrix(rows: 1, columns: lagged.count, values: lagged)
        let scores = LinearAlgebra.multiply(u, loadings)
        var scaled = scores
        for k in 0..<components { scaled[0, k] /= eigenvalues[k] }
        let dU = LinearAlgebra.multiply(scaled, loadings.transposed)
        let back = LinearAlgebra.multiply(scores, loadings.transposed)
        var t2 = [Double](repeating: 0, count: m), spe = t2
        for col in 0..<lagged.count {
            t2[col % m] += lagged[col] * dU[0, col]
            let r = lagged[col] - back[0, col]
            spe[col % m] += r * r
        }
        return (t2, spe)
    }
}
