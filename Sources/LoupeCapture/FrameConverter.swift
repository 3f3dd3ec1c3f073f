import CCaptureKernels
import CImageCodecs
import LoupeImaging

/// Turns raw frame buffers into network input — region of interest, bilinear resize,
/// colour conversion, normalisation — in one pass that reads the frame buffer in place
/// (the driver's mmap'd memory for a camera): no copy of the frame is made.
///
/// Built once per (frame format, region, output size) and reused every frame: all tables
/// and scratch rows are allocated here, so ``convert(_:into:capacity:)`` never allocates
/// (except MJPEG, which decodes into a buffer also allocated once).
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

    /// One plane of the frame (NV12 has two) and the byte span of a row the region covers.
    struct Plane: Equatable {
        /// Byte offset of the plane (NV12's UV plane follows the Y plane).
        var offset: Int
        var bytesPerLine: Int
        /// Source row r reads plane row `r >> rowShift` (1 for NV12 chroma).
        var rowShift: Int
        /// Bytes of a row the region's columns touch: `spanStart ..< spanStart + spanLength`.
        var spanStart: Int
        var spanLength: Int
    }

    /// One sampled component: its plane, and per output column the index of the left and
    /// right neighbour sample within the plane's vertically blended span.
    struct Component {
        var plane: Int
        var left: UnsafeMutablePointer<Int32>
        var right: UnsafeMutablePointer<Int32>
        /// The same columns cut into blocks whose samples fit a 32-float window, for the
        /// AVX-512 permute kernel: per block 16 lanes of window-local left/right indices and weights.
        var blocks: UnsafeMutablePointer<loupe_resample_block>
        var blockCount: Int
        var blockLeft: UnsafeMutablePointer<Int32>
        var blockRight: UnsafeMutablePointer<Int32>
        var blockWeight: UnsafeMutablePointer<Float>
    }

    /// True when the CPU has AVX-512F: the horizontal pass then runs the permute kernel of
    /// `CCaptureKernels`; otherwise (or when a test turns it off) the portable Swift loops.
    public static let cpuHasAVX512 = loupe_capture_has_avx512() != 0
    /// Use the AVX-512 kernels (default: when the CPU has them). Tests and the benchmark turn
    /// it off to check and measure the portable path; it cannot be turned on without AVX-512.
    public var useAVX512 = FrameConverter.cpuHasAVX512 {
        didSet { precondition(!useAVX512 || Self.cpuHasAVX512, "FrameConverter: this CPU has no AVX-512") }
    }

    let planes: [Plane]
    /// Per plane: one vertically blended span (`spanLength` floats).
    let planeRows: [UnsafeMutablePointer<Float>]

    /// Packed 4:2:2 (YUYV, UYVY): the vertical blend also de-interleaves into Y, U, V rows, so
    /// each component is resampled at stride 1 (wider permute blocks than stride 2 and 4).
    struct PackedYUV {
        /// 0 for YUYV, 1 for UYVY: byte of Y0 within a 4-byte pair.
        var yFirst: Int
        /// First pair the region touches, and how many.
        var pairStart: Int
        var pairs: Int
        /// Y (2 * pairs floats), U and V (pairs floats each), +32 floats of window padding.
        var rows: [UnsafeMutablePointer<Float>]
        /// Component j reads `rows[j]`.
        var components: [Component]
    }
    /// Set for YUYV/UYVY on AVX-512 CPUs (the portable path reads the interleaved span).
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
    /// MJPEG only: decoded pixels (`width * height * 3` bytes).
    let decoded: UnsafeMutableRawBufferPointer?

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
            decoded = .allocate(byteCount: format.width * format.height * 3, alignment: 64)
            sampledFormat = FrameFormat(pixelFormat: .rgb24, width: format.width, height: format.height)
        } else {
            decoded = nil
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
        if FrameConverter.cpuHasAVX512 && (sampledFormat.pixelFormat == .yuyv || sampledFormat.pixelFormat == .uyvy) {
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
        decoded?.deallocate()
    }

    /// Cuts a component's columns into blocks of at most 16 whose left and right samples lie
    /// in one 32-float window (`right - base < 32`); the tables are monotonic, so greedy works.
    static func blocked(plane: Int, left: UnsafeMutablePointer<Int32>, right: UnsafeMutablePointer<Int32>,
                        outputWidth: Int, region: PixelRegion) -> Component {
        var blocks: [loupe_resample_block] = []
        var lanesLeft: [Int32] = [], lanesRight: [Int32] = [], lanesWeight: [Float] = []
        var x = 0
        while x < outputWidth {
            let base = left[x]
            var count = 0
            while count < 16 && x + count < outputWidth && right[x + count] - base < 32 && left[x + count] >= base { count += 1 }
            precondition(count > 0, "FrameConverter: column tables not monotonic")
            blocks.append(loupe_resample_block(base: base, count: Int32(count)))
            for lane in 0..<16 {
                let inBlock = lane < count
                lanesLeft.append(inBlock ? left[x + lane] - base : 0)
                lanesRight.append(inBlock ? right[x + lane] - base : 0)
                let sample = inBlock ? ResizePlan.sourceSample(index: x + lane, source: region.width, destination: outputWidth) : (low: 0, high: 0, weight: Float(0))
                lanesWeight.append(inBlock && sample.low != sample.high ? sample.weight : 0)
            }
            x += count
        }
        func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: values.count)
            pointer.initialize(from: values, count: values.count)
            return pointer
        }
        return Component(plane: plane, left: left, right: right, blocks: copy(blocks), blockCount: blocks.count,
                         blockLeft: copy(lanesLeft), blockRight: copy(lanesRight), blockWeight: copy(lanesWeight))
    }

    // MARK: Format descriptions

    /// Where one component's samples are: byte offset of pixel column `x` in a row is
    /// `(x >> columnShift) * columnStride + columnOffset`.
    struct Site {
        var planeOffset = 0
        var bytesPerLine: Int
        var rowShift = 0
        var columnShift = 0
        var columnStride: Int
        var columnOffset: Int
        func byteOffset(_ x: Int) -> Int { (x >> columnShift) * columnStride + columnOffset }
    }

    /// BT.601 limited range (what V4L2 YUV formats carry by default), in 0...1 output units.
    static let yScale: Float = 255 / 219 / 255
    static let uvScale: Float = 255 / 224 / 255

    static func layout(of format: FrameFormat, channels: Int) -> (sites: [Site], matrix: [[Float]], offsets: [Float]) {
        let line = format.bytesPerLine
        let ys = yScale, cs = uvScale
        // Y, U, V (each 0...255) → R, G, B in 0...1.
        let yuvToRGB: [[Float]] = [[ys, 0, 1.402 * cs], [ys, -0.344136 * cs, -0.714136 * cs], [ys, 1.772 * cs, 0]]
        let yuvOffsets: [Float] = (0..<3).map { row in -16 * yuvToRGB[row][0] - 128 * yuvToRGB[row][1] - 128 * yuvToRGB[row][2] }
        func yuv(_ y: Site, _ u: Site, _ v: Site) -> ([Site], [[Float]], [Float]) {
            channels == 1 ? ([y], [[ys]], [-16 * ys]) : ([y, u, v], yuvToRGB, yuvOffsets)
        }
        switch format.pixelFormat {
        case .grey:
            let site = Site(bytesPerLine: line, columnStride: 1, columnOffset: 0)
            return ([site], Array(repeating: [1 / 255], count: channels), Array(repeating: 0, count: channels))
        case .yuyv:
            return yuv(Site(bytesPerLine: line, columnStride: 2, columnOffset: 0),
                       Site(bytesPerLine: line, columnShift: 1, columnStride: 4, columnOffset: 1),
                       Site(bytesPerLine: line, columnShift: 1, columnStride: 4, columnOffset: 3))
        case .uyvy:
            return yuv(Site(bytesPerLine: line, columnStride: 2, columnOffset: 1),
                       Site(bytesPerLine: line, columnShift: 1, columnStride: 4, columnOffset: 0),
                       Site(bytesPerLine: line, columnShift: 1, columnStride: 4, columnOffset: 2))
        case .nv12:
            let chroma = line * format.height
            return yuv(Site(bytesPerLine: line, columnStride: 1, columnOffset: 0),
                       Site(planeOffset: chroma, bytesPerLine: line, rowShift: 1, columnShift: 1, columnStride: 2, columnOffset: 0),
                       Site(planeOffset: chroma, bytesPerLine: line, rowShift: 1, columnShift: 1, columnStride: 2, columnOffset: 1))
        default:  // RGB24 (and decoded MJPEG)
            let sites = (0..<3).map { Site(bytesPerLine: line, columnStride: 3, columnOffset: $0) }
            if channels == 1 {
                let w = ImageKernels.lumaWeights
                return (sites, [[w.red / 255, w.green / 255, w.blue / 255]], [0])
            }
            return (sites, [[1 / 255, 0, 0], [0, 1 / 255, 0], [0, 0, 1 / 255]], [0, 0, 0])
        }
    }

    // MARK: Conversion

    /// Converts one frame into `(channels, outputHeight, outputWidth)` normalised floats (SIMD path).
    ///
    /// Per output row: (1) vertical lerp of the two source rows over the region's byte span,
    /// contiguous 16-byte loads widened to floats — no gathers; (2) per component, the
    /// horizontal lerp, gathering by the column tables from that float row; (3) colour map,
    /// clamp to 0...1 and `(v - mean) / std`, 16 lanes at a time, into the output planes.
    ///
    /// - Parameters:
    ///   - bytes: The frame buffer, laid out as ``format`` (for a camera: the mmap'd buffer itself).
    ///   - destination: At least ``outputCount`` floats.
    /// - Throws: ``CaptureError/badFrame(device:detail:)`` if the buffer is shorter than the
    ///   format needs, or an MJPEG frame does not decode to the expected size.
    public func convert(_ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutablePointer<Float>, capacity: Int) throws {
        let source = try prepare(bytes, capacity: capacity)
        let width = outputWidth, planeSize = outputWidth * outputHeight
        let k = components.count
        let m = folded, o = foldedOffset, s = foldedScale, b = foldedBias
        let horizontal = resampled
        // YUYV/UYVY on AVX-512: de-interleaved rows and their tables; otherwise the plane spans.
        let usePacked = useAVX512 && packed != nil
        let components = usePacked ? packed!.components : self.components
        let componentRows = usePacked ? packed!.rows : planeRows
        for y in 0..<outputHeight {
            let wy = rowWeight[y]
            for (index, plane) in planes.enumerated() {
                let top = source + plane.offset + (Int(rowTop[y]) >> plane.rowShift) * plane.bytesPerLine + plane.spanStart
                let bottom = source + plane.offset + (Int(rowBottom[y]) >> plane.rowShift) * plane.bytesPerLine + plane.spanStart
                if usePacked, let packed {
                    let rows = packed.rows, chroma = k == 3
                    let done = Int(loupe_lerp_packed_yuv_avx512(top + packed.pairStart * 4 - plane.spanStart,
                                                                bottom + packed.pairStart * 4 - plane.spanStart, wy,
                                                                Int32(packed.pairs), Int32(packed.yFirst), rows[0],
                                                                chroma ? rows[1] : nil, chroma ? rows[2] : nil))
                    Self.lerpPackedYUV(top + packed.pairStart * 4 - plane.spanStart, bottom + packed.pairStart * 4 - plane.spanStart,
                                       weight: wy, pairs: done..<packed.pairs, yFirst: packed.yFirst, chroma: chroma,
                                       y: rows[0], u: rows[1], v: rows[2])
                } else {
                    Self.lerpRows(top, bottom, weight: wy, into: planeRows[index], count: plane.spanLength)
                }
            }
            let row = destination + y * width
            if useAVX512 {
                // Resample straight into the output planes (gray), or into scratch then colour-map.
                if k == 1 {
                    let component = components[0]
                    for c in 0..<channels {
                        loupe_resample_row_avx512(componentRows[component.plane], component.blocks, Int32(component.blockCount),
                                                  component.blockLeft, component.blockRight, component.blockWeight,
                                                  row + c * planeSize, 1, m[c * 3], o[c], s[c], b[c])
                    }
                    continue
                }
                for (j, component) in components.enumerated() {
                    loupe_resample_row_avx512(componentRows[component.plane], component.blocks, Int32(component.blockCount),
                                              component.blockLeft, component.blockRight, component.blockWeight,
                                              horizontal + j * width, 0, 1, 0, 1, 0)
                }
            } else {
                for (j, component) in components.enumerated() {
                    Self.resampleRow(componentRows[component.plane], left: component.left, right: component.right,
                                     weights: columnWeight, into: horizontal + j * width, count: width)
                }
            }
            if k == 1 {
                for c in 0..<channels {
                    Self.mapGray(horizontal, into: row + c * planeSize, count: width, m: m[c * 3], o: o[c], s: s[c], b: b[c])
                }
            } else if channels == 3 && useAVX512 {
                loupe_map_colour3_avx512(horizontal, horizontal + width, horizontal + 2 * width, row, Int64(planeSize), Int32(width),
                                         m, o, s, b)
            } else if channels == 3 {
                Self.mapColour3(horizontal, horizontal + width, horizontal + 2 * width, into: row, planeSize: planeSize,
                                count: width, m: m, o: o, s: s, b: b)
            } else {
                Self.mapColour(horizontal, horizontal + width, horizontal + 2 * width, into: row, count: width,
                               m0: m[0], m1: m[1], m2: m[2], o: o[0], s: s[0], b: b[0])
            }
        }
    }

    /// `out[i] = top[i] + (bottom[i] - top[i]) * weight` over bytes widened to floats.
    /// Written as a plain loop: LLVM vectorises it (byte widen, convert, FMA) for the target CPU.
    @inline(__always)
    static func lerpRows(_ top: UnsafePointer<UInt8>, _ bottom: UnsafePointer<UInt8>, weight: Float,
                         into out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let t = Float(top[i])
            out[i] = t + (Float(bottom[i]) - t) * weight
        }
    }

    /// Vertical lerp of packed 4:2:2 pairs `pairs`, de-interleaved into Y, U, V rows (Y only
    /// when `chroma` is false). One loop per component with a constant stride, so LLVM can
    /// vectorise each.
    @inline(__always)
    static func lerpPackedYUV(_ top: UnsafePointer<UInt8>, _ bottom: UnsafePointer<UInt8>, weight: Float, pairs: Range<Int>,
                              yFirst: Int, chroma: Bool, y: UnsafeMutablePointer<Float>, u: UnsafeMutablePointer<Float>,
                              v: UnsafeMutablePointer<Float>) {
        let lumaTop = top + yFirst, lumaBottom = bottom + yFirst
        for i in (2 * pairs.lowerBound)..<(2 * pairs.upperBound) {
            let t = Float(lumaTop[2 * i])
            y[i] = t + (Float(lumaBottom[2 * i]) - t) * weight
        }
        guard chroma else { return }
        let uTop = top + 1 - yFirst, uBottom = bottom + 1 - yFirst, vTop = top + 3 - yFirst, vBottom = bottom + 3 - yFirst
        for p in pairs {
            let t = Float(uTop[4 * p])
            u[p] = t + (Float(uBottom[4 * p]) - t) * weight
        }
        for p in pairs {
            let t = Float(vTop[4 * p])
            v[p] = t + (Float(vBottom[4 * p]) - t) * weight
        }
    }

    /// `out[x] = row[left[x]] + (row[right[x]] - row[left[x]]) * weights[x]`.
    @inline(__always)
    static func resampleRow(_ row: UnsafePointer<Float>, left: UnsafePointer<Int32>, right: UnsafePointer<Int32>,
                            weights: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        for x in 0..<count {
            let a = row[Int(left[x])]
            out[x] = a + (row[Int(right[x])] - a) * weights[x]
        }
    }

    /// `out = clamp(v * m + o, 0, 1) * s + b`.
    @inline(__always)
    static func mapGray(_ v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int, m: Float, o: Float, s: Float, b: Float) {
        for x in 0..<count {
            let value = v[x] * m + o
            out[x] = b + (value < 0 ? 0 : value > 1 ? 1 : value) * s
        }
    }

    /// `out = clamp(v0 * m0 + v1 * m1 + v2 * m2 + o, 0, 1) * s + b`.
    @inline(__always)
    static func mapColour(_ v0: UnsafePointer<Float>, _ v1: UnsafePointer<Float>, _ v2: UnsafePointer<Float>,
                          into out: UnsafeMutablePointer<Float>, count: Int, m0: Float, m1: Float, m2: Float, o: Float, s: Float, b: Float) {
        for x in 0..<count {
            let value = v0[x] * m0 + v1[x] * m1 + v2[x] * m2 + o
            out[x] = b + (value < 0 ? 0 : value > 1 ? 1 : value) * s
        }
    }

    /// Three output planes from three components in one pass (each component read once):
    /// `out_c = clamp(sum_j v_j * m[3c+j] + o[c], 0, 1) * s[c] + b[c]`.
    @inline(__always)
    static func mapColour3(_ v0: UnsafePointer<Float>, _ v1: UnsafePointer<Float>, _ v2: UnsafePointer<Float>,
                           into out: UnsafeMutablePointer<Float>, planeSize: Int, count: Int,
                           m: [Float], o: [Float], s: [Float], b: [Float]) {
        let m00 = m[0], m01 = m[1], m02 = m[2], m10 = m[3], m11 = m[4], m12 = m[5], m20 = m[6], m21 = m[7], m22 = m[8]
        let o0 = o[0], o1 = o[1], o2 = o[2], s0 = s[0], s1 = s[1], s2 = s[2], b0 = b[0], b1 = b[1], b2 = b[2]
        let out0 = out, out1 = out + planeSize, out2 = out + 2 * planeSize
        for x in 0..<count {
            let y = v0[x], u = v1[x], v = v2[x]
            let r = y * m00 + u * m01 + v * m02 + o0
            let g = y * m10 + u * m11 + v * m12 + o1
            let bl = y * m20 + u * m21 + v * m22 + o2
            out0[x] = b0 + (r < 0 ? 0 : r > 1 ? 1 : r) * s0
            out1[x] = b1 + (g < 0 ? 0 : g > 1 ? 1 : g) * s1
            out2[x] = b2 + (bl < 0 ? 0 : bl > 1 ? 1 : bl) * s2
        }
    }

    /// Checks the buffer size, decodes MJPEG, and returns the bytes the tables address.
    private func prepare(_ bytes: UnsafeRawBufferPointer, capacity: Int) throws -> UnsafePointer<UInt8> {
        precondition(capacity >= outputCount, "FrameConverter: destination holds \(capacity) floats, needs \(outputCount)")
        if let decoded {
            var info = loupe_image_info()
            var message = [CChar](repeating: 0, count: 256)
            let base = bytes.bindMemory(to: UInt8.self).baseAddress
            var status = loupe_jpeg_decode(base, bytes.count, UInt64(format.width * format.height), &info, nil, 0, &message, 256)
            guard status == 0, info.width == format.width, info.height == format.height, info.channels == 3 else {
                throw CaptureError.badFrame(device: "MJPEG frame", detail: status != 0 ? cText(message)
                    : "decodes to \(info.width)x\(info.height)x\(info.channels), expected \(format.width)x\(format.height)x3")
            }
            status = loupe_jpeg_decode(base, bytes.count, UInt64(format.width * format.height), &info,
                                       decoded.bindMemory(to: UInt8.self).baseAddress, decoded.count, &message, 256)
            guard status == 0 else { throw CaptureError.badFrame(device: "MJPEG frame", detail: cText(message)) }
            return UnsafePointer(decoded.bindMemory(to: UInt8.self).baseAddress!)
        }
        let needed = format.pixelFormat.minimumImageSize(bytesPerLine: format.bytesPerLine, height: format.height) ?? 0
        guard bytes.count >= needed, let base = bytes.baseAddress else {
            throw CaptureError.badFrame(device: "frame", detail: "\(bytes.count) bytes, expected \(needed) for \(format)")
        }
        return base.assumingMemoryBound(to: UInt8.self)
    }

    /// Scalar reference twin of ``convert(_:into:capacity:)``: per output pixel, the four
    /// neighbours' components read with a per-format formula written out here (not the
    /// tables), blended, converted, clamped and normalised — the oracle in tests.
    public func convertReference(_ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutablePointer<Float>, capacity: Int) throws {
        let source = try prepare(bytes, capacity: capacity)
        let f = sampledFormat, line = f.bytesPerLine
        func components(_ x: Int, _ y: Int) -> [Float] {
            let row = source + y * line
            switch f.pixelFormat {
            case .grey: return [Float(row[x])]
            case .yuyv: let pair = row + (x / 2) * 4; return [Float(row[2 * x]), Float(pair[1]), Float(pair[3])]
            case .uyvy: let pair = row + (x / 2) * 4; return [Float(row[2 * x + 1]), Float(pair[0]), Float(pair[2])]
            case .nv12:
                let uv = source + line * f.height + (y / 2) * line + (x / 2) * 2
                return [Float(row[x]), Float(uv[0]), Float(uv[1])]
            default: return [Float(row[3 * x]), Float(row[3 * x + 1]), Float(row[3 * x + 2])]
            }
        }
        let isYUV = [PixelFormat.yuyv, .uyvy, .nv12].contains(f.pixelFormat)
        for y in 0..<outputHeight {
            let rowSample = ResizePlan.sourceSample(index: y, source: region.height, destination: outputHeight)
            for x in 0..<outputWidth {
                let colSample = ResizePlan.sourceSample(index: x, source: region.width, destination: outputWidth)
                let x0 = region.x + colSample.low, x1 = region.x + colSample.high
                let y0 = region.y + rowSample.low, y1 = region.y + rowSample.high
                let wx = x0 == x1 ? 0 : colSample.weight, wy = y0 == y1 ? 0 : rowSample.weight
                let a = components(x0, y0), b = components(x1, y0), c = components(x0, y1), d = components(x1, y1)
                var v = [Float]()
                for k in 0..<a.count {
                    let topValue = a[k] + (b[k] - a[k]) * wx, bottomValue = c[k] + (d[k] - c[k]) * wx
                    v.append(topValue + (bottomValue - topValue) * wy)
                }
                var out: [Float]
                if f.pixelFormat == .grey {
                    out = Array(repeating: v[0] / 255, count: channels)
                } else if isYUV {
                    let luma = (v[0] - 16) * 255 / 219 / 255, u = (v[1] - 128) * 255 / 224 / 255, vv = (v[2] - 128) * 255 / 224 / 255
                    out = channels == 1 ? [luma] : [luma + 1.402 * vv, luma - 0.344136 * u - 0.714136 * vv, luma + 1.772 * u]
                } else {
                    let w = ImageKernels.lumaWeights
                    out = channels == 1 ? [(w.red * v[0] + w.green * v[1] + w.blue * v[2]) / 255] : [v[0] / 255, v[1] / 255, v[2] / 255]
                }
                for ch in 0..<channels {
                    let clamped = min(max(out[ch], 0), 1)
                    destination[(ch * outputHeight + y) * outputWidth + x] = (clamped - normalization.mean[ch]) / normalization.std[ch]
                }
            }
        }
    }
}

func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
