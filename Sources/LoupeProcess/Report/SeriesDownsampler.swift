/// Thins a long series for drawing without hiding spikes: the indices of each bucket's minimum
/// and maximum, in index order, so the drawn envelope matches the full series.
enum SeriesDownsampler {
    /// Indices to draw, in order; nil marks a gap (a drawable value missing), where the line breaks.
    ///
    /// - Parameters:
    ///   - values: The series.
    ///   - maxPoints: At most this many indices are returned (two per bucket once thinning).
    ///   - isDrawable: Whether a value can be drawn (e.g. finite, and positive on a log axis).
    static func indices(_ values: [Double], maxPoints: Int, isDrawable: (Double) -> Bool) -> [Int?] {
        var kept: [Int?] = []
        func gap() { if let last = kept.last, last != nil { kept.append(nil) } }
        guard values.count > maxPoints else {
            for (index, value) in values.enumerated() { if isDrawable(value) { kept.append(index) } else { gap() } }
            return kept
        }
        let bucketCount = max(maxPoints / 2, 1)
        kept.reserveCapacity(maxPoints + bucketCount)
        for bucket in 0..<bucketCount {
            let range = (bucket * values.count / bucketCount)..<((bucket + 1) * values.count / bucketCount)
            var lowest: Int?, highest: Int?
            for index in range where isDrawable(values[index]) {
                if lowest.map({ values[index] < values[$0] }) ?? true { lowest = index }
                if highest.map({ values[index] > values[$0] }) ?? true { highest = index }
            }
            guard let lowest, let highest else { gap(); continue }
            kept.append(min(lowest, highest))
            if lowest != highest { kept.append(max(lowest, highest)) }
        }
        return kept
    }
}
