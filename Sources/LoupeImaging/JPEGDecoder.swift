import CImageCodecs

/// JPEG → 8-bit gray or RGB ``Image`` via libjpeg-turbo. Any libjpeg warning (premature
/// end, corrupt data) is an error, so damaged files are never silently gray-filled.
enum JPEGDecoder {
    static func decode(_ bytes: [UInt8], name: String, maxPixels: Int) throws -> Image {
        try CodecDecodeCall.decode(loupe_jpeg_decode, format: .jpeg, bytes: bytes, name: name, maxPixels: maxPixels)
    }
}
