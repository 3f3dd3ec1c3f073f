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
/// each an 8-bit sample reachable at a byte offset in a row. Column tables hold, per output
/// column, the byte offsets of the left and right neighbour of every component, so the
/// horizontal pass is the same gather for every format. Two horizontally resized rows per
/// component are kept and blended vertically, then a per-format linear map (BT.601 for
/// YUV) gives gray or RGB in 0...1, clamped, then `(v - mean) / std`.
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

    /// One sampled component: where its rows start and how its columns are found.
    struct Component {
        /// Byte offset of the component's plane (NV12's UV plane follows the Y plane).
        var planeOffset: Int
        var bytesPerLine: Int
        /// Source row r reads plane row `r >> rowShift` (1 for NV12 chroma).
        var rowShift: Int
        /// Per output column: byte offsets in a row of the left and right neighbour sample.
        var left: UnsafeMutablePointer<Int32>
        var right: UnsafeMutablePointer<Int32>
    }

    let components: [Component]
    /// Per output channel: weights of each component and an offset, in output units (0...1).
    let matrix: [[Float]]
    let offsets: [Float]
    let columnWeight: UnsafeMutablePointer<Float>
    let rowTop: UnsafeMutablePointer<Int32>
    let rowBottom: UnsafeMutablePointer<Int32>
    let rowWeight: UnsafeMutablePointer<Float>
    /// Per component, two horizontally resized rows (`outputWidth` floats each).
    let scratchTop: UnsafeMutablePointer<Float>
    let scratchBottom: UnsafeMutablePointer<Float>
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
        scratchTop = .allocate(capacity: componentCount * outputWidth)
        scratchBottom = .allocate(capacity: componentCount * outputWidth)
        scratchTop.initialize(repeating: 0, count: componentCount * outputWidth)
        scratchBottom.initialize(repeating: 0, count: componentCount * outputWidth)
        var components: [Component] = []
        for site in layout.sites {
            let left = UnsafeMutablePointer<Int32>.allocate(capacity: outputWidth)
            let right = UnsafeMutablePointer<Int32>.allocate(capacity: outputWidth)
            for x in 0..<outputWidth {
                let sample = FrameConverter.sourceSample(index: x, source: region.width, destination: outputWidth)
                left[x] = Int32(site.byteOffset(region.x + sample.low))
                right[x] = Int32(site.byteOffset(region.x + sample.high))
            }
            components.append(Component(planeOffset: site.planeOffset, bytesPerLine: site.bytesPerLine, rowShift: site.rowShift,
                                        left: left, right: right))
        }
        self.components = components
        for x in 0..<outputWidth {
            let sample = FrameConverter.sourceSample(index: x, source: region.width, destination: outputWidth)
            columnWeight[x] = sample.low == sample.high ? 0 : sample.weight
        }
        for y in 0..<outputHeight {
            let sample = FrameConverter.sourceSample(index: y, source: region.height, destination: outputHeight)
            rowTop[y] = Int32(region.y + sample.low)
            rowBottom[y] = Int32(region.y + sample.high)
            rowWeight[y] = sample.low == sample.high ? 0 : sample.weight
        }
    }

    deinit {
        for component in components { component.left.deallocate(); component.right.deallocate() }
        columnWeight.deallocate(); rowTop.deallocate(); rowBottom.deallocate(); rowWeight.deallocate()
        scratchTop.deallocate(); scratchBottom.deallocate()
        decoded?.deallocate()
    }

    /// Half-pixel-centre bilinear neighbours along one axis — the rule ``ResizePlan`` documents
    /// (`src = (dst + 0.5) * src/dst - 0.5`, clamped at 0 and at the last pixel).
    @inline(__always)
    static func sourceSample(index: Int, source: Int, destination: Int) -> (low: Int, high: Int, weight: Float) {
        let scale = Double(source) / Double(destination)
        let position = max((Double(index) + 0.5) * scale - 0.5, 0)
        let low = min(Int(position), source - 1)
        let high = min(low + 1, source - 1)
        return (low, high, Float(position - Double(low)))
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
    /// - Parameters:
    ///   - bytes: The frame buffer, laid out as ``format`` (for a camera: the mmap'd buffer itself).
    ///   - destination: At least ``outputCount`` floats.
    /// - Throws: ``CaptureError/badFrame(device:detail:)`` if the buffer is shorter than the
    ///   format needs, or an MJPEG frame does not decode to the expected size.
    public func convert(_ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutablePointer<Float>, capacity: Int) throws {
        let source = try prepare(bytes, capacity: capacity)
        let width = outputWidth, componentCount = components.count
        var top = scratchTop, bottom = scratchBottom
        var cachedTop = -1, cachedBottom = -1
        let vector = ImageKernels.vectorWidth
        let inverseStd = normalization.std.map { 1 / $0 }
        let meanOverStd = (0..<channels).map { normalization.mean[$0] / normalization.std[$0] }
        for y in 0..<outputHeight {
            let wantTop = Int(rowTop[y]), wantBottom = Int(rowBottom[y])
            if wantTop != cachedTop {
                if wantTop == cachedBottom {
                    swap(&top, &bottom)
                    swap(&cachedTop, &cachedBottom)
                } else {
                    resizeRow(source, row: wantTop, into: top)
                    cachedTop = wantTop
                }
            }
            if wantBottom != cachedBottom {
                resizeRow(source, row: wantBottom, into: bottom)
                cachedBottom = wantBottom
            }
            let rowBlend = SIMD16<Float>(repeating: rowWeight[y])
            var x = 0
            while x < width {
                let lanes = min(vector, width - x)
                // Blend the two rows of every component (≤ 3) for 16 columns.
                var blended = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
                for k in 0..<componentCount {
                    let t = load(top + k * width + x, lanes), b = load(bottom + k * width + x, lanes)
                    let value = t.addingProduct(b - t, rowBlend)
                    if k == 0 { blended.0 = value } else if k == 1 { blended.1 = value } else { blended.2 = value }
                }
                for c in 0..<channels {
                    let weights = matrix[c]
                    var value = SIMD16<Float>(repeating: offsets[c]).addingProduct(blended.0, weights[0])
                    if componentCount == 3 {
                        value = value.addingProduct(blended.1, weights[1]).addingProduct(blended.2, weights[2])
                    }
                    value = value.clamped(lowerBound: SIMD16(repeating: 0), upperBound: SIMD16(repeating: 1))
                    value = SIMD16<Float>(repeating: -meanOverStd[c]).addingProduct(value, inverseStd[c])
                    store(value, destination + (c * outputHeight + y) * width + x, lanes)
                }
                x += vector
            }
        }
    }

    /// Horizontal pass of one source row for every component: gather left/right samples by
    /// byte offset, lerp with the column weights, 16 columns at a time.
    @inline(__always)
    private func resizeRow(_ source: UnsafePointer<UInt8>, row: Int, into out: UnsafeMutablePointer<Float>) {
        let width = outputWidth
        for (k, component) in components.enumerated() {
            let line = source + component.planeOffset + (row >> component.rowShift) * component.bytesPerLine
            let left = component.left, right = component.right, output = out + k * width
            var x = 0
            while x + 16 <= width {
                var a = SIMD16<UInt8>(), b = SIMD16<UInt8>()
                for lane in 0..<16 {
                    a[lane] = line[Int(left[x + lane])]
                    b[lane] = line[Int(right[x + lane])]
                }
                let fa = SIMD16<Float>(a), fb = SIMD16<Float>(b)
                let w = UnsafeRawPointer(columnWeight + x).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(output + x).storeBytes(of: fa.addingProduct(fb - fa, w), as: SIMD16<Float>.self)
                x += 16
            }
            while x < width {
                let a = Float(line[Int(left[x])]), b = Float(line[Int(right[x])])
                output[x] = a + (b - a) * columnWeight[x]
                x += 1
            }
        }
    }

    @inline(__always)
    private func load(_ pointer: UnsafePointer<Float>, _ lanes: Int) -> SIMD16<Float> {
        if lanes == 16 { return UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self) }
        var value = SIMD16<Float>()
        for lane in 0..<lanes { value[lane] = pointer[lane] }
        return value
    }

    @inline(__always)
    private func store(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 16 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
        } else {
            for lane in 0..<lanes { pointer[lane] = value[lane] }
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
            let rowSample = FrameConverter.sourceSample(index: y, source: region.height, destination: outputHeight)
            for x in 0..<outputWidth {
                let colSample = FrameConverter.sourceSample(index: x, source: region.width, destination: outputWidth)
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
