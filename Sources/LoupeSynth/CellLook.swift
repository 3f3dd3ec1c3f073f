import LoupeTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every random choice that shapes one defect-free cell and its photo, drawn once per (seed, index).
///
/// The cell is painted axis-aligned on a square canvas of `side` pixels with busbars vertical
/// (fingers horizontal), then placed in the `frame` x `frame` image by `rotation` (which includes
/// a quarter turn for horizontal busbars) about `center`.
struct CellLook {
    let cellType: CellType
    let frame: Int
    /// Canvas side in pixels.
    let side: Int
    /// Pixel lengths below are tuned for a 285-pixel cell; `scale` = side / 285.
    let scale: Float
    /// Cell centre in image pixels.
    let center: SIMD2<Float>
    /// Radians, canvas → image.
    let rotation: Float

    // Metallisation (canvas pixels).
    let busbarCenters: [Float]
    let busbarHalfWidth: Float
    /// Multiplier on intensity under a busbar.
    let busbarLevel: Float
    let fingerPitch: Float
    let fingerPhase: Float
    let fingerHalfWidth: Float
    /// Fractional darkening on a finger.
    let fingerContrast: Float

    /// Mono: radius of the round ingot the pseudo-square wafer was cut from; `.infinity` for poly.
    let waferRadius: Float
    /// Recombination at the cut edges: darkening `edgeDarkening * exp(-distance / edgeWidth)`.
    let edgeDarkening: Float
    let edgeWidth: Float

    // Photo (image space, intensities in [0, 1]).
    let background: Float
    let vignetting: Float
    let gain: Float
    let gamma: Float
    /// 0 … 1 mix of a 3x3 [1 2 1] blur (rectification softness).
    let blur: Float
    let readNoise: Float
    let shotNoise: Float

    init(cellType: CellType, frame: Int, rng: inout SplitMix64) {
        self.cellType = cellType
        self.frame = frame
        let n = Float(frame)
        side = Int((n * rng.uniform(0.925, 0.975)).rounded())
        scale = Float(side) / 285
        center = SIMD2(n / 2 + n * rng.uniform(-0.012, 0.012), n / 2 + n * rng.uniform(-0.012, 0.012))
        let tilt = min(max(rng.normal() * 0.6, -1.5), 1.5) * Float.pi / 180
        rotation = tilt + (rng.chance(0.5) ? Float.pi / 2 : 0)

        let c = Float(side)
        let busbarCount = rng.chance(0.4) ? 2 : 3
        busbarCenters = (0..<busbarCount).map { c * (Float($0) + 0.5) / Float(busbarCount) + rng.uniform(-0.004, 0.004) * c }
        busbarHalfWidth = max(1.2, c * rng.uniform(0.010, 0.017) / 2 + 0.5)
        busbarLevel = rng.uniform(0.28, 0.55)
        fingerPitch = max(3.2, rng.uniform(4.6, 7.0) * scale)
        fingerPhase = rng.uniform(0, fingerPitch)
        fingerHalfWidth = rng.uniform(0.35, 0.6)
        fingerContrast = rng.uniform(0.05, 0.14)

        waferRadius = cellType == .mono ? c * rng.uniform(0.63, 0.685) : .infinity
        edgeDarkening = rng.uniform(0.08, 0.35)
        edgeWidth = rng.uniform(2, 6) * scale

        background = rng.uniform(0.02, 0.07)
        vignetting = rng.uniform(0, 0.22)
        gain = rng.uniform(0.62, 0.92)
        gamma = rng.uniform(0.85, 1.2)
        blur = rng.uniform(0.2, 0.9)
        readNoise = rng.uniform(0.006, 0.018)
        shotNoise = rng.uniform(0.004, 0.02)
    }

    /// Canvas → image pixel coordinates.
    func imagePoint(_ p: SIMD2<Float>) -> SIMD2<Float> {
        let d = p - SIMD2(repeating: Float(side) / 2)
        let cs = cosf(rotation), sn = sinf(rotation)
        return SIMD2(cs * d.x - sn * d.y, sn * d.x + cs * d.y) + center
    }

    /// True when canvas point `p` lies on the cell at least `margin` pixels from its edge.
    func isOnCell(_ p: SIMD2<Float>, margin: Float = 1) -> Bool {
        let c = Float(side)
        guard p.x >= margin, p.y >= margin, p.x <= c - margin, p.y <= c - margin else { return false }
        if waferRadius.isFinite {
            let d = p - SIMD2(repeating: c / 2)
            return (d * d).sum().squareRoot() <= waferRadius - margin
        }
        return true
    }
}
