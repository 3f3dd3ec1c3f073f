import CImageCodecs

/// PNG → ``Image`` via libpng (see `loupe_png_decode` for the expansion rules:
/// palette → RGB/RGBA, gray+alpha → RGBA, 1/2/4-bit gray → 8-bit, 16-bit kept).
enum PNGDecoder {
    static func decode(_ bytes: [UInt8], name: String, maxPixels: Int) throws -> Image {
        try CodecDecodeCall.decode(loupe_png_decode, format: .png, bytes: bytes, name: name, maxPixels: maxPixels)
    }
}
