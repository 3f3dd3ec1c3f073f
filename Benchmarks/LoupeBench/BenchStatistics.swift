import LoupeTensor

/// Timing helpers shared by the benchmarks; the same definitions as the Python peers'
/// scripts (numpy median, and percentile with linear interpolation).
enum BenchStatistics {
    static func now() -> UInt64 { MonotonicClock.nanoseconds() }

    /// Runs `body` for `warmup` seconds, then repeatedly for `seconds` (at least `minRuns`
    /// times), returning each timed run's wall time in seconds.
    static func timeRuns(seconds: Double, warmup: Double = 0.5, minRuns: Int = 10, _ body: () -> Void) -> [Double] {
        let warmEnd = now() + UInt64(warmup * 1e9)
        repeat { body() } while now() < warmEnd
        var times: [Double] = []
        times.reserveCapacity(4096)
        let end = now() + UInt64(seconds * 1e9)
        while times.count < minRuns || now() < end {
            let t0 = now()
            body()
            times.append(Double(now() - t0) / 1e9)
        }
        return times
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let s = values.sorted()
        guard s.count > 1 else { return s.first ?? 0 }
        let rank = p / 100 * Double(s.count - 1)
        let lo = Int(rank.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (rank - Double(lo))
    }

    static func median(_ values: [Double]) -> Double { percentile(values, 50) }
}
