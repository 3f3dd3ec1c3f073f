import CImageCodecs

/// The shape shared by `loupe_png_decode` and `loupe_jpeg_decode`.
typealias CodecDecodeFunction = (
    UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<loupe_image_info>?,
    UnsafeMutablePointer<UInt8>?, Int, UnsafeMutablePointer<CChar>?, Int
) -> Int32

/// Drives a C decoder's two phases (header → allocate in Swift → decode) and maps its
/// status codes to ``ImagingError``.
enum CodecDecodeCall {
    static let errorCapacity = 512

    static func decode(_ decode: CodecDecodeFunction, format: ImageFormat, bytes: [UInt8],
                       name: String, maxPixels: Int) throws -> Image {
        let limit = UInt64(max(maxPixels, 0))
        var info = loupe_image_info()
        var message = [CChar](repeating: 0, count: errorCapacity)

        let headerStatus = bytes.withUnsafeBufferPointer { data in
            decode(data.baseAddress, data.count, limit, &info, nil, 0, &message, errorCapacity)
        }
        try check(headerStatus, format: format, info: info, message: message, name: name, maxPixels: maxPixels)

        let width = Int(info.width), height = Int(info.height), channels = Int(info.channels)
        let sampleCount = width * height * channels
        let samples: Image.Samples
        if info.bit_depth == 16 {
            samples = .sixteenBit(try decodeSamples(UInt16.self, count: sampleCount) { out, capacity in
                bytes.withUnsafeBufferPointer { data in
                    decode(data.baseAddress, data.count, limit, &info, out, capacity, &message, errorCapacity)
                }
            } check: { status in
                try check(status, format: format, info: info, message: message, name: name, maxPixels: maxPixels)
            })
        } else {
            samples = .eightBit(try decodeSamples(UInt8.self, count: sampleCount) { out, capacity in
                bytes.withUnsafeBufferPointer { data in
                    decode(data.baseAddress, data.count, limit, &info, out, capacity, &message, errorCapacity)
                }
            } check: { status in
                try check(status, format: format, info: info, message: message, name: name, maxPixels: maxPixels)
            })
        }
        return try Image(width: width, height: height, channels: channels, samples: samples, name: name)
    }

    /// Allocates `count` samples once and lets the C decoder fill them.
    private static func decodeSamples<Sample>(
        _: Sample.Type, count: Int,
        _ run: (UnsafeMutablePointer<UInt8>, Int) -> Int32,
        check: (Int32) throws -> Void
    ) throws -> [Sample] {
        try [Sample](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            let byteCount = count * MemoryLayout<Sample>.stride
            let status = UnsafeMutableRawPointer(buffer.baseAddress!).withMemoryRebound(to: UInt8.self, capacity: byteCount) {
                run($0, byteCount)
            }
            try check(status)
            initialized = count
        }
    }

    private static func check(_ status: Int32, format: ImageFormat, info: loupe_image_info, message: [CChar],
                              name: String, maxPixels: Int) throws {
        try check(status, format: format, info: info, message: String(cString: message), name: name, maxPixels: maxPixels)
    }

    /// Maps a codec status to ``ImagingError`` (returns for `LOUPE_CODEC_OK`).
    static func check(_ status: Int32, format: ImageFormat, info: loupe_image_info, message detail: String,
                      name: String, maxPixels: Int) throws {
        switch UInt32(bitPattern: status) {
        case LOUPE_CODEC_OK.rawValue:
            return
        case LOUPE_CODEC_TRUNCATED.rawValue:
            throw ImagingError.truncated(path: name, format: format, detail: detail)
        case LOUPE_CODEC_TOO_LARGE.rawValue:
            throw ImagingError.tooLarge(path: name, width: Int(info.width), height: Int(info.height), maxPixels: maxPixels)
        case LOUPE_CODEC_UNSUPPORTED.rawValue:
            throw ImagingError.unsupportedVariant(path: name, format: format, detail: detail)
        default:
            throw ImagingError.corrupt(path: name, format: format, detail: detail.isEmpty ? "decoder status \(status)" : detail)
        }
    }
}
