import CCaptureKernels
import LoupeImaging

// The sampling plan: which bytes of a frame each output pixel reads, worked out once per
// (format, region, output size) in `FrameConverter.init` and walked by the kernels.
extension FrameConverter {
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
}
