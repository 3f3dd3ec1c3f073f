import LoupeTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The axis-aligned cell before it is photographed: relative EL intensity, coverage and defect codes.
struct CellCanvas {
    let side: Int
    /// EL intensity, (side, side), about 1 on a clean cell body.
    var value: [Float]
    /// Fraction of each pixel covered by the wafer, (side, side).
    var alpha: [Float]
    /// ``DefectKind/maskCode`` per pixel, (side, side).
    var mask: [UInt8]

    /// Paints the defect-free cell described by `look`; texture randomness comes from `rng`.
    init(look: CellLook, rng: inout SplitMix64) {
        let n = look.side
        side = n
        value = [Float](repeating: 1, count: n * n)
        alpha = [Float](repeating: 1, count: n * n)
        mask = [UInt8](repeating: 0, count: n * n)
        let c = Float(n), half = c / 2

        // Slow brightness drift over the cell (resistance, wafer doping).
        let drift = ValueNoise(cells: 3, rng: &rng)
        let driftAmplitude = rng.uniform(0.03, 0.10)

        // Mono: Czochralski growth swirl, concentric faint rings around a point near the centre.
        let hasRings = look.cellType == .mono && rng.chance(0.45)
        let ringAmplitude = hasRings ? rng.uniform(0.01, 0.04) : 0
        let ringWavelength = rng.uniform(7, 22) * look.scale
        let ringPhase = rng.uniform(0, 2 * .pi)
        let ringCenter = SIMD2(half + rng.uniform(-0.1, 0.1) * c, half + rng.uniform(-0.1, 0.1) * c)

        let grains = look.cellType == .poly ? GrainTexture(side: n, rng: &rng) : nil

        value.withUnsafeMutableBufferPointer { value in
            alpha.withUnsafeMutableBufferPointer { alpha in
                for y in 0..<n {
                    let py = Float(y) + 0.5
                    // Fingers run along x (busbars are vertical on the canvas).
                    let fy = py - look.fingerPhase
                    let fingerDistance = abs(fy - look.fingerPitch * (fy / look.fingerPitch).rounded())
                    let fingerCover = clamp01(look.fingerHalfWidth + 0.5 - fingerDistance)
                    let fingerFactor = 1 - look.fingerContrast * fingerCover
                    for x in 0..<n {
                        let px = Float(x) + 0.5
                        var v: Float = 1 + driftAmplitude * (2 * drift.sample(px / c, py / c) - 1)

                        var edgeDistance = min(min(px, c - px), min(py, c - py))
                        if look.waferRadius.isFinite {
                            let dx = px - half, dy = py - half
                            let r = (dx * dx + dy * dy).squareRoot()
                            let toRim = look.waferRadius - r
                            alpha[y * n + x] = clamp01(toRim + 0.5)
                            edgeDistance = min(edgeDistance, toRim)
                        }
                        v *= 1 - look.edgeDarkening * expf(-max(edgeDistance, 0) / look.edgeWidth)

                        if hasRings {
                            let dx = px - ringCenter.x, dy = py - ringCenter.y
                            let r = (dx * dx + dy * dy).squareRoot()
                            v *= 1 - ringAmplitude * (0.5 + 0.5 * sinf(2 * .pi * r / ringWavelength + ringPhase))
                        }
                        if let grains { v *= grains.factor(px, py) }

                        var busbarCover: Float = 0
                        for b in look.busbarCenters {
                            busbarCover = max(busbarCover, clamp01(look.busbarHalfWidth + 0.5 - abs(px - b)))
                        }
                        v *= fingerFactor * (1 - busbarCover) + look.busbarLevel * busbarCover
                        value[y * n + x] = v
                    }
                }
            }
        }
    }
}

/// Multicrystalline texture: two scales of warped Voronoi grains of different brightness with
/// dark boundaries, plus dark dislocation clouds that straddle grains.
struct GrainTexture {
    let side: Float
    let coarse: VoronoiGrains
    let fine: VoronoiGrains
    let warpX: ValueNoise
    let warpY: ValueNoise
    let warpAmount: Float
    let cloud: ValueNoise
    let cloudDetail: ValueNoise
    let cloudAmount: Float
    let cloudThreshold: Float

    init(side n: Int, rng: inout SplitMix64) {
        side = Float(n)
        coarse = VoronoiGrains(side: side, grid: rng.integer(5...9), spread: rng.uniform(0.04, 0.09),
                               boundaryDarkening: rng.uniform(0.08, 0.25), rng: &rng)
        fine = VoronoiGrains(side: side, grid: rng.integer(13...22), spread: rng.uniform(0.02, 0.05),
                             boundaryDarkening: rng.uniform(0.03, 0.12), rng: &rng)
        warpX = ValueNoise(cells: 7, rng: &rng)
        warpY = ValueNoise(cells: 7, rng: &rng)
        warpAmount = rng.uniform(0.3, 0.7) * coarse.cellSize
        cloud = ValueNoise(cells: rng.integer(5...9), rng: &rng)
        cloudDetail = ValueNoise(cells: rng.integer(18...30), rng: &rng)
        cloudAmount = rng.chance(0.25) ? rng.uniform(0, 0.1) : rng.uniform(0.12, 0.4)
        cloudThreshold = rng.uniform(0.45, 0.68)
    }

    /// Intensity multiplier at canvas point (x, y).
    @inline(__always) func factor(_ x: Float, _ y: Float) -> Float {
        let u = x / side, v = y / side
        let p = SIMD2(x + warpAmount * (2 * warpX.sample(u, v) - 1), y + warpAmount * (2 * warpY.sample(u, v) - 1))
        var f = coarse.factor(p) * fine.factor(p * 1.07 + 13)
        let cloudiness = cloud.sample(u, v) * 0.75 + cloudDetail.sample(u, v) * 0.25
        f *= 1 - cloudAmount * smoothstep(cloudThreshold, cloudThreshold + 0.22, cloudiness)
        return f
    }
}

/// Jittered-grid Voronoi cells ("grains"), each with its own brightness; boundaries darkened by
/// an amount that differs from one grain pair to the next.
struct VoronoiGrains {
    let grid: Int
    let cellSize: Float
    /// Seed points, (grid, grid), canvas pixels.
    let seeds: [SIMD2<Float>]
    let brightness: [Float]
    let boundaryWidth: Float
    let boundaryDarkening: Float

    init(side: Float, grid: Int, spread: Float, boundaryDarkening: Float, rng: inout SplitMix64) {
        self.grid = grid
        cellSize = side / Float(grid)
        var seeds: [SIMD2<Float>] = []
        var brightness: [Float] = []
        for gy in 0..<grid {
            for gx in 0..<grid {
                seeds.append(SIMD2(Float(gx) + rng.uniform(), Float(gy) + rng.uniform()) * cellSize)
                var b = 1 + spread * rng.normal()
                if rng.chance(0.1) { b *= rng.uniform(0.8, 0.93) }
                brightness.append(min(max(b, 0.65), 1.2))
            }
        }
        self.seeds = seeds
        self.brightness = brightness
        boundaryWidth = rng.uniform(0.6, 1.4)
        self.boundaryDarkening = boundaryDarkening
    }

    @inline(__always) func factor(_ p: SIMD2<Float>) -> Float {
        let gx = min(max(Int(p.x / cellSize), 0), grid - 1), gy = min(max(Int(p.y / cellSize), 0), grid - 1)
        var best = Float.infinity, second = Float.infinity
        var bestIndex = 0, secondIndex = 0
        for ny in max(gy - 1, 0)...min(gy + 1, grid - 1) {
            for nx in max(gx - 1, 0)...min(gx + 1, grid - 1) {
                let i = ny * grid + nx
                let d = p - seeds[i]
                let dd = (d * d).sum()
                if dd < best {
                    second = best; secondIndex = bestIndex
                    best = dd; bestIndex = i
                } else if dd < second {
                    second = dd; secondIndex = i
                }
            }
        }
        // Exact distance to the bisector of the two nearest seeds.
        let s = seeds[bestIndex] - seeds[secondIndex]
        let boundaryDistance = (second - best) / (2 * max((s * s).sum().squareRoot(), 1e-3))
        // A per-boundary strength from the grain pair, so some boundaries are nearly invisible.
        let pair = UInt32(truncatingIfNeeded: min(bestIndex, secondIndex) &* 7919 &+ max(bestIndex, secondIndex) &* 104_729)
        let strength = Float((pair &* 2_654_435_761) >> 24) / 255
        return brightness[bestIndex]
            * (1 - boundaryDarkening * strength * strength * clamp01(1 - boundaryDistance / boundaryWidth))
    }
}
