#if canImport(Glibc)
import Glibc
#endif

/// Loupe's one monotonic clock: `CLOCK_MONOTONIC`, the clock V4L2 frame timestamps use by
/// default. Deadlines, latencies, timings and benchmarks all read it, so their numbers can be
/// compared with each other and with frame timestamps. Never jumps with NTP or the date.
public enum MonotonicClock {
    /// Seconds since an arbitrary fixed start (boot).
    @inlinable
    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Nanoseconds since the same start as ``seconds()``.
    @inlinable
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Milliseconds elapsed since `start` (a value of ``seconds()``).
    @inlinable
    public static func milliseconds(since start: Double) -> Double { (seconds() - start) * 1000 }
}

/// Wall-clock time, for records people read (result timestamps, the audit trail): never for
/// measuring a duration, which ``MonotonicClock`` does.
public enum WallClock {
    /// Seconds since 1970-01-01 UTC.
    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
