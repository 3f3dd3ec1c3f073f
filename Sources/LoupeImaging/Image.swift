/// A decoded image: interleaved samples, row-major, no row padding.
///
/// Storage: ``samples`` is either 8-bit (`[UInt8]`) or 16-bit (`[UInt16]`, native
/// endian), so a 16-bit inspection camera keeps its full range. Sample `(x, y, c)` is at
/// index `(y * width + x) * channels + c`. Channels are 1 (gray), 3 (RGB) or 4 (RGBA).
public struct Image: Equatable, Sendable {
    /// Interleaved pixel samples in one of the two supported depths.
    public enum Samples: Equatable, Sendable {
        case eightBit([UInt8])
        case sixteenBit([UInt16])

        public var count: Int {
            switch self {
            case .eightBit(let values): return values.count
            case .sixteenBit(let values): return values.count
            }
        }
    }

    public let width: Int
    public let height: Int
    /// 1 gray, 3 RGB, 4 RGBA.
    public let channels: Int
    public let samples: Samples

    /// Bits per sample: 8 or 16.
    public var bitDepth: Int {
        if case .sixteenBit = samples { return 16 }
        return 8
    }

    /// Builds an image; the sample count must be `width * height * channels`.
    ///
    /// - Throws: ``ImagingError/wrongSize(name:operation:received:expected:)`` if the
    ///   channel count is not 1, 3 or 4, a dimension is not positive, or the sample count
    ///   does not match.
    public init(width: Int, height: Int, channels: Int, samples: Samples, name: String = "image") throws {
        guard [1, 3, 4].contains(channels) else {
            throw ImagingError.wrongSize(name: name, operation: "Image.init", received: "\(channels) channels",
                                         expected: "1 (gray), 3 (RGB) or 4 (RGBA)")
        }
        guard width > 0, height > 0, samples.count == width * height * channels else {
            throw ImagingError.wrongSize(name: name, operation: "Image.init",
                                         received: "\(samples.count) samples for \(width)x\(height)x\(channels)",
                                         expected: "\(max(width, 0) * max(height, 0) * channels) samples, positive size")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// 8-bit convenience initialiser; see ``init(width:height:channels:samples:name:)``.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8], name: String = "image") throws {
        try self.init(width: width, height: height, channels: channels, samples: .eightBit(pixels), name: name)
    }

    /// 16-bit convenience initialiser; see ``init(width:height:channels:samples:name:)``.
    public init(width: Int, height: Int, channels: Int, pixels16: [UInt16], name: String = "image") throws {
        try self.init(width: width, height: height, channels: channels, samples: .sixteenBit(pixels16), name: name)
    }

    /// The 8-bit samples, or nil for a 16-bit image.
    public var pixels8: [UInt8]? {
        if case .eightBit(let values) = samples { return values }
        return nil
    }

    /// The 16-bit samples, or nil for an 8-bit image.
    public var pixels16: [UInt16]? {
        if case .sixteenBit(let values) = samples { return values }
        return nil
    }
}
