/// A rectangle in pixel coordinates: top-left corner `(x, y)` and size, in pixels.
public struct PixelRegion: Sendable, Equatable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// True when the region is non-empty and lies inside a `width` x `height` image.
    public func fits(width imageWidth: Int, height imageHeight: Int) -> Bool {
        x >= 0 && y >= 0 && width > 0 && height > 0 && x <= imageWidth - width && y <= imageHeight - height
    }

    public var description: String { "\(width)x\(height) at (\(x), \(y))" }
}
