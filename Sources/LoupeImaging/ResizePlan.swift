/// Precomputed bilinear coefficients and scratch rows for one (source size → destination
/// size) pair, built once and reused every frame so ``ImageKernels/resizeBilinear(source:destination:channels:plan:)``
/// never allocates.
///
/// Coordinates use half-pixel centres (`align_corners=False`), like PyTorch
/// `F.interpolate(mode: "bilinear", align_corners=False, antialias=False)` and OpenCV
/// `INTER_LINEAR`: `src = (dst + 0.5) * (srcSize / dstSize) - 0.5`, clamped below at 0;
/// the right/bottom neighbour is clamped to the last pixel.
///
/// Not thread-safe: the scratch rows belong to the plan. Use one plan per thread.
public final class ResizePlan {
    public let sourceWidth: Int
    public let sourceHeight: Int
    public let destinationWidth: Int
    public let destinationHeight: Int

    /// Per destination column: left and right source column, weight of the right one.
    let columnLeft: UnsafeMutablePointer<Int32>
    let columnRight: UnsafeMutablePointer<Int32>
    let columnWeight: UnsafeMutablePointer<Float>
    /// Per destination row: top and bottom source row, weight of the bottom one.
    let rowTop: UnsafeMutablePointer<Int32>
    let rowBottom: UnsafeMutablePointer<Int32>
    let rowWeight: UnsafeMutablePointer<Float>
    /// Two horizontally resized source rows, `destinationWidth` floats each.
    let scratchTop: UnsafeMutablePointer<Float>
    let scratchBottom: UnsafeMutablePointer<Float>

    /// Builds the coefficient tables. All sizes must be positive and below 2^31.
    public init(sourceWidth: Int, sourceHeight: Int, destinationWidth: Int, destinationHeight: Int) {
        precondition(sourceWidth > 0 && sourceHeight > 0 && destinationWidth > 0 && destinationHeight > 0,
                     "ResizePlan: sizes must be positive, got \(sourceWidth)x\(sourceHeight) -> \(destinationWidth)x\(destinationHeight)")
        precondition(max(sourceWidth, sourceHeight) < Int(Int32.max), "ResizePlan: source too large for Int32 indices")
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.destinationWidth = destinationWidth
        self.destinationHeight = destinationHeight
        columnLeft = .allocate(capacity: destinationWidth)
        columnRight = .allocate(capacity: destinationWidth)
        columnWeight = .allocate(capacity: destinationWidth)
        rowTop = .allocate(capacity: destinationHeight)
        rowBottom = .allocate(capacity: destinationHeight)
        rowWeight = .allocate(capacity: destinationHeight)
        scratchTop = .allocate(capacity: destinationWidth)
        scratchBottom = .allocate(capacity: destinationWidth)
        scratchTop.initialize(repeating: 0, count: destinationWidth)
        scratchBottom.initialize(repeating: 0, count: destinationWidth)
        Self.fillAxis(source: sourceWidth, destination: destinationWidth, low: columnLeft, high: columnRight, weight: columnWeight)
        Self.fillAxis(source: sourceHeight, destination: destinationHeight, low: rowTop, high: rowBottom, weight: rowWeight)
    }

    deinit {
        columnLeft.deallocate(); columnRight.deallocate(); columnWeight.deallocate()
        rowTop.deallocate(); rowBottom.deallocate(); rowWeight.deallocate()
        scratchTop.deallocate(); scratchBottom.deallocate()
    }

    /// The half-pixel source coordinate of destination index `index` along one axis, and
    /// its two neighbours and the weight of the second; shared by the plan and the
    /// reference kernel (and by `LoupeCapture`'s frame converter) so all follow one written-down rule.
    @inline(__always)
    public static func sourceSample(index: Int, source: Int, destination: Int) -> (low: Int, high: Int, weight: Float) {
        let scale = Double(source) / Double(destination)
        let position = max((Double(index) + 0.5) * scale - 0.5, 0)
        let low = min(Int(position), source - 1)
        let high = min(low + 1, source - 1)
        return (low, high, Float(position - Double(low)))
    }

    private static func fillAxis(source: Int, destination: Int, low: UnsafeMutablePointer<Int32>,
                                 high: UnsafeMutablePointer<Int32>, weight: UnsafeMutablePointer<Float>) {
        for index in 0..<destination {
            let sample = sourceSample(index: index, source: source, destination: destination)
            low[index] = Int32(sample.low)
            high[index] = Int32(sample.high)
            weight[index] = sample.low == sample.high ? 0 : sample.weight
        }
    }
}
