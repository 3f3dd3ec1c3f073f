/// Shape of one 2-D convolution on a single image in CHW layout.
///
/// Input `[inChannels, inHeight, inWidth]`, weights `[outChannels, inChannels / groups, kernel, kernel]`,
/// output `[outChannels, outHeight, outWidth]`. Padding is symmetric zero padding.
///
/// Kernels in other modules read these in their loops, so every member is `@inlinable`:
/// the geometry costs what it did when it lived beside the kernels.
@frozen
public struct ConvGeometry: Hashable, Sendable, CustomStringConvertible {
    public var inChannels: Int
    public var outChannels: Int
    public var inHeight: Int
    public var inWidth: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public var groups: Int

    @inlinable
    public init(inChannels: Int, outChannels: Int, inHeight: Int, inWidth: Int,
                kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.groups = groups
    }

    @inlinable public var outHeight: Int { windowPositions(inHeight, kernel: kernel, stride: stride, padding: padding) }
    @inlinable public var outWidth: Int { windowPositions(inWidth, kernel: kernel, stride: stride, padding: padding) }
    /// Input channels seen by one output channel.
    @inlinable public var channelsPerGroup: Int { inChannels / groups }
    @inlinable public var weightCount: Int { outChannels * channelsPerGroup * kernel * kernel }
    @inlinable public var inputCount: Int { inChannels * inHeight * inWidth }
    @inlinable public var outputCount: Int { outChannels * outHeight * outWidth }
    /// Multiply-adds x 2 for one image.
    @inlinable public var flops: Int { 2 * outputCount * channelsPerGroup * kernel * kernel }

    /// Whether the kernels accept this geometry (callers validate before building a ``Conv2D``).
    @inlinable public var isValid: Bool {
        inChannels > 0 && outChannels > 0 && inHeight > 0 && inWidth > 0 && kernel > 0 && stride > 0
            && padding >= 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0
            && outHeight > 0 && outWidth > 0
    }

    public var description: String {
        "conv \(kernel)x\(kernel)/s\(stride) p\(padding) g\(groups): \(inChannels)x\(inHeight)x\(inWidth) -> \(outChannels)x\(outHeight)x\(outWidth)"
    }
}

/// Shape of a 2-D max or average pooling window on one CHW image (floor mode).
@frozen
public struct PoolGeometry: Hashable, Sendable {
    public var channels: Int
    public var inHeight: Int
    public var inWidth: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int

    @inlinable
    public init(channels: Int, inHeight: Int, inWidth: Int, kernel: Int, stride: Int, padding: Int = 0) {
        self.channels = channels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    @inlinable public var outHeight: Int { windowPositions(inHeight, kernel: kernel, stride: stride, padding: padding) }
    @inlinable public var outWidth: Int { windowPositions(inWidth, kernel: kernel, stride: stride, padding: padding) }
    @inlinable public var isValid: Bool {
        channels > 0 && inHeight > 0 && inWidth > 0 && kernel > 0 && stride > 0 && padding >= 0
            && padding * 2 < kernel + 1 && outHeight > 0 && outWidth > 0
    }
}

/// Activation fused into the end of a kernel.
@frozen
public enum Activation: String, Sendable, Codable {
    case none
    case relu
}

/// Positions of a `kernel`-wide window sliding by `stride` over `size` samples zero-padded by
/// `padding` on both sides, rounding down (the output size of a convolution or a pool).
@inlinable
public func windowPositions(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
    (size + 2 * padding - kernel) / stride + 1
}
