// Writes a small seed corpus of valid PNG and JPEG files, one per decoder mode, using
// Loupe's own encoders and the C shim for the modes ImageEncoder does not write
// (palette, gray+alpha, 1-bit, interlaced). Usage: make-seeds <png-dir> <jpeg-dir>.
import CImageCodecs
#if canImport(Glibc)
import Glibc
#endif

@main
struct MakeSeeds {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else { fatalError("usage: make-seeds <png-dir> <jpeg-dir>") }
        let pngDirectory = arguments[1], jpegDirectory = arguments[2]
        func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 7) } }

        let (w, h) = (13, 9)
        for channels in [1, 3, 4] {
            let image = try Image(width: w, height: h, channels: channels, pixels: pattern(w * h * channels))
            try ImageEncoder.writePNG(image, to: "\(pngDirectory)/rgb8-c\(channels).png")
            let wide = try Image(width: w, height: h, channels: channels, pixels16: pattern(w * h * channels).map { UInt16($0) * 257 })
            try ImageEncoder.writePNG(wide, to: "\(pngDirectory)/rgb16-c\(channels).png")
        }
        try writeRawPNG(colorType: LOUPE_PNG_PALETTE, bitDepth: 4, rows: pattern(((w + 1) / 2) * h).map { $0 & 0x77 },
                        rowBytes: (w + 1) / 2, width: w, height: h, interlaced: false, to: "\(pngDirectory)/palette4-trns.png")
        try writeRawPNG(colorType: LOUPE_PNG_GRAY_ALPHA, bitDepth: 8, rows: pattern(w * 2 * h), rowBytes: w * 2,
                        width: w, height: h, interlaced: true, to: "\(pngDirectory)/gray-alpha-interlaced.png")
        try writeRawPNG(colorType: LOUPE_PNG_GRAY, bitDepth: 1, rows: pattern(2 * h), rowBytes: 2,
                        width: w, height: h, interlaced: false, to: "\(pngDirectory)/gray1.png")

        for channels in [1, 3] {
            let image = try Image(width: 24, height: 17, channels: channels, pixels: pattern(24 * 17 * channels))
            let bytes = try ImageEncoder.jpegData(image, quality: 80)
            try write(bytes, to: "\(jpegDirectory)/baseline-c\(channels).jpg")
        }
    }

    static func writeRawPNG(colorType: loupe_png_color_type, bitDepth: Int, rows: [UInt8], rowBytes: Int,
                            width: Int, height: Int, interlaced: Bool, to path: String) throws {
        var palette: [UInt8] = []
        for entry in 0..<16 { palette += [UInt8(entry * 16), UInt8(255 - entry * 16), UInt8(entry * 5)] }
        let alpha: [UInt8] = (0..<8).map { UInt8($0 * 32) }
        var params = loupe_png_encode_params()
        params.width = UInt32(width); params.height = UInt32(height)
        params.color_type = Int32(colorType.rawValue); params.bit_depth = Int32(bitDepth)
        params.row_bytes = rowBytes; params.interlaced = interlaced ? 1 : 0; params.compression_level = -1
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = palette.withUnsafeBufferPointer { p in
            alpha.withUnsafeBufferPointer { a in
                params.palette_rgb = p.baseAddress; params.palette_entries = 16
                params.palette_alpha = a.baseAddress; params.palette_alpha_entries = 8
                return rows.withUnsafeBufferPointer { loupe_png_encode(&params, $0.baseAddress, &out, &size, nil, 0) }
            }
        }
        defer { loupe_codec_free(out) }
        guard status == 0, let out else { fatalError("seed encode failed for \(path)") }
        try write(Array(UnsafeBufferPointer(start: out, count: size)), to: path)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        guard let file = fopen(path, "wb") else { fatalError("cannot open \(path)") }
        defer { fclose(file) }
        precondition(fwrite(bytes, 1, bytes.count, file) == bytes.count, "short write to \(path)")
    }
}
