/// When a part must be decided, from the line's geometry: it reaches the pick window (reject
/// gate, robot pick zone) `distanceToPick / conveyorSpeed` seconds after it was detected, and
/// the reject must be in the PLC `rejectLeadTime` before that.
public struct LineGeometry: Equatable, Sendable {
    /// Metres from the detection point (trigger sensor or camera) to the start of the pick window.
    public var distanceToPick: Double
    /// Metres per second.
    public var conveyorSpeed: Double
    /// Seconds the PLC needs before the window to act on a reject (write, read-back, actuator).
    public var rejectLeadTime: Double

    public init(distanceToPick: Double, conveyorSpeed: Double, rejectLeadTime: Double) {
        precondition(distanceToPick >= 0 && conveyorSpeed > 0 && rejectLeadTime >= 0,
                     "LineGeometry: needs distance >= 0, speed > 0, lead time >= 0")
        self.distanceToPick = distanceToPick
        self.conveyorSpeed = conveyorSpeed
        self.rejectLeadTime = rejectLeadTime
    }

    /// Seconds from detection to the pick window.
    public var travelTime: Double { distanceToPick / conveyorSpeed }

    /// The pick-window deadline of a part detected at `detectedAt` (monotonic seconds).
    public func deadline(detectedAt: Double) -> Double { detectedAt + travelTime }

    /// The same from encoder counts: the part reaches the window `countsToPick` counts after
    /// `detectedCount`, the encoder advancing `countsPerSecond`.
    public static func deadline(detectedAt: Double, countsToPick: Int, countsPerSecond: Double) -> Double {
        detectedAt + Double(countsToPick) / countsPerSecond
    }
}
