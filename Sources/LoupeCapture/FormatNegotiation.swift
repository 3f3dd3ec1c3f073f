/// What a caller asks a camera for; nil fields mean "let Loupe choose".
public struct CameraRequest: Sendable, Equatable {
    /// A specific format, or nil to take the first offered of ``PixelFormat/convertible``.
    public var pixelFormat: PixelFormat?
    /// Wanted size; nil picks the offered size closest to 640x480.
    public var width: Int?
    public var height: Int?
    /// Wanted rate; nil keeps the driver's.
    public var framesPerSecond: Double?
    /// mmap buffers to queue (the driver may grant more or fewer; at least 2 are needed).
    public var bufferCount: Int

    public init(pixelFormat: PixelFormat? = nil, width: Int? = nil, height: Int? = nil, framesPerSecond: Double? = nil,
                bufferCount: Int = 4) {
        self.pixelFormat = pixelFormat
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.bufferCount = bufferCount
    }
}

/// The mode chosen from what a device offers, before the driver confirms it with S_FMT/S_PARM.
public struct NegotiatedMode: Sendable, Equatable {
    public var pixelFormat: PixelFormat
    public var width: Int
    public var height: Int
    /// nil: leave the frame rate alone.
    public var interval: FrameInterval?
}

/// Chooses format, size and frame interval from a device's offer — a pure function, so it
/// is unit-tested without a device.
public enum FormatNegotiation {
    /// - Throws: ``CaptureError/formatNotSupported(device:requested:offered:)`` when the
    ///   requested format or exact size is not offered, or no convertible format is.
    public static func choose(offered: [FormatMode], request: CameraRequest, device: String) throws -> NegotiatedMode {
        let offeredNames = offered.map(\.pixelFormat.description).joined(separator: ", ")
        let mode: FormatMode
        if let wanted = request.pixelFormat {
            guard let match = offered.first(where: { $0.pixelFormat == wanted }) else {
                throw CaptureError.formatNotSupported(device: device, requested: "format \(wanted)", offered: "[\(offeredNames)]")
            }
            guard wanted.isConvertible else {
                throw CaptureError.formatNotSupported(device: device, requested: "format \(wanted) (Loupe converts only "
                    + PixelFormat.convertible.map(\.description).joined(separator: ", ") + ")", offered: "[\(offeredNames)]")
            }
            mode = match
        } else {
            guard let match = PixelFormat.convertible.lazy.compactMap({ format in offered.first { $0.pixelFormat == format } }).first else {
                throw CaptureError.formatNotSupported(device: device, requested: "any of "
                    + PixelFormat.convertible.map(\.description).joined(separator: ", "), offered: "[\(offeredNames)]")
            }
            mode = match
        }
        let size = try chooseSize(mode, request: request, device: device)
        var interval: FrameInterval?
        if let fps = request.framesPerSecond, fps > 0 {
            if let best = size.intervals.min(by: { abs($0.framesPerSecond - fps) < abs($1.framesPerSecond - fps) }) {
                interval = best
            } else {
                interval = FrameInterval(numerator: 1000, denominator: UInt32((fps * 1000).rounded()))
            }
        }
        return NegotiatedMode(pixelFormat: mode.pixelFormat, width: size.width, height: size.height, interval: interval)
    }

    static func chooseSize(_ mode: FormatMode, request: CameraRequest, device: String) throws -> FrameSizeMode {
        let sizesText = mode.stepwise
            ? "sizes \(mode.sizes.first.map { "\($0.width)x\($0.height)" } ?? "?") to \(mode.sizes.last.map { "\($0.width)x\($0.height)" } ?? "?")"
            : mode.sizes.map { "\($0.width)x\($0.height)" }.joined(separator: ", ")
        if let width = request.width, let height = request.height {
            if mode.stepwise, let low = mode.sizes.first, let high = mode.sizes.last,
               (low.width...high.width).contains(width), (low.height...high.height).contains(height) {
                return FrameSizeMode(width: width, height: height, intervals: low.intervals)
            }
            guard let exact = mode.sizes.first(where: { $0.width == width && $0.height == height }) else {
                throw CaptureError.formatNotSupported(device: device, requested: "\(mode.pixelFormat) \(width)x\(height)",
                                                      offered: sizesText)
            }
            return exact
        }
        guard !mode.sizes.isEmpty else {
            throw CaptureError.formatNotSupported(device: device, requested: "any size of \(mode.pixelFormat)", offered: "no sizes")
        }
        let target = Double(request.width ?? 640) * Double(request.height ?? 480)
        return mode.sizes.min { abs(Double($0.width * $0.height) - target) < abs(Double($1.width * $1.height) - target) }!
    }
}
