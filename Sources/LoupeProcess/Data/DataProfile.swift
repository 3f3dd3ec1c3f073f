import Foundation

/// The data report on a process CSV, built in one streaming pass: ranges, means, missing and
/// bad-cell shares, constant tags, and groups of strongly correlated tags. Memory is one batch of
/// rows plus a tags × tags co-moment matrix, whatever the number of rows.
public struct DataProfile: Sendable, Codable {
    public struct Tag: Sendable, Codable {
        public var name: String
        public var unit: String?
        public var count: Int
        public var missing: Int
        public var bad: Int
        public var minimum: Double
        public var maximum: Double
        public var mean: Double
        public var standardDeviation: Double
        public var missingShare: Double { let n = count + missing + bad; return n == 0 ? 0 : Double(missing + bad) / Double(n) }
        /// No spread at all (or a single value): useless as a model input.
        public var isConstant: Bool { count < 2 || !(standardDeviation > 1e-12 * max(1, abs(mean))) }
    }

    public var source: String
    public var rows: Int
    public var delimiter: String
    public var decimalComma: Bool
    public var timeColumn: String?
    public var firstTime: Double?
    public var lastTime: Double?
    public var textColumns: [String]
    public var tags: [Tag]
    public var badCells: [BadCell]
    /// Groups of tags whose pairwise |correlation| is at least `groupThreshold` (complete linkage).
    public var correlatedGroups: [[String]]
    public var groupThreshold: Double
    /// Pearson correlations, tags × tags (missing values taken at the tag's mean), for tags ≤ 2,000.
    public var correlation: Matrix?
    public var seconds: Double

    /// Streams `path` once.
    /// - Parameter groupThreshold: |r| at which tags are grouped as near-copies.
    public static func build(path: String, groupThreshold: Double = 0.9, batchRows: Int = 4096) throws -> DataProfile {
        let started = Date()
        let reader = try ProcessCSVReader(path: path)
        let n = reader.numericColumns.count
        var count = [Int](repeating: 0, count: n)
        var mean = [Double](repeating: 0, count: n), m2 = mean
        var lo = [Double](repeating: .infinity, count: n), hi = [Double](repeating: -.infinity, count: n)
        // Co-moments about a shift (the first batch's means), missing cells at the shift.
        let wantCorrelation = n <= 2000
        var shift: [Double]?
        var gram = [Double](repeating: 0, count: wantCorrelation ? n * n : 0)
        var sums = [Double](repeating: 0, count: n)
        var gramRows = 0
        var firstTime: Double?, lastTime: Double?
        var centred = [Double]()
        while let batch = try reader.nextBatch(maxRows: batchRows) {
            for r in 0..<batch.rowCount {
                let base = r * n
                for j in 0..<n {
                    let v = batch.values[base + j]
                    guard v.isFinite else { continue }
                    count[j] += 1
                    let d = v - mean[j]
                    mean[j] += d / Double(count[j])
                    m2[j] += d * (v - mean[j])
                    if v < lo[j] { lo[j] = v }
                    if v > hi[j] { hi[j] = v }
                }
            }
            for t in batch.timestamps where t.isFinite {
                if firstTime == nil { firstTime = t }
                lastTime = t
            }
            guard wantCorrelation else { continue }
            if shift == nil { shift = mean.map { $0.isFinite ? $0 : 0 } }
            centred.removeAll(keepingCapacity: true)
            for r in 0..<batch.rowCount {
                for j in 0..<n {
                    let v = batch.values[r * n + j]
                    let c = v.isFinite ? v - shift![j] : 0
                    centred.append(c)
                    sums[j] += c
                }
            }
            centred.withUnsafeBufferPointer { a in
                gram.withUnsafeMutableBufferPointer { LinearAlgebra.accumulateGram(a.baseAddress!, rowCount: batch.rowCount, width: n, into: $0.baseAddress!) }
            }
            gramRows += batch.rowCount
        }
        guard reader.rowsRead > 0 else { throw ProcessDataError.empty(path: path) }
        var tags: [Tag] = []
        for (k, j) in reader.numericColumns.enumerated() {
            let sd = count[k] > 1 ? (m2[k] / Double(count[k] - 1)).squareRoot() : 0
            tags.append(Tag(name: reader.columns[j].name, unit: reader.columns[j].unit, count: count[k], missing: reader.missingCounts[k],
                            bad: reader.badCounts[k], minimum: count[k] > 0 ? lo[k] : .nan, maximum: count[k] > 0 ? hi[k] : .nan,
                            mean: count[k] > 0 ? mean[k] : .nan, standardDeviation: sd))
        }
        var correlation: Matrix?
        var groups: [[String]] = []
        if wantCorrelation && gramRows > 1 {
            var cov = Matrix(rows: n, columns: n)
            let rows = Double(gramRows)
            for i in 0..<n { for j in i..<n {
                let c = (gram[i * n + j] - sums[i] * sums[j] / rows) / (rows - 1)
                cov[i, j] = c
                cov[j, i] = c
            } }
            var r = Matrix(rows: n, columns: n)
            for i in 0..<n { for j in 0..<n {
                let d = (cov[i, i] * cov[j, j]).squareRoot()
                r[i, j] = i == j ? 1 : (d > 0 ? cov[i, j] / d : 0)
            } }
            correlation = r
            let usable = (0..<n).filter { !tags[$0].isConstant }
            groups = CorrelatedGroups.completeLinkage(correlation: r, among: usable, threshold: groupThreshold)
                .filter { $0.count > 1 }
                .map { $0.map { tags[$0].name } }
        }
        return DataProfile(source: path, rows: reader.rowsRead, delimiter: String(UnicodeScalar(reader.delimiter)),
                           decimalComma: reader.decimalComma, timeColumn: reader.timestampColumn.map { reader.columns[$0].name },
                           firstTime: firstTime, lastTime: lastTime,
                           textColumns: reader.columns.filter { $0.kind == .text }.map(\.name), tags: tags, badCells: reader.badCells,
                           correlatedGroups: groups, groupThreshold: groupThreshold, correlation: correlation,
                           seconds: Date().timeIntervalSince(started))
    }
}
