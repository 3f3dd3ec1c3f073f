import CV4L2

/// A V4L2 pixel format, identified by its fourcc code.
///
/// Loupe converts the formats in ``PixelFormat/convertible`` to network input; any other
/// fourcc can still be listed (``description`` prints its four characters).
public struct PixelFormat: Hashable, Sendable, CustomStringConvertible {
    /// The little-endian fourcc, as in `struct v4l2_pix_format.pixelformat`.
    public let code: UInt32

    public init(code: UInt32) { self.code = code }

    /// Builds the code from four ASCII characters, e.g. `"YUYV"`; nil if not four ASCII characters.
    public init?(fourcc: String) {
        let bytes = Array(fourcc.utf8)
        guard bytes.count == 4, bytes.allSatisfy({ $0 < 128 }) else { return nil }
        code = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }

    /// 8-bit luma only, one byte per pixel.
    public static let grey = PixelFormat(code: loupe_v4l2_fourcc(0x47, 0x52, 0x45, 0x59))
    /// 4:2:2 packed Y0 U Y1 V, two bytes per pixel.
    public static let yuyv = PixelFormat(code: loupe_v4l2_fourcc(0x59, 0x55, 0x59, 0x56))
    /// 4:2:2 packed U Y0 V Y1, two bytes per pixel.
    public static let uyvy = PixelFormat(code: loupe_v4l2_fourcc(0x55, 0x59, 0x56, 0x59))
    /// 4:2:0 semi-planar: a Y plane, then an interleaved UV plane of half height.
    public static let nv12 = PixelFormat(code: loupe_v4l2_fourcc(0x4E, 0x56, 0x31, 0x32))
    /// 8-bit R G B, three bytes per pixel.
    public static let rgb24 = PixelFormat(code: loupe_v4l2_fourcc(0x52, 0x47, 0x42, 0x33))
    /// Motion JPEG: each buffer is a JPEG file (decoded with libjpeg-turbo).
    public static let mjpeg = PixelFormat(code: loupe_v4l2_fourcc(0x4D, 0x4A, 0x50, 0x47))

    /// The formats Loupe can turn into network input, in order of preference when the
    /// caller does not choose: raw gray first (no conversion), then packed YUV, then the rest.
    public static let convertible: [PixelFormat] = [.grey, .yuyv, .uyvy, .nv12, .rgb24, .mjpeg]

    /// The fourcc's four characters, e.g. "YUYV" (trailing spaces kept).
    public var description: String {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: code >> (8 * $0)) }
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return String(decoding: bytes, as: UTF8.self) }
        return "0x" + String(code, radix: 16)
    }

    /// True for the formats in ``convertible``.
    public var isConvertible: Bool { Self.convertible.contains(self) }

    /// True for formats whose buffers have a variable size (compressed).
    public var isCompressed: Bool { self == .mjpeg }

    /// Minimum bytes per row for a `width`-pixel row (the Y plane for NV12); nil for compressed formats.
    public func minimumBytesPerLine(width: Int) -> Int? {
        switch self {
        case .grey, .nv12: return width
        case .yuyv, .uyvy: return 2 * width
        case .rgb24: return 3 * width
        default: return nil
        }
    }

    /// Minimum buffer size for a frame with `bytesPerLine` and `height`; nil for compressed formats.
    public func minimumImageSize(bytesPerLine: Int, height: Int) -> Int? {
        switch self {
        case .grey, .yuyv, .uyvy, .rgb24: return bytesPerLine * height
        case .nv12: return bytesPerLine * height + bytesPerLine * ((height + 1) / 2)
        default: return nil
        }
    }
}

/// The layout of every frame a source delivers.
public struct FrameFormat: Hashable, Sendable, CustomStringConvertible {
    public var pixelFormat: PixelFormat
    /// Pixels.
    public var width: Int
    public var height: Int
    /// Bytes from one row to the next (the Y plane's for NV12); may exceed the packed size.
    public var bytesPerLine: Int
    /// Bytes of one frame buffer as the driver reports it (an upper bound for MJPEG).
    public var imageSize: Int

    public init(pixelFormat: PixelFormat, width: Int, height: Int, bytesPerLine: Int? = nil, imageSize: Int? = nil) {
        self.pixelFormat = pixelFormat
        self.width = width
        self.height = height
        let line = bytesPerLine ?? pixelFormat.minimumBytesPerLine(width: width) ?? 0
        self.bytesPerLine = line
        self.imageSize = imageSize ?? pixelFormat.minimumImageSize(bytesPerLine: line, height: height) ?? width * height * 3
    }

    public var description: String { "\(pixelFormat) \(width)x\(height) (\(bytesPerLine) bytes/line)" }
}
