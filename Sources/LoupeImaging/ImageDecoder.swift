/// Decodes PNG and JPEG files, choosing the codec by the file's first bytes.
public enum ImageDecoder {
    /// Default pixel budget: 64 Mi pixels (e.g. 8192 x 8192), about 512 MiB as 16-bit RGBA.
    public static let defaultMaxPixels = 64 * 1024 * 1024

    /// Reads and decodes the image at `path`.
    ///
    /// - Parameters:
    ///   - path: File to read; its extension is ignored, the content decides the format.
    ///   - maxPixels: Largest `width * height` accepted; checked from the header before
    ///     any pixel memory is allocated. Files larger than any such image could be
    ///     (`maxPixels * 8` bytes + 64 MiB of metadata) are refused before reading.
    /// - Returns: The decoded image (8-bit, or 16-bit for 16-bit PNGs).
    /// - Throws: ``ImagingError`` naming `path`: not found, unreadable, empty, unsupported
    ///   format, truncated, corrupt, unsupported variant or too large.
    public static func decode(contentsOf path: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
        let maxBytes = max(maxPixels, 0).multipliedReportingOverflow(by: 8).partialValue + 64 * 1024 * 1024
        let bytes = try ImageFileReader.readAll(path: path, maxBytes: maxBytes)
        return try decode(data: bytes, name: path, maxPixels: maxPixels)
    }

    /// Decodes an image held in memory (e.g. received from a camera over the network).
    ///
    /// - Parameters:
    ///   - data: The encoded file bytes.
    ///   - name: Shown in error messages (file name, camera id, request id).
    ///   - maxPixels: Largest `width * height` accepted, checked before allocating.
    /// - Throws: ``ImagingError`` naming `name`.
    public static func decode(data: [UInt8], name: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
        if data.isEmpty { throw ImagingError.emptyFile(path: name) }
        switch ImageFormat.sniff(data) {
        case .png?: return try PNGDecoder.decode(data, name: name, maxPixels: maxPixels)
        case .jpeg?: return try JPEGDecoder.decode(data, name: name, maxPixels: maxPixels)
        case nil: throw ImagingError.unsupportedFormat(path: name, magic: ImageFormat.magicHex(data))
        }
    }
}
