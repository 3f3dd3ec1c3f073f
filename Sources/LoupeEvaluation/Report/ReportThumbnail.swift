import LoupeImaging

/// Small PNG pictures of evaluated images for the HTML report.
public enum ReportThumbnail {
    /// PNG bytes of the image at `path`, downscaled so its longer side is at most `maxSide` pixels.
    ///
    /// - Throws: ``ImagingError`` if the file cannot be read or decoded.
    public static func png(contentsOf path: String, maxSide: Int = 160) throws -> [UInt8] {
        let image = try ImageDecoder.decode(contentsOf: path)
        return try ImageEncoder.pngData(ImageTransforms.thumbnail(image, maxSide: maxSide, name: path), name: path)
    }
}
