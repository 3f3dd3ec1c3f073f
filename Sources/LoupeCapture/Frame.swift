/// One captured frame, valid only inside the closure it is handed to.
///
/// For a V4L2 camera ``bytes`` points straight into the driver's mmap'd buffer, which goes
/// back to the driver (VIDIOC_QBUF) when the closure returns: convert or copy inside it,
/// never keep the pointer.
public struct Frame {
    /// Layout of ``bytes``.
    public let format: FrameFormat
    /// The frame's bytes (`bytesused` of the buffer); for MJPEG one JPEG file.
    public let bytes: UnsafeRawBufferPointer
    /// The driver's sequence number (V4L2 `v4l2_buffer.sequence`), or the replay index.
    public let sequence: UInt32
    /// Capture time in seconds on the source's clock (CLOCK_MONOTONIC for V4L2).
    public let timestamp: Double
    /// Frames the driver skipped just before this one (a gap in ``sequence``).
    public let droppedBefore: Int

    public init(format: FrameFormat, bytes: UnsafeRawBufferPointer, sequence: UInt32, timestamp: Double, droppedBefore: Int = 0) {
        self.format = format
        self.bytes = bytes
        self.sequence = sequence
        self.timestamp = timestamp
        self.droppedBefore = droppedBefore
    }
}

/// Counters every source keeps; they survive stop/start and reconnects.
public struct FrameStatistics: Sendable, Equatable {
    /// Frames handed to callers.
    public var delivered = 0
    /// Frames lost according to gaps in the sequence numbers.
    public var dropped = 0
    /// Times the device went away.
    public var disconnects = 0
    /// Times it came back and streaming resumed.
    public var reconnects = 0
    public init() {}
}

/// Counts dropped frames from driver sequence numbers.
///
/// The driver numbers frames it *captured*, including those it had to drop because no
/// buffer was queued, so a jump from `a` to `b` means `b - a - 1` frames were lost. The
/// count is modulo 2^32 (a 30 fps camera wraps after 4.5 years). A sequence that goes
/// backwards means the driver restarted counting (STREAMON after STREAMOFF, reconnect):
/// it is not a loss, and ``reset()`` is called at every start anyway.
public struct SequenceTracker: Sendable, Equatable {
    public private(set) var last: UInt32?
    public private(set) var dropped = 0

    public init() {}

    /// Records `sequence` and returns how many frames were lost just before it.
    public mutating func record(_ sequence: UInt32) -> Int {
        defer { last = sequence }
        guard let last else { return 0 }
        let step = sequence &- last
        // A step of 0 (duplicate) or "negative" (beyond half the range) is a restart, not a loss.
        if step == 0 || step > UInt32.max / 2 { return 0 }
        let lost = Int(step) - 1
        dropped += lost
        return lost
    }

    /// Forgets the last sequence number (the next frame starts a new run); keeps ``dropped``.
    public mutating func reset() { last = nil }
}

/// Where frames come from: a V4L2 camera, a folder replayed at a frame rate, or one image.
///
/// Lifecycle: ``start()``, then ``withNextFrame(timeout:_:)`` in a loop, then ``stop()``.
/// Sources are single-threaded: call from one thread.
public protocol FrameSource: AnyObject {
    /// A human-readable name (device path, folder, file) for logs and errors.
    var name: String { get }
    /// The layout of the frames ``withNextFrame(timeout:_:)`` delivers.
    var format: FrameFormat { get }
    /// Counters of delivered and dropped frames and reconnects.
    var statistics: FrameStatistics { get }
    /// Starts delivering frames (streaming on, replay clock reset).
    func start() throws
    /// Stops delivering frames; idempotent, never throws.
    func stop()
    /// Waits up to `timeout` seconds for the next frame and runs `body` on it.
    ///
    /// - Returns: `body`'s result, or nil if no frame arrived in time (or the source is
    ///   reconnecting, or a replay reached its end).
    /// - Throws: ``CaptureError`` when the source fails; ``CaptureError/deviceLost(device:operation:errno:)``
    ///   once when a camera goes away (the next calls try to reconnect), or what `body` throws.
    func withNextFrame<Result>(timeout: Double, _ body: (Frame) throws -> Result) throws -> Result?
}
