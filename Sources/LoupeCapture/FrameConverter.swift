import CCaptureKernels
import LoupeImaging
import LoupeTensor

/// Turns raw frame buffers into network input — region of interest, bilinear resize,
/// colour conversion, normalisation — in one pass that reads the frame buffer in place
/// (the driver's mmap'd memory for a camera): no copy of the frame is made.
///
/// Built once per (frame format, region, output size) and reused every frame: all tables
/// and scratch rows are allocated here, so ``convert(_:into:capacity:)`` never allocates
/// (MJPEG decodes into a buffer also allocated once; libjpeg's own per-image pools remain).
///
/// Files: the sampling plan (`+SamplingPlan`), the SIMD conversion (`+Kernels`) and its
/// scalar twin (`+Reference`).
///
/// How: a frame is read as up to three *components* (Y or gray; or R, G, B; or Y, U, V),
/// each an 8-bit sample at a known byte offset in a row of its plane. Per output row, the
/// two source rows are blended vertically over the byte span the region covers (contiguous,
/// vectorised); then per component a horizontal lerp picks the left and right neighbour
/// from that blended span by column tables (the same code for every format; AVX-512
/// permutes from `CCaptureKernels` when the CPU has them); then a per-format linear map
/// (BT.601 limited range for YUV) gives gray or RGB in 0...1, clamped, then `(v - mean) / std`.
///
/// Geometry: half-pixel centres as ``ResizePlan``, over the region; chroma is sampled at
/// the chroma site of each luma neighbour (nearest chroma, no extra chroma filtering).
/// Not thread-safe (the scratch rows belong to the converter).
public final class FrameConverter {
    public let format: FrameFormat
    public let region: PixelRegion
    public let outputWidth: Int
    public let outputHeight: Int
    /// 1 (gray) or 3 (RGB planes).
    public let channels: Int
    public let normalization: NormalizationParameters
    /// Floats written per frame: `channels * outputHeight * outputWidth`, `(C, H, W)`.
    public var outputCount: Int { channels * outputHeight * outputWidth }

    /// Which kernels convert: AVX-512 or AVX2 (`CCaptureKernels`: YUV de-interleave, horizontal
    /// resampling, colour map) or the portable Swift loops. Default: the process's
    /// ``KernelVariant/active``; tests and the benchmark set each supported one in turn.
    public var kernelVariant = KernelVariant.active {
        didSet { precondition(kernelVariant.isSupported, "FrameConverter: this CPU lacks \(kernelVariant.instructionSet)") }
    }

    let planes: [Plane]
    /// Per plane: one vertically blended span (`spanLength` floats).
    let planeRows: [UnsafeMutablePointer<Float>]

    /// Set for YUYV/UYVY on AVX2 and AVX-512 CPUs (the portable path reads the interleaved span).
    let packed: PackedYUV?
    let components: [Component]
    /// Per output channel: weights of each component and an offset, in output units (0...1).
    let matrix: [[Float]]
    let offsets: [Float]
    let columnWeight: UnsafeMutablePointer<Float>
    let rowTop: UnsafeMutablePointer<Int32>
    let rowBottom: UnsafeMutablePointer<Int32>
    let rowWeight: UnsafeMutablePointer<Float>
    /// Per component, the current output row resampled horizontally (`outputWidth` floats each).
    let resampled: UnsafeMutablePointer<Float>
    /// Colour map and normalisation folded per output channel `c`:
    /// `out = clamp(sum_j folded[c*3+j] * v_j + foldedOffset[c], 0, 1) * foldedScale[c] + foldedBias[c]`.
    let folded: [Float]
    let foldedOffset: [Float]
    let foldedScale: [Float]
    let foldedBias: [Float]
    /// The source layout the tables describe (RGB24/GREY for a decoded MJPEG frame).
    let sampledFormat: FrameFormat
    /// MJPEG only: decodes each frame into RGB pixels allocated once.
    let jpeg: JPEGFrameDecoder?

    /// - Parameters:
    ///   - format: Frame layout; one of ``PixelFormat/convertible``.
    ///   - region: Part of the frame to use, in frame pixels; nil for the whole frame.
    ///   - outputWidth, outputHeight: Network input size.
    ///   - channels: 1 (gray) or 3 (RGB).
    ///   - normalization: `channels` means and non-zero stds, applied to 0...1 values.
    /// - Throws: ``CaptureError/invalidArgument(source:detail:)`` for an unsupported format,
    ///   a region outside the frame, a bad size or normalisation.
    public init(format: FrameFormat, region: PixelRegion? = nil, outputWidth: Int, outputHeight: Int, channels: Int,
                normalization: NormalizationParameters) throws {
        let name = "frame converter"
        guard format.pixelFormat.isConvertible else {
            throw CaptureError.invalidArgument(source: name, detail: "cannot convert \(format.pixelFormat); supported: "
                + PixelFormat.convertible.map(\.description).joined(separator: ", "))
        }
        let region = region ?? PixelRegion(x: 0, y: 0, width: format.width, height: format.height)
        guard format.width > 0, format.height > 0, region.fits(width: format.width, height: format.height) else {
            throw CaptureError.invalidArgument(source: name, detail: "region \(region) is not inside the \(format.width)x\(format.height) frame")
        }
        guard outputWidth > 0, outputHeight > 0, channels == 1 || channels == 3 else {
            throw CaptureError.invalidArgument(source: name, detail: "output \(outputWidth)x\(outputHeight)x\(channels); expected a positive size and 1 or 3 channels")
        }
        guard normalization.mean.count == channels, normalization.std.count == channels,
              normalization.std.allSatisfy({ $0 != 0 && $0.isFinite }) else {
            throw CaptureError.invalidArgument(source: name, detail: "normalisation mean \(normalization.mean), std \(normalization.std); expected \(channels) finite non-zero stds")
        }
        if let minimum = format.pixelFormat.minimumBytesPerLine(width: format.width), format.bytesPerLine < minimum {
            throw CaptureError.invalidArgument(source: name, detail: "\(format.bytesPerLine) bytes per line for \(format); expected at least \(minimum)")
        }
        self.format = format
        self.region = region
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        self.channels = channels
        self.normalization = normalization
        if format.pixelFormat == .mjpeg {
            jpeg = JPEGFrameDecoder(width: format.width, height: format.height)
            sampledFormat = FrameFormat(pixelFormat: .rgb24, width: format.width, height: format.height)
        } else {
            jpeg = nil
            sampledFormat = format
        }
        let layout = Self.layout(of: sampledFormat, channels: channels)
        matrix = layout.matrix
        offsets = layout.offsets
        columnWeight = .allocate(capacity: outputWidth)
        rowTop = .allocate(capacity: outputHeight)
        rowBottom = .allocate(capacity: outputHeight)
        rowWeight = .allocate(capacity: outputHeight)
        let componentCount = layout.sites.count
        resampled = .allocate(capacity: componentCount * outputWidth)
        resampled.initialize(repeating: 0, count: componentCount * outputWidth)
        var m = [Float](repeating: 0, count: 9), o = [Float](repeating: 0, count: 3)
        var scale = [Float](repeating: 1, count: 3), bias = [Float](repeating: 0, count: 3)
        for c in 0..<channels {
            for j in 0..<componentCount { m[c * 3 + j] = layout.matrix[c][j] }
            o[c] = layout.offsets[c]
            scale[c] = 1 / normalization.std[c]
            bias[c] = -normalization.mean[c] / normalization.std[c]
        }
        folded = m
        foldedOffset = o
        foldedScale = scale
        foldedBias = bias
        // Planes: the byte span of a row that the region's samples of every component on it touch.
        var planes: [Plane] = []
        var components: [Component] = []
        let first = region.x, last = region.x + region.width - 1
        if KernelVariant.avx2.isSupported && (sampledFormat.pixelFormat == .yuyv || sampledFormat.pixelFormat == .uyvy) {
            let pairStart = first >> 1, pairs = (last >> 1) - (first >> 1) + 1
            let rows = [2 * pairs, pairs, pairs].map { count -> UnsafeMutablePointer<Float> in
                let row = UnsafeMutablePointer<Float>.allocate(capacity: count + 32)
                row.initialize(repeating: 0, count: count + 32)
                return row
            }
            // Component j reads row j: Y at pixel index, U and V at pair index, relative to the span.
            var packedComponents: [Component] = []
            for j in 0..<layout.sites.count {
                let left = UnsafeMutablePointer<Int32>.allocate(capacity: outputWidth)
                let right = UnsafeMutablePointer<Int32>.allocate(capacity: outputWidth)
                for x in 0..<outputWidth {
                    let sample = ResizePlan.sourceSample(index: x, source: region.width, destination: outputWidth)
                    let low = region.x + sample.low, high = region.x + sample.high
                    left[x] = Int32(j == 0 ? low - 2 * pairStart : (low >> 1) - pairStart)
                    right[x] = Int32(j == 0 ? high - 2 * pairStart : (high >> 1) - pairStart)
                }
                packedComponents.append(Self.blocked(plane: j, left: left, right: right, outputWidth: outputWidth, region: region))
            }
            packed = PackedYUV(yFirst: sampledFormat.pixelFormat == .yuyv ? 0 : 1, pairStart: pairStart, pairs: pairs, rows: rows,
                               components: packedComponents)
        } else {
            packed = nil
        }
        for site in layout.sites {
            var plane = Plane(offset: site.planeOffset, bytesPerLine: site.bytesPerLine, rowShift: site.rowShift, spanStart: 0, spanLength: 0)
            let sameSites = layout.sites.filter { $0.planeOffset == site.planeOffset }
            plane.spanStart = sameSites.map { $0.byteOffset(first) }.min()!
            plane.spanLength = sameSites.map { $0.byteOffset(last) }.max()! + 1 - plane.spanStart
            if !planes.contains(plane) { planes.append(plane) }
            let left = UnsafeMutablePointer<Int32>.allocate(capacity: outputWidth)
            let right = UnsafeMutablePointer<Int32>.allocate(capacity: outputWidth)
            for x in 0..<outputWidth {
                let sample = ResizePlan.sourceSample(index: x, source: region.width, destination: outputWidth)
                left[x] = Int32(site.byteOffset(region.x + sample.low) - plane.spanStart)
                right[x] = Int32(site.byteOffset(region.x + sample.high) - plane.spanStart)
            }
            components.append(Self.blocked(plane: planes.firstIndex(of: plane)!, left: left, right: right,
                                           outputWidth: outputWidth, region: region))
        }
        self.planes = planes
        // +32 floats: a block's 32-float window may reach past the span; zeros, never used.
        self.planeRows = planes.map {
            let row = UnsafeMutablePointer<Float>.allocate(capacity: $0.spanLength + 32)
            row.initialize(repeating: 0, count: $0.spanLength + 32)
            return row
        }
        self.components = components
        for x in 0..<outputWidth {
            let sample = ResizePlan.sourceSample(index: x, source: region.width, destination: outputWidth)
            columnWeight[x] = sample.low == sample.high ? 0 : sample.weight
        }
        for y in 0..<outputHeight {
            let sample = ResizePlan.sourceSample(index: y, source: region.height, destination: outputHeight)
            rowTop[y] = Int32(region.y + sample.low)
            rowBottom[y] = Int32(region.y + sample.high)
            rowWeight[y] = sample.low == sample.high ? 0 : sample.weight
        }
    }

    deinit {
        for component in components + (packed?.components ?? []) {
            component.left.deallocate(); component.right.deallocate(); component.blocks.deallocate()
            component.blockLeft.deallocate(); component.blockRight.deallocate(); component.blockWeight.deallocate()
        }
        columnWeight.deallocate(); rowTop.deallocate(); rowBottom.deallocate(); rowWeight.deallocate()
        resampled.deallocate()
        for row in planeRows { row.deallocate() }
        for row in packed?.rows ?? [] { row.deallocate() }
    }
}
