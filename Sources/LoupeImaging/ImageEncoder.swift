import CImageCodecs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes ``Image``s for heatmaps, reports and test fixtures.
public enum ImageEncoder {
    /// PNG bytes for `image`: 8- or 16-bit gray, RGB or RGBA, as the image is.
    ///
    /// - Parameters:
    ///   - image: Any ``Image``.
    ///   - name: Used in error messages.
    ///   - compressionLevel: zlib level 0 (fast, large) … 9 (slow, small).
    /// - Throws: ``ImagingError/encodeFailed(name:detail:)`` if libpng fails.
    public static func pngData(_ image: Image, name: String = "image", compressionLevel: Int = 6) throws -> [UInt8] {
        let colorType: loupe_png_color_type = image.channels == 1 ? LOUPE_PNG_GRAY : image.channels == 3 ? LOUPE_PNG_RGB : LOUPE_PNG_RGBA
        var params = loupe_png_encode_params()
        params.width = UInt32(image.width)
        params.height = UInt32(image.height)
        params.color_type = Int32(colorType.rawValue)
        params.bit_depth = Int32(image.bitDepth)
        params.row_bytes = image.width * image.channels * image.bitDepth / 8
        params.compression_level = Int32(min(max(compressionLevel, 0), 9))
        switch image.samples {
        case .eightBit(let pixels):
            return try pixels.withUnsafeBytes { try encodePNG(params, pixels: $0, name: name) }
        case .sixteenBit(let pixels):
            return try pixels.withUnsafeBytes { try encodePNG(params, pixels: $0, name: name) }
        }
    }

    /// Writes `image` as a PNG file at `path` (via a temporary file and rename, so a
    /// reader never sees half a file).
    ///
    /// - Throws: ``ImagingError/encodeFailed(name:detail:)`` naming `path` and the failing call.
    public static func writePNG(_ image: Image, to path: String, compressionLevel: Int = 6) throws {
        let bytes = try pngData(image, name: path, compressionLevel: compressionLevel)
        try writeFileAtomically(bytes, path: path)
    }

    /// Baseline JPEG bytes for an 8-bit gray or RGB image (thumbnails, test images).
    ///
    /// - Parameter quality: 1…100.
    /// - Throws: ``ImagingError/wrongSize(name:operation:received:expected:)`` for 16-bit or
    ///   RGBA images, ``ImagingError/encodeFailed(name:detail:)`` if libjpeg fails.
    public static func jpegData(_ image: Image, quality: Int = 90, name: String = "image") throws -> [UInt8] {
        guard let pixels = image.pixels8, image.channels == 1 || image.channels == 3 else {
            throw ImagingError.wrongSize(name: name, operation: "JPEG encode",
                                         received: "\(image.bitDepth)-bit, \(image.channels) channels",
                                         expected: "8-bit gray (1 channel) or RGB (3 channels)")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = pixels.withUnsafeBufferPointer {
            loupe_jpeg_encode($0.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                              Int32(quality), &out, &size, &message, message.count)
        }
        defer { loupe_codec_free(out) }
        guard status == 0, let out else {
            throw ImagingError.encodeFailed(name: name, detail: String(cString: message))
        }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    private static func encodePNG(_ params: loupe_png_encode_params, pixels: UnsafeRawBufferPointer, name: String) throws -> [UInt8] {
        var params = params
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = loupe_png_encode(&params, pixels.baseAddress?.assumingMemoryBound(to: UInt8.self), &out, &size,
                                      &message, message.count)
        defer { loupe_codec_free(out) }
        guard status == 0, let out else {
            throw ImagingError.encodeFailed(name: name, detail: String(cString: message))
        }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    private static func writeFileAtomically(_ bytes: [UInt8], path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        func failure(_ operation: String) -> ImagingError {
            let code = errno
            return .encodeFailed(name: path, detail: "\(operation) '\(temporary)' failed with errno \(code) (\(String(cString: strerror(code))))")
        }
        var fd: Int32
        repeat { fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) } while fd < 0 && errno == EINTR
        if fd < 0 { throw failure("open") }
        var written = 0
        let writeError: ImagingError? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return failure("write")
                }
                written += result
            }
            return nil
        }
        if let writeError {
            _ = close(fd)
            _ = unlink(temporary)
            throw writeError
        }
        if close(fd) != 0 {
            let error = failure("close")
            _ = unlink(temporary)
            throw error
        }
        if rename(temporary, path) != 0 {
            let error = failure("rename to '\(path)'")
            _ = unlink(temporary)
            throw error
        }
    }
}
