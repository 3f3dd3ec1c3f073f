import LoupeTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Small raster helpers shared by the cell and defect painters. Planes are row-major
// `[Float]` of shape (height, width); pixel (x, y) has its centre at (x + 0.5, y + 0.5).

extension SplitMix64 {
    /// True with probability `p`.
    mutating func chance(_ p: Float) -> Bool { uniform() < p }
    /// Uniform integer in `range`.
    mutating func integer(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    /// Uniform on the two intervals ±[low, high).
    mutating func signedUniform(_ low: Float, _ high: Float) -> Float {
        let magnitude = uniform(low, high)
        return chance(0.5) ? magnitude : -magnitude
    }

    /// An independent generator for one purpose (`stream`) of one cell (`index`) of a seeded run.
    /// Streams keep the base cell identical when only its defects change.
    static func stream(seed: UInt64, index: Int, stream: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(bitPattern: Int64(index)) &* 0xD1B5_4A32_D192_ED03)
            ^ (stream &* 0xA24B_AED4_963E_E407))
        _ = mixer.next()
        return SplitMix64(seed: mixer.next())
    }
}

@inline(__always) func clamp01(_ v: Float) -> Float { min(max(v, 0), 1) }

@inline(__always) func smoothstep(_ edge0: Float, _ edge1: Float, _ x: Float) -> Float {
    let t = clamp01((x - edge0) / (edge1 - edge0))
    return t * t * (3 - 2 * t)
}

/// Smooth random field in [0, 1]: random values on a (cells + 1)² lattice, smoothstep-interpolated.
struct ValueNoise {
    let cells: Int
    let lattice: [Float]
    /// Lattice cells per unit of the sample coordinate, so `sample(x / span, ...)` spans `cells` wiggles.
    init(cells: Int, rng: inout SplitMix64) {
        self.cells = cells
        lattice = (0..<((cells + 1) * (cells + 1))).map { _ in rng.uniform() }
    }

    /// Field value at (u, v) in [0, 1]² (clamped outside).
    @inline(__always) func sample(_ u: Float, _ v: Float) -> Float {
        let x = min(max(u, 0), 0.99999) * Float(cells), y = min(max(v, 0), 0.99999) * Float(cells)
        let ix = Int(x), iy = Int(y)
        var fx = x - Float(ix), fy = y - Float(iy)
        fx = fx * fx * (3 - 2 * fx)
        fy = fy * fy * (3 - 2 * fy)
        let row = cells + 1
        let a = lattice[iy * row + ix], b = lattice[iy * row + ix + 1]
        let c = lattice[(iy + 1) * row + ix], d = lattice[(iy + 1) * row + ix + 1]
        let top = a + (b - a) * fx, bottom = c + (d - c) * fx
        return top + (bottom - top) * fy
    }
}

/// Distance from `p` to the segment `a`–`b`.
@inline(__always) func distanceToSegment(_ p: SIMD2<Float>, _ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
    let ab = b - a, ap = p - a
    let lengthSquared = (ab * ab).sum()
    let t = lengthSquared > 0 ? clamp01((ap * ab).sum() / lengthSquared) : 0
    let d = ap - t * ab
    return (d * d).sum().squareRoot()
}

/// Even-odd point-in-polygon test.
func polygonContains(_ polygon: [SIMD2<Float>], _ p: SIMD2<Float>) -> Bool {
    var inside = false
    var j = polygon.count - 1
    for i in 0..<polygon.count {
        let a = polygon[i], b = polygon[j]
        if (a.y > p.y) != (b.y > p.y), p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
        j = i
    }
    return inside
}

/// Separable box blur of radius `rx` along x and `ry` along y, edges clamped. `plane` is (height, width).
func boxBlur(_ plane: inout [Float], width: Int, height: Int, rx: Int, ry: Int) {
    var scratch = [Float](repeating: 0, count: plane.count)
    if rx > 0 {
        let norm = 1 / Float(2 * rx + 1)
        for y in 0..<height {
            let row = y * width
            for x in 0..<width {
                var sum: Float = 0
                for k in -rx...rx { sum += plane[row + min(max(x + k, 0), width - 1)] }
                scratch[row + x] = sum * norm
            }
        }
        swap(&plane, &scratch)
    }
    if ry > 0 {
        let norm = 1 / Float(2 * ry + 1)
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for k in -ry...ry { sum += plane[min(max(y + k, 0), height - 1) * width + x] }
                scratch[y * width + x] = sum * norm
            }
        }
        swap(&plane, &scratch)
    }
}

/// Integer bounding box accumulator over pixels.
struct PixelBounds {
    var minX = Int.max, minY = Int.max, maxX = Int.min, maxY = Int.min
    var isEmpty: Bool { minX > maxX }
    mutating func add(_ x: Int, _ y: Int) {
        minX = min(minX, x); maxX = max(maxX, x)
        minY = min(minY, y); maxY = max(maxY, y)
    }
    mutating func add(_ other: PixelBounds) {
        guard !other.isEmpty else { return }
        add(other.minX, other.minY)
        add(other.maxX, other.maxY)
    }
}
