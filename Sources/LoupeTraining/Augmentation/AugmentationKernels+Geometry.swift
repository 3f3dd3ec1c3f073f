/// Pixel kernels of ``Augmenter``: SIMD16 paths with a scalar tail, each beside a plain scalar
/// `...Reference` twin kept as the test oracle. Images are `planes` row-major planes of
/// `(height, width)` Floats, i.e. `(C, H, W)`. Kernels only assert; ``Augmenter`` validates sizes.
public enum AugmentationKernels {}

// MARK: - Geometry (source → destination, which must not overlap; the twins agree bit for bit)

extension AugmentationKernels {
    typealias V = SIMD16<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
    /// Lane order reversed (one `vpermps`).
    @inline(__always) static func reversed(_ v: V) -> V {
        V(v[15], v[14], v[13], v[12], v[11], v[10], v[9], v[8], v[7], v[6], v[5], v[4], v[3], v[2], v[1], v[0])
    }

    /// Mirror left–right: `dst[c][y][x] = src[c][y][W−1−x]`. Vector loads from the row's start,
    /// stored lane-reversed at its end.
    /// - Parameters: source, destination: `(planes, height, width)`.
    public static func flipHorizontal(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                      planes: Int, height: Int, width: Int) {
        reverseRows(source, into: destination, rows: planes * height, width: width)
    }

    /// Each of `rows` rows of `width` written reversed.
    static func reverseRows(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            let src = source + r * width, dst = destination + r * width
            var x = 0
            while x + 16 <= width {
                store(reversed(load(src + x)), dst + width - 16 - x)
                x += 16
            }
            while x < width {
                dst[width - 1 - x] = src[x]
                x += 1
            }
        }
    }

    public static func flipHorizontalReference(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                               planes: Int, height: Int, width: Int) {
        for c in 0..<planes { for y in 0..<height { for x in 0..<width {
            destination[(c * height + y) * width + x] = source[(c * height + y) * width + width - 1 - x]
        } } }
    }

    /// Mirror top–bottom: `dst[c][y][x] = src[c][H−1−y][x]`, as whole-row copies.
    public static func flipVertical(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                    planes: Int, height: Int, width: Int) {
        for c in 0..<planes {
            let plane = c * height * width
            for y in 0..<height {
                (destination + plane + y * width).update(from: source + plane + (height - 1 - y) * width, count: width)
            }
        }
    }

    public static func flipVerticalReference(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                             planes: Int, height: Int, width: Int) {
        for c in 0..<planes { for y in 0..<height { for x in 0..<width {
            destination[(c * height + y) * width + x] = source[(c * height + height - 1 - y) * width + x]
        } } }
    }

    /// Transpose with optional mirroring, the kernel behind odd quarter turns:
    /// `dst[c][i][j] = src[c][ρ(j)][σ(i)]`, destination `(planes, width, height)`, with
    /// ρ(j) = H−1−j if `reverseRows` else j and σ(i) = W−1−i if `reverseColumns` else i.
    /// (Transpose: both false; a quarter turn counter-clockwise: `reverseColumns`; clockwise:
    /// `reverseRows`. Flipping the input first toggles the matching flag, which is how
    /// ``AugmentationDraw`` folds flips and a rotation into one pass.)
    ///
    /// Blocked by 16 output rows: each input row contributes one 16-lane vector load (lane-reversed
    /// when mirroring columns) whose lanes go to the same column of 16 output rows, so the 16
    /// output rows being filled stay in L1 while the input streams through once.
    public static func transpose(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                 planes: Int, height: Int, width: Int, reverseRows: Bool, reverseColumns: Bool) {
        let h = height, w = width
        for c in 0..<planes {
            let src = source + c * h * w, dst = destination + c * h * w
            var i0 = 0
            while i0 + 16 <= w {
                // Input columns σ(i0 ..< i0+16) are contiguous: [i0, i0+16) or [W−16−i0, W−i0) reversed.
                let column = reverseColumns ? w - 16 - i0 : i0
                for j in 0..<h {
                    let row = reverseRows ? h - 1 - j : j
                    var v = load(src + row * w + column)
                    if reverseColumns { v = reversed(v) }
                    let out = dst + i0 * h + j
                    for lane in 0..<16 { out[lane * h] = v[lane] }
                }
                i0 += 16
            }
            for i in i0..<w {  // last width % 16 output rows
                let column = reverseColumns ? w - 1 - i : i
                for j in 0..<h { dst[i * h + j] = src[(reverseRows ? h - 1 - j : j) * w + column] }
            }
        }
    }

    public static func transposeReference(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                          planes: Int, height: Int, width: Int, reverseRows: Bool, reverseColumns: Bool) {
        for c in 0..<planes { for i in 0..<width { for j in 0..<height {
            let y = reverseRows ? height - 1 - j : j, x = reverseColumns ? width - 1 - i : i
            destination[(c * width + i) * height + j] = source[(c * height + y) * width + x]
        } } }
    }

    /// Rotate each plane by `quarterTurns` × 90° counter-clockwise (numpy's `rot90(m, k)`):
    /// for k = 1, `dst[c][i][j] = src[c][j][W−1−i]`. Destination is `(planes, width, height)` for odd k.
    /// Half turns reverse each plane as one long row.
    public static func rotate90(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                planes: Int, height: Int, width: Int, quarterTurns: Int) {
        switch quarterTurns & 3 {
        case 0: destination.update(from: source, count: planes * height * width)
        case 1: transpose(source, into: destination, planes: planes, height: height, width: width, reverseRows: false, reverseColumns: true)
        case 2: reverseRows(source, into: destination, rows: planes, width: height * width)
        default: transpose(source, into: destination, planes: planes, height: height, width: width, reverseRows: true, reverseColumns: false)
        }
    }

    /// The twin: each quarter turn's index formula written out.
    public static func rotate90Reference(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                         planes: Int, height: Int, width: Int, quarterTurns: Int) {
        let k = quarterTurns & 3
        let (oh, ow) = k & 1 == 1 ? (width, height) : (height, width)
        for c in 0..<planes { for i in 0..<oh { for j in 0..<ow {
            let (y, x): (Int, Int)
            switch k {
            case 0: (y, x) = (i, j)
            case 1: (y, x) = (j, width - 1 - i)
            case 2: (y, x) = (height - 1 - i, width - 1 - j)
            default: (y, x) = (height - 1 - j, i)
            }
            destination[(c * oh + i) * ow + j] = source[(c * height + y) * width + x]
        } } }
    }

    /// Orientation from ``AugmentationDraw/orientation``, in one pass (a copy when it is the identity).
    /// Also the 8 views of test-time averaging (`loupe label --find-errors`).
    public static func orient(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                       planes: Int, height: Int, width: Int, transposed: Bool, reverseRows rr: Bool, reverseColumns rc: Bool) {
        if transposed {
            transpose(source, into: destination, planes: planes, height: height, width: width, reverseRows: rr, reverseColumns: rc)
        } else if rr && rc {
            reverseRows(source, into: destination, rows: planes, width: height * width)
        } else if rr {
            flipVertical(source, into: destination, planes: planes, height: height, width: width)
        } else if rc {
            flipHorizontal(source, into: destination, planes: planes, height: height, width: width)
        } else {
            destination.update(from: source, count: planes * height * width)
        }
    }

    /// Translate: `dst[c][y][x] = src[c][y − dy][x − dx]`; outside the source, the nearest edge
    /// pixel (``AugmentationConfig/ShiftFill/replicateEdge``) or the constant. Row copies plus
    /// broadcast fills at the row ends.
    public static func shift(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                             planes: Int, height: Int, width: Int, dx: Int, dy: Int, fill: AugmentationConfig.ShiftFill) {
        let w = width
        // Output columns [lo, hi) read source columns [lo − dx, hi − dx); the rest is fill.
        let lo = min(max(dx, 0), w), hi = max(min(w + dx, w), lo)
        for c in 0..<planes {
            for y in 0..<height {
                let dst = destination + (c * height + y) * w
                var sy = y - dy
                if sy < 0 || sy >= height {
                    guard case .replicateEdge = fill else {
                        if case let .constant(value) = fill { dst.update(repeating: value, count: w) }
                        continue
                    }
                    sy = min(max(sy, 0), height - 1)
                }
                let src = source + (c * height + sy) * w
                let (left, right): (Float, Float)
                switch fill {
                case .replicateEdge: (left, right) = (src[0], src[w - 1])
                case let .constant(value): (left, right) = (value, value)
                }
                dst.update(repeating: left, count: lo)
                (dst + lo).update(from: src + lo - dx, count: hi - lo)
                (dst + hi).update(repeating: right, count: w - hi)
            }
        }
    }

    public static func shiftReference(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                      planes: Int, height: Int, width: Int, dx: Int, dy: Int, fill: AugmentationConfig.ShiftFill) {
        for c in 0..<planes { for y in 0..<height { for x in 0..<width {
            var sy = y - dy, sx = x - dx
            let value: Float
            switch fill {
            case .replicateEdge:
                sy = min(max(sy, 0), height - 1)
                sx = min(max(sx, 0), width - 1)
                value = source[(c * height + sy) * width + sx]
            case let .constant(constant):
                let inside = sy >= 0 && sy < height && sx >= 0 && sx < width
                value = inside ? source[(c * height + sy) * width + sx] : constant
            }
            destination[(c * height + y) * width + x] = value
        } } }
    }
}
