import CImageCodecs

/// Decodes a stream of JPEG frames of one known size (an MJPEG camera) into RGB pixels in a
/// buffer allocated once. The header is read first and checked against the expected size, so a
/// frame of the wrong size is refused before any pixel is written.
///
/// Steady state: the Swift side allocates nothing per frame; libjpeg-turbo's own per-image
/// memory pools (a fixed number of mallocs per frame, independent of its size) remain.
/// Not thread-safe: one decoder per stream.
public final class JPEGFrameDecoder {
    public let width: Int
    public let height: Int
    /// RGB, `width * height * 3` bytes, row-major; valid after a successful ``decode(_:source:)``.
    public let pixels: UnsafeMutableRawBufferPointer
    private let message: UnsafeMutablePointer<CChar>

    /// - Parameters: width, height: The size every frame must decode to (> 0).
    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "JPEGFrameDecoder: size must be positive, got \(width)x\(height)")
        self.width = width
        self.height = height
        pixels = .allocate(byteCount: width * height * 3, alignment: 64)
        message = .allocate(capacity: CodecDecodeCall.errorCapacity)
        message.initialize(repeating: 0, count: CodecDecodeCall.errorCapacity)
    }

    deinit {
        pixels.deallocate()
        message.deallocate()
    }

    /// Decodes one frame into ``pixels``.
    /// - Parameters:
    ///   - bytes: The JPEG data (for a camera, the driver's buffer itself).
    ///   - source: Named in errors (device and frame number).
    /// - Returns: The first pixel (RGB bytes).
    /// - Throws: ``ImagingError`` naming `source`: truncated, corrupt, an unsupported variant, or
    ///   ``ImagingError/wrongSize(name:operation:received:expected:)`` when the frame is not
    ///   `width x height` colour.
    @discardableResult
    public func decode(_ bytes: UnsafeRawBufferPointer, source: @autoclosure () -> String) throws -> UnsafePointer<UInt8> {
        let data = bytes.bindMemory(to: UInt8.self).baseAddress
        let budget = UInt64(width * height)
        var info = loupe_image_info()
        var status = loupe_jpeg_decode(data, bytes.count, budget, &info, nil, 0, message, CodecDecodeCall.errorCapacity)
        try check(status, info, source)
        guard info.width == width, info.height == height, info.channels == 3 else {
            throw ImagingError.wrongSize(name: source(), operation: "decode JPEG frame", received: "\(info.width)x\(info.height)x\(info.channels)",
                                         expected: "\(width)x\(height)x3")
        }
        let out = pixels.bindMemory(to: UInt8.self).baseAddress!
        status = loupe_jpeg_decode(data, bytes.count, budget, &info, out, pixels.count, message, CodecDecodeCall.errorCapacity)
        try check(status, info, source)
        return UnsafePointer(out)
    }

    private func check(_ status: Int32, _ info: loupe_image_info, _ source: () -> String) throws {
        guard UInt32(bitPattern: status) != LOUPE_CODEC_OK.rawValue else { return }
        try CodecDecodeCall.check(status, format: .jpeg, info: info, message: String(cString: message), name: source(), maxPixels: width * height)
    }
}
