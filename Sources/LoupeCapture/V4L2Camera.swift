import CV4L2
import Glibc
import LoupeTensor

/// A V4L2 video capture device streaming through mmap'd buffers.
///
/// Lifecycle (as the kernel's `capture.c`): open → QUERYCAP → S_FMT → S_PARM → REQBUFS →
/// QUERYBUF + mmap → QBUF all → STREAMON → poll/DQBUF/QBUF … → STREAMOFF → munmap →
/// REQBUFS 0 → close. ``stop()`` and `deinit` always run the tail, whatever failed.
///
/// When the device goes away (ENODEV/EIO, or POLLERR from poll) the camera closes
/// everything, throws ``CaptureError/deviceLost(device:operation:errno:)`` once, and each
/// later ``withNextFrame(timeout:_:)`` tries to reopen it with the same negotiated mode,
/// returning nil until it is back.
public final class V4L2Camera: FrameSource {
    public let path: String
    public let request: CameraRequest
    public var name: String { path }
    public private(set) var format: FrameFormat
    public private(set) var capabilities: DeviceCapabilities
    /// The interval the driver confirmed (G_PARM after S_PARM), if it reports one.
    public private(set) var interval: FrameInterval?
    public private(set) var statistics = FrameStatistics()
    /// Buffers the driver granted (REQBUFS may change the requested count).
    public var bufferCount: Int { buffers.count }
    /// True while streaming.
    public private(set) var isStreaming = false
    /// True between losing the device and getting it back.
    public private(set) var isDisconnected = false
    /// Why the last reconnect attempt failed (nil while connected), for the station's log.
    public private(set) var lastReconnectError: CaptureError?
    /// Seconds between reconnect attempts while disconnected.
    public var reconnectInterval = 0.5

    private var device: V4L2Device?
    private var negotiated: NegotiatedMode
    private var buffers: [(pointer: UnsafeMutableRawPointer, length: Int)] = []
    private var tracker = SequenceTracker()
    private var wantStreaming = false
    private var lastReconnectAttempt = -Double.infinity

    /// Opens `path`, checks it can capture, and negotiates `request`.
    ///
    /// - Throws: ``CaptureError`` — missing device, permission denied, busy, not a capture
    ///   device, format not offered, or the failing ioctl with errno.
    public init(path: String, request: CameraRequest = CameraRequest()) throws {
        self.path = path
        self.request = request
        let device = try V4L2Device(path: path)
        let capabilities = try DeviceCapabilities.query(device)
        guard capabilities.canCapture, capabilities.canStream else {
            throw CaptureError.notACaptureDevice(device: path, driver: capabilities.driver, card: capabilities.card,
                                                 capabilities: capabilities.capabilityNames)
        }
        let mode = try FormatNegotiation.choose(offered: try device.formatModes(), request: request, device: path)
        self.capabilities = capabilities
        self.negotiated = mode
        self.format = FrameFormat(pixelFormat: mode.pixelFormat, width: mode.width, height: mode.height)
        self.device = device
        try configure(device)
    }

    deinit { teardown(device: device) }

    /// Every device node under /dev named video*, sorted by number.
    public static func deviceNodes() -> [String] {
        guard let directory = opendir("/dev") else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = cString(&entry.pointee.d_name)
            if name.hasPrefix("video"), Int(name.dropFirst(5)) != nil { names.append(name) }
        }
        return names.sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }.map { "/dev/" + $0 }
    }

    /// A device's capabilities, and — if it can capture — its modes and controls, without streaming.
    public static func describe(path: String) throws -> (capabilities: DeviceCapabilities, formats: [FormatMode], controls: [CameraControl]) {
        let device = try V4L2Device(path: path)
        let capabilities = try DeviceCapabilities.query(device)
        guard capabilities.canCapture else { return (capabilities, [], try device.controls()) }
        return (capabilities, try device.formatModes(), try device.controls())
    }

    /// The device's controls with current values.
    public func controls() throws -> [CameraControl] {
        try connectedDevice("VIDIOC_QUERYCTRL").controls()
    }

    /// Sets a control by its name or key (e.g. "Gain", "exposure_absolute").
    public func setControl(named name: String, to value: Int) throws {
        try connectedDevice("VIDIOC_S_CTRL").setControl(named: name, to: value)
    }

    private func connectedDevice(_ operation: String) throws -> V4L2Device {
        guard let device else { throw CaptureError.deviceLost(device: path, operation: operation, errno: ENODEV) }
        return device
    }

    /// S_FMT and S_PARM for the negotiated mode; checks the driver's answer.
    private func configure(_ device: V4L2Device) throws {
        var fmt = v4l2_format()
        fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        fmt.fmt.pix.width = UInt32(negotiated.width)
        fmt.fmt.pix.height = UInt32(negotiated.height)
        fmt.fmt.pix.pixelformat = negotiated.pixelFormat.code
        fmt.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        try device.ioctl(LOUPE_VIDIOC_S_FMT, "VIDIOC_S_FMT", &fmt)
        let pix = fmt.fmt.pix
        let got = PixelFormat(code: pix.pixelformat)
        guard got == negotiated.pixelFormat, Int(pix.width) == negotiated.width, Int(pix.height) == negotiated.height else {
            throw CaptureError.negotiationFailed(device: path, requested: "\(negotiated.pixelFormat) \(negotiated.width)x\(negotiated.height)",
                                                 received: "\(got) \(pix.width)x\(pix.height)")
        }
        if let minimum = got.minimumBytesPerLine(width: Int(pix.width)), Int(pix.bytesperline) < minimum {
            throw CaptureError.negotiationFailed(device: path, requested: "at least \(minimum) bytes per line",
                                                 received: "\(pix.bytesperline)")
        }
        format = FrameFormat(pixelFormat: got, width: Int(pix.width), height: Int(pix.height),
                             bytesPerLine: Int(pix.bytesperline), imageSize: Int(pix.sizeimage))
        var parm = v4l2_streamparm()
        parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        if let wanted = negotiated.interval {
            parm.parm.capture.timeperframe = v4l2_fract(numerator: wanted.numerator, denominator: wanted.denominator)
            try device.ioctl(LOUPE_VIDIOC_S_PARM, "VIDIOC_S_PARM", &parm)
        } else if device.tryIoctl(LOUPE_VIDIOC_G_PARM, &parm) < 0 {
            interval = nil
            return
        }
        let tpf = parm.parm.capture.timeperframe
        interval = tpf.numerator == 0 ? nil : FrameInterval(numerator: tpf.numerator, denominator: tpf.denominator)
    }

    // MARK: Streaming

    public func start() throws {
        wantStreaming = true
        guard !isStreaming else { return }
        if isDisconnected { return }  // withNextFrame reconnects and starts
        try startStreaming(try connectedDevice("VIDIOC_STREAMON"))
    }

    private func startStreaming(_ device: V4L2Device) throws {
        do {
            var req = v4l2_requestbuffers()
            req.count = UInt32(max(request.bufferCount, 2))
            req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            req.memory = V4L2_MEMORY_MMAP.rawValue
            try device.ioctl(LOUPE_VIDIOC_REQBUFS, "VIDIOC_REQBUFS", &req)
            guard req.count >= 2 else {
                throw CaptureError.negotiationFailed(device: path, requested: "\(request.bufferCount) mmap buffers",
                                                     received: "\(req.count)")
            }
            for index in 0..<req.count {
                var buffer = v4l2_buffer()
                buffer.index = index
                buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
                buffer.memory = V4L2_MEMORY_MMAP.rawValue
                try device.ioctl(LOUPE_VIDIOC_QUERYBUF, "VIDIOC_QUERYBUF", &buffer)
                var code: Int32 = 0
                guard let pointer = loupe_v4l2_mmap(device.fd, Int(buffer.length), Int64(buffer.m.offset), &code) else {
                    throw device.error(operation: "mmap(buffer \(index))", errno: code)
                }
                buffers.append((pointer, Int(buffer.length)))
            }
            for index in 0..<req.count { try queue(device, index: index) }
            var type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            try device.ioctl(LOUPE_VIDIOC_STREAMON, "VIDIOC_STREAMON", &type)
            isStreaming = true
            tracker.reset()
        } catch {
            releaseBuffers(device)
            throw error
        }
    }

    private func queue(_ device: V4L2Device, index: UInt32) throws {
        var buffer = v4l2_buffer()
        buffer.index = index
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buffer.memory = V4L2_MEMORY_MMAP.rawValue
        try device.ioctl(LOUPE_VIDIOC_QBUF, "VIDIOC_QBUF", &buffer)
    }

    /// STREAMOFF (errors ignored: the device may be gone), munmap, REQBUFS 0.
    private func releaseBuffers(_ device: V4L2Device?) {
        if let device, device.fd >= 0 {
            var type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            device.tryIoctl(LOUPE_VIDIOC_STREAMOFF, &type)
        }
        for buffer in buffers { munmap(buffer.pointer, buffer.length) }
        buffers.removeAll()
        if let device, device.fd >= 0 {
            var req = v4l2_requestbuffers()
            req.count = 0
            req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            req.memory = V4L2_MEMORY_MMAP.rawValue
            device.tryIoctl(LOUPE_VIDIOC_REQBUFS, &req)
        }
        isStreaming = false
    }

    private func teardown(device: V4L2Device?) {
        releaseBuffers(device)
        device?.close()
    }

    public func stop() {
        wantStreaming = false
        releaseBuffers(device)
    }

    /// Stops streaming and closes the device; the camera cannot be used afterwards.
    public func close() {
        wantStreaming = false
        teardown(device: device)
        device = nil
    }

    /// Marks the device lost: closes everything so no buffer or fd leaks, counts it.
    private func lose(_ error: CaptureError) -> CaptureError {
        teardown(device: device)
        device = nil
        isDisconnected = true
        statistics.disconnects += 1
        lastReconnectAttempt = MonotonicClock.seconds()
        return error
    }

    /// Reopens the device and restores the negotiated mode and streaming; false if not back yet.
    private func reconnect() -> Bool {
        lastReconnectAttempt = MonotonicClock.seconds()
        let device: V4L2Device
        do {
            device = try V4L2Device(path: path)
        } catch {
            lastReconnectError = error as? CaptureError
            return false
        }
        do {
            let capabilities = try DeviceCapabilities.query(device)
            guard capabilities.canCapture, capabilities.canStream else {
                throw CaptureError.notACaptureDevice(device: path, driver: capabilities.driver, card: capabilities.card,
                                                     capabilities: capabilities.capabilityNames)
            }
            try configure(device)
            if wantStreaming { try startStreaming(device) }
            self.capabilities = capabilities
            self.device = device
            isDisconnected = false
            lastReconnectError = nil
            statistics.reconnects += 1
            return true
        } catch {
            lastReconnectError = error as? CaptureError
            teardown(device: device)
            return false
        }
    }

    public func withNextFrame<Result>(timeout: Double, _ body: (Frame) throws -> Result) throws -> Result? {
        if isDisconnected {
            let wait = max(0, lastReconnectAttempt + reconnectInterval - MonotonicClock.seconds())
            if wait > timeout {
                sleepSeconds(timeout)
                return nil
            }
            sleepSeconds(wait)
            guard reconnect() else { return nil }
        }
        guard isStreaming, let device else {
            throw CaptureError.invalidArgument(source: path, detail: "withNextFrame called before start()")
        }
        var revents: Int16 = 0
        let ready = loupe_v4l2_poll_in(device.fd, Int32(max(0, min(timeout * 1000, 86_400_000)).rounded(.up)), &revents)
        if ready < 0 { throw lose(device.error(operation: "poll", errno: -ready)) }
        if ready == 0 { return nil }
        if revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && revents & Int16(POLLIN) == 0 {
            throw lose(.deviceLost(device: path, operation: "poll (revents 0x\(String(revents, radix: 16)))", errno: ENODEV))
        }
        var buffer = v4l2_buffer()
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buffer.memory = V4L2_MEMORY_MMAP.rawValue
        let result = device.tryIoctl(LOUPE_VIDIOC_DQBUF, &buffer)
        if result == -EAGAIN { return nil }
        if result < 0 {
            let error = device.error(operation: "VIDIOC_DQBUF", errno: -result)
            if case .deviceLost = error { throw lose(error) }
            throw error
        }
        // Requeue on every exit path from here on, including when body throws.
        defer {
            let requeued = device.tryIoctl(LOUPE_VIDIOC_QBUF, &buffer)
            if requeued == -ENODEV || requeued == -EIO {
                _ = lose(.deviceLost(device: path, operation: "VIDIOC_QBUF", errno: -requeued))
            }
        }
        let index = Int(buffer.index)
        guard index < buffers.count, Int(buffer.bytesused) <= buffers[index].length else {
            throw CaptureError.badFrame(device: path, detail: "buffer \(index) with \(buffer.bytesused) bytes used")
        }
        if let minimum = format.pixelFormat.minimumImageSize(bytesPerLine: format.bytesPerLine, height: format.height),
           Int(buffer.bytesused) < minimum {
            throw CaptureError.badFrame(device: path, detail: "\(buffer.bytesused) bytes, expected \(minimum) for \(format)")
        }
        let dropped = tracker.record(buffer.sequence)
        statistics.dropped += dropped
        statistics.delivered += 1
        let timestamp = Double(buffer.timestamp.tv_sec) + Double(buffer.timestamp.tv_usec) * 1e-6
        let frame = Frame(format: format, bytes: UnsafeRawBufferPointer(start: buffers[index].pointer, count: Int(buffer.bytesused)),
                          sequence: buffer.sequence, timestamp: timestamp, droppedBefore: dropped)
        return try body(frame)
    }
}

func sleepSeconds(_ seconds: Double) {
    guard seconds > 0 else { return }
    var time = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
    var remaining = timespec()
    while nanosleep(&time, &remaining) == -1 && errno == EINTR { time = remaining }
}
