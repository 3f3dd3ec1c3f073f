extension ImageTransforms {
    /// An 8-bit gray or RGB copy of `image` whose longer side is at most `maxSide` (never upscaled,
    /// aspect kept, each side at least 1 px). Alpha is dropped; 16-bit samples are scaled to 8 bits.
    ///
    /// Shrinking first halves the image while it is more than twice too large — a 2:1 half-pixel
    /// bilinear resize averages 2x2 blocks (exactly so for even sizes), so fine defects (cracks) fade instead of aliasing —
    /// then one bilinear resize to the final size.
    public static func thumbnail(_ image: Image, maxSide: Int, name: String = "image") throws -> Image {
        precondition(maxSide > 0, "ImageTransforms.thumbnail: maxSide must be positive")
        let channels = image.channels == 1 ? 1 : 3
        var planes = try image.networkInput(channels: channels, normalization: .unit(channels: channels), name: name)
        var width = image.width, height = image.height
        let scale = min(1, Double(maxSide) / Double(max(width, height)))
        let targetWidth = max(1, Int((Double(width) * scale).rounded()))
        let targetHeight = max(1, Int((Double(height) * scale).rounded()))
        while width >= 2 * targetWidth && height >= 2 * targetHeight {
            width /= 2
            height /= 2
            planes = try ImageTransforms.resized(planes, width: width, height: height, name: name)
        }
        if width != targetWidth || height != targetHeight {
            planes = try ImageTransforms.resized(planes, width: targetWidth, height: targetHeight, name: name)
        }
        let pixelCount = targetWidth * targetHeight
        var pixels = [UInt8](repeating: 0, count: pixelCount * channels)
        for channel in 0..<channels {
            let plane = planes.pointer + channel * pixelCount
            for pixel in 0..<pixelCount {
                pixels[pixel * channels + channel] = UInt8(min(max(plane[pixel] * 255, 0), 255).rounded())
            }
        }
        return try Image(width: targetWidth, height: targetHeight, channels: channels, pixels: pixels, name: name)
    }
}
