import LoupeTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A defect painted on the canvas, before it is mapped into the image.
struct CanvasDefect {
    let kind: DefectKind
    let severity: DefectSeverity
    var bounds: PixelBounds
    /// Main crack polyline, canvas pixels.
    let path: [SIMD2<Float>]
    /// For inactive areas: the canvas rows the bounding crack spans.
    var isolatedRows: ClosedRange<Int>? = nil
}

/// Paints defects and benign features on a ``CellCanvas``.
///
/// Darkening is collected in one plane composed by maximum (so overlapping strokes do not
/// stack) and applied once in ``finish()``. Cracks also record how strongly they cut the
/// fingers; ``finish()`` then works out which finger stretches lost their way to a busbar.
struct DefectPainter {
    let look: CellLook
    var canvas: CellCanvas
    /// Fractional darkening, (side, side).
    var darkness: [Float]
    /// Per crack-core pixel: how much of the finger current the crack blocks (0 … 1), (side, side).
    var cut: [Float]
    var hasCuts = false

    init(look: CellLook, canvas: CellCanvas) {
        self.look = look
        self.canvas = canvas
        darkness = [Float](repeating: 0, count: canvas.side * canvas.side)
        cut = [Float](repeating: 0, count: canvas.side * canvas.side)
    }

    var side: Int { canvas.side }
    var c: Float { Float(canvas.side) }

    // MARK: - Cracks

    /// A crack of `severity`; medium and clear cracks may cut off a darker region.
    mutating func paintCrack(severity: DefectSeverity, rng: inout SplitMix64) -> CanvasDefect {
        let s = look.scale
        var length: Float, depth: Float, sigma: Float, branches: Int, isolation: Float = 0
        switch severity {
        case .none, .faint:
            length = rng.uniform(22, 55) * s; depth = rng.uniform(0.22, 0.34); sigma = rng.uniform(0.55, 0.75); branches = 0
        case .medium:
            length = rng.uniform(50, 130) * s; depth = rng.uniform(0.36, 0.5); sigma = rng.uniform(0.65, 0.9)
            branches = rng.chance(0.4) ? 1 : 0
            if rng.chance(0.35) { isolation = rng.uniform(0.15, 0.35) }
        case .clear:
            length = rng.uniform(90, 240) * s; depth = rng.uniform(0.5, 0.75); sigma = rng.uniform(0.75, 1.1)
            branches = rng.integer(0...3)
            if rng.chance(0.5) { isolation = rng.uniform(0.45, 0.9) }
        }
        var lines: [[SIMD2<Float>]] = []
        let mode = rng.uniform()
        for _ in 0..<6 {  // retry until the crack is long enough to see
            if mode < 0.4 && severity != .faint {
                // From a busbar (soldering stress), running diagonally away from it.
                let b = look.busbarCenters[rng.integer(0...(look.busbarCenters.count - 1))]
                let right = rng.chance(0.5)
                let start = SIMD2(b + (right ? 1 : -1) * look.busbarHalfWidth, rng.uniform(0.08, 0.92) * c)
                let heading = (right ? 0 : Float.pi) + rng.signedUniform(0.25, 1.2)
                lines = [walk(from: start, heading: heading, length: length, wander: 0.07, rng: &rng)]
            } else if mode > 0.7 && severity == .clear {
                // Cross crack: two lines through one point.
                let center = SIMD2(rng.uniform(0.2, 0.8) * c, rng.uniform(0.2, 0.8) * c)
                let heading = rng.uniform(0, .pi)
                lines = [bidirectionalWalk(from: center, heading: heading, length: length, rng: &rng),
                         bidirectionalWalk(from: center, heading: heading + .pi / 2 + rng.uniform(-0.35, 0.35),
                                           length: length * rng.uniform(0.5, 0.9), rng: &rng)]
            } else {
                let center = SIMD2(rng.uniform(0.12, 0.88) * c, rng.uniform(0.12, 0.88) * c)
                lines = [bidirectionalWalk(from: center, heading: rng.uniform(0, .pi), length: length, rng: &rng)]
            }
            if polylineLength(lines[0]) >= min(length * 0.5, 18 * s) { break }
        }
        for _ in 0..<branches {
            let parent = lines[0]
            guard parent.count > 4 else { break }
            let at = parent[rng.integer((parent.count / 5)...(parent.count * 4 / 5))]
            let i = parent.firstIndex(of: at)!
            let direction = parent[min(i + 1, parent.count - 1)] - parent[max(i - 1, 0)]
            let heading = atan2f(direction.y, direction.x) + rng.signedUniform(0.35, 1.0) + (rng.chance(0.5) ? .pi : 0)
            lines.append(walk(from: at, heading: heading, length: length * rng.uniform(0.2, 0.55), wander: 0.09, rng: &rng))
        }
        let bounds = stroke(lines, depth: depth, sigma: sigma, isolation: isolation)
        return CanvasDefect(kind: .crack, severity: severity, bounds: bounds, path: lines[0])
    }

    /// A crack between the outermost busbar and the cell edge that cuts the fingers there off
    /// their busbar: the strip (or corner) beyond it goes dark.
    mutating func paintInactiveArea(severity: DefectSeverity, rng: inout SplitMix64) -> CanvasDefect {
        let isolation: Float, depth: Float
        switch severity {
        case .none, .faint: isolation = rng.uniform(0.15, 0.25); depth = rng.uniform(0.2, 0.3)
        case .medium: isolation = rng.uniform(0.45, 0.65); depth = rng.uniform(0.35, 0.5)
        case .clear: isolation = rng.uniform(0.72, 0.95); depth = rng.uniform(0.45, 0.7)
        }
        let right = rng.chance(0.5)
        let outer = right ? look.busbarCenters.last! : look.busbarCenters.first!
        let inner = outer + (right ? 1 : -1) * (look.busbarHalfWidth + 2)
        let edge: Float = right ? c : 0
        let x0 = inner + (edge - inner) * rng.uniform(0.15, 0.7)
        let fromTop = rng.chance(0.5)
        var start = SIMD2(x0, fromTop ? 1.5 : c - 1.5)
        while !look.isOnCell(start, margin: 1.5), abs(start.y - c / 2) > 2 { start.y += fromTop ? 1 : -1 }
        var heading: Float = fromTop ? .pi / 2 : -.pi / 2
        let towardEdge: Float = (right == fromTop) ? -1 : 1  // turning sign that bends toward the outer edge
        heading += rng.chance(0.35) ? towardEdge * rng.uniform(0.35, 0.8) : rng.uniform(-0.15, 0.15)
        let band = right ? (inner + 2)...(c + 10) : -10...(inner - 2)
        let line = walk(from: start, heading: heading, length: 3 * c, wander: 0.05, xRange: band, rng: &rng)
        var bounds = stroke([line], depth: depth, sigma: rng.uniform(0.7, 1.0), isolation: isolation)
        let rows = line.map { Int($0.y) }
        let rowRange = max(rows.min()!, 0)...min(rows.max()!, side - 1)
        bounds.add(right ? side - 1 : 0, rowRange.lowerBound)
        return CanvasDefect(kind: .inactiveArea, severity: severity, bounds: bounds, path: line, isolatedRows: rowRange)
    }

    /// Random walk with heading persistence from `start`; stops at `length` or the cell edge.
    /// With `xRange`, the walk turns back (mirrors its heading) instead of leaving that band.
    func walk(from start: SIMD2<Float>, heading: Float, length: Float, wander: Float,
              xRange: ClosedRange<Float>? = nil, rng: inout SplitMix64) -> [SIMD2<Float>] {
        let step: Float = 2
        var points = [start]
        var p = start, h = heading, travelled: Float = 0
        while travelled < length {
            h += wander * rng.normal()
            if rng.chance(0.04) { h += rng.uniform(-0.45, 0.45) }  // occasional kink
            var next = p + step * SIMD2(cosf(h), sinf(h))
            if let xRange, !xRange.contains(next.x) {
                h = .pi - h
                next = p + step * SIMD2(cosf(h), sinf(h))
            }
            guard look.isOnCell(next, margin: 0.5) else { break }
            points.append(next)
            p = next
            travelled += step
        }
        return points
    }

    func bidirectionalWalk(from start: SIMD2<Float>, heading: Float, length: Float,
                           rng: inout SplitMix64) -> [SIMD2<Float>] {
        let forward = walk(from: start, heading: heading, length: length / 2, wander: 0.07, rng: &rng)
        let backward = walk(from: start, heading: heading + .pi, length: length / 2, wander: 0.07, rng: &rng)
        return backward.reversed() + forward.dropFirst()
    }

    func polylineLength(_ line: [SIMD2<Float>]) -> Float {
        zip(line, line.dropFirst()).reduce(0) { total, pair in
            let d = pair.1 - pair.0
            return total + (d * d).sum().squareRoot()
        }
    }

    /// Draws polylines as a Gaussian line of `depth` and width `sigma` with a faint halo; marks
    /// crack pixels in the mask and, when `isolation` > 0, the crack core in ``cut``.
    mutating func stroke(_ lines: [[SIMD2<Float>]], depth: Float, sigma: Float, isolation: Float) -> PixelBounds {
        let haloDepth = 0.3 * depth, haloSigma = 2.5 * sigma + 1
        let reach = 3 * haloSigma
        let maskRadius = max(1.2 * sigma, 0.8)
        let crackCode = DefectKind.crack.maskCode
        var bounds = PixelBounds()
        if isolation > 0 { hasCuts = true }
        for line in lines {
            for (a, b) in zip(line, line.dropFirst()) {
                let x0 = max(Int(min(a.x, b.x) - reach), 0), x1 = min(Int(max(a.x, b.x) + reach), side - 1)
                let y0 = max(Int(min(a.y, b.y) - reach), 0), y1 = min(Int(max(a.y, b.y) + reach), side - 1)
                guard x0 <= x1, y0 <= y1 else { continue }
                for y in y0...y1 {
                    for x in x0...x1 {
                        let i = y * side + x
                        guard canvas.alpha[i] > 0 else { continue }
                        let d = distanceToSegment(SIMD2(Float(x) + 0.5, Float(y) + 0.5), a, b)
                        let f = max(depth * expf(-d * d / (2 * sigma * sigma)),
                                    haloDepth * expf(-d * d / (2 * haloSigma * haloSigma)))
                        if f > darkness[i] { darkness[i] = f }
                        if d <= maskRadius {
                            canvas.mask[i] = crackCode
                            bounds.add(x, y)
                        }
                        if isolation > 0, d <= 0.75, isolation > cut[i] { cut[i] = isolation }
                    }
                }
            }
        }
        return bounds
    }

    // MARK: - Finger interruptions

    /// Clusters of broken fingers: elongated dark smudges along the finger direction.
    mutating func paintFingerInterruptions(severity: DefectSeverity, rng: inout SplitMix64) -> CanvasDefect {
        let clusters: Int, depthRange: (Float, Float)
        switch severity {
        case .none, .faint: clusters = rng.integer(1...2); depthRange = (0.22, 0.32)
        case .medium: clusters = rng.integer(2...4); depthRange = (0.32, 0.46)
        case .clear: clusters = rng.integer(4...8); depthRange = (0.46, 0.65)
        }
        // Stretches of finger between busbars / edges.
        var gaps: [(Float, Float)] = []
        var left: Float = 0
        for b in look.busbarCenters {
            gaps.append((left, b - look.busbarHalfWidth))
            left = b + look.busbarHalfWidth
        }
        gaps.append((left, c))
        var bounds = PixelBounds()
        let code = DefectKind.fingerInterruption.maskCode
        for _ in 0..<clusters {
            let gap = gaps[rng.integer(0...(gaps.count - 1))]
            let width = gap.1 - gap.0
            let length = min(rng.uniform(10, 30) * look.scale, width * 0.8)
            let xc = gap.0 + length / 2 + rng.uniform() * (width - length)
            let fingers = rng.integer(1...3)
            let firstFinger = ((rng.uniform(0.06, 0.9) * c - look.fingerPhase) / look.fingerPitch).rounded()
            let depth = rng.uniform(depthRange.0, depthRange.1)
            let sigmaY = look.fingerPitch * rng.uniform(0.4, 0.55)
            for k in 0..<fingers {
                let yc = look.fingerPhase + (firstFinger + Float(k)) * look.fingerPitch
                let fingerDepth = depth * rng.uniform(0.8, 1.1)
                let x0 = max(Int(xc - length / 2), 0), x1 = min(Int(xc + length / 2), side - 1)
                let y0 = max(Int(yc - 3 * sigmaY), 0), y1 = min(Int(yc + 3 * sigmaY), side - 1)
                guard x0 <= x1, y0 <= y1 else { continue }
                for y in y0...y1 {
                    let dy = Float(y) + 0.5 - yc
                    let across = expf(-dy * dy / (2 * sigmaY * sigmaY))
                    for x in x0...x1 {
                        let i = y * side + x
                        guard canvas.alpha[i] > 0.5 else { continue }
                        let along = 0.5 + 0.5 * cosf(.pi * (Float(x) + 0.5 - xc) / (length / 2))
                        let f = fingerDepth * across * along
                        if f > darkness[i] { darkness[i] = f }
                        if f >= 0.5 * fingerDepth {
                            if canvas.mask[i] == 0 { canvas.mask[i] = code }
                            bounds.add(x, y)
                        }
                    }
                }
            }
        }
        return CanvasDefect(kind: .fingerInterruption, severity: severity, bounds: bounds, path: [])
    }

    // MARK: - Benign material features

    /// Poly: a dark dislocation cluster. Mono: a few dark spots or a dark oxygen ring.
    mutating func paintMaterialFeature(rng: inout SplitMix64) -> CanvasDefect {
        var bounds = PixelBounds()
        let code = DefectKind.materialDefect.maskCode
        let s = look.scale, c = self.c
        if look.cellType == .poly {
            let texture = ValueNoise(cells: 14, rng: &rng)
            let blobs = rng.integer(1...3)
            let amount = rng.uniform(0.25, 0.5)
            let center = SIMD2(rng.uniform(0.15, 0.85) * c, rng.uniform(0.15, 0.85) * c)
            for _ in 0..<blobs {
                let r = rng.uniform(14, 40) * s
                let o = center + SIMD2(rng.uniform(-25, 25), rng.uniform(-25, 25)) * s
                paintRadial(center: o, radius: r, bounds: &bounds, code: code) { d, x, y in
                    amount * smoothstep(1, 0.35, d) * (0.35 + 0.65 * texture.sample(x / c, y / c))
                }
            }
        } else if rng.chance(0.6) {
            for _ in 0..<rng.integer(1...4) {
                let r = rng.uniform(1.5, 5) * s
                let depth = rng.uniform(0.25, 0.5)
                let o = SIMD2(rng.uniform(0.1, 0.9) * c, rng.uniform(0.1, 0.9) * c)
                paintRadial(center: o, radius: r * 2, bounds: &bounds, code: code) { d, _, _ in
                    depth * expf(-d * d * 4 / 2)
                }
            }
        } else {
            let radius = rng.uniform(0.18, 0.42) * c
            let width = rng.uniform(5, 13) * s
            let depth = rng.uniform(0.08, 0.2)
            let o = SIMD2(c / 2 + rng.uniform(-0.05, 0.05) * c, c / 2 + rng.uniform(-0.05, 0.05) * c)
            paintRadial(center: o, radius: radius + 3 * width, bounds: &bounds, code: code) { d, _, _ in
                let t = (d * (radius + 3 * width) - radius) / width
                return depth * expf(-t * t / 2)
            }
        }
        return CanvasDefect(kind: .materialDefect, severity: .none, bounds: bounds, path: [])
    }

    /// Applies `profile(normalisedDistance, x, y)` darkening in a disc; marks pixels above half the peak.
    private mutating func paintRadial(center: SIMD2<Float>, radius: Float, bounds: inout PixelBounds, code: UInt8,
                                      profile: (Float, Float, Float) -> Float) {
        let x0 = max(Int(center.x - radius), 0), x1 = min(Int(center.x + radius), side - 1)
        let y0 = max(Int(center.y - radius), 0), y1 = min(Int(center.y + radius), side - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        var peak: Float = 0
        var values: [(Int, Int, Float)] = []
        for y in y0...y1 {
            for x in x0...x1 {
                let px = Float(x) + 0.5, py = Float(y) + 0.5
                let d = SIMD2(px, py) - center
                let r = (d * d).sum().squareRoot() / radius
                guard r < 1, canvas.alpha[y * side + x] > 0.5 else { continue }
                let f = profile(r, px, py)
                peak = max(peak, f)
                values.append((x, y, f))
            }
        }
        for (x, y, f) in values {
            let i = y * side + x
            if f > darkness[i] { darkness[i] = f }
            if f >= 0.5 * peak, f > 0.05 {
                if canvas.mask[i] == 0 { canvas.mask[i] = code }
                bounds.add(x, y)
            }
        }
    }

    // MARK: - Finish

    /// Applies the darkening, then dims finger stretches cut off from every busbar.
    ///
    /// Fingers run along canvas rows and only busbars collect their current, so along each row a
    /// pixel keeps the conductance of the best path to a busbar: 1 at a busbar, times (1 - cut)
    /// for each crack crossed. The lateral emitter spreads this a little, modelled as a small blur.
    /// - Returns: the conductance plane (side, side), or nil when no crack cuts anything.
    mutating func finish() -> [Float]? {
        for i in 0..<canvas.value.count { canvas.value[i] *= 1 - darkness[i] }
        guard hasCuts else { return nil }
        let n = side
        var conductance = [Float](repeating: 0, count: n * n)
        let isBusbar: [Bool] = (0..<n).map { x in
            look.busbarCenters.contains { abs(Float(x) + 0.5 - $0) <= look.busbarHalfWidth }
        }
        for y in 0..<n {
            let row = y * n
            for direction in [1, -1] {
                var current: Float = 0, pendingCut: Float = 0
                var x = direction == 1 ? 0 : n - 1
                while x >= 0 && x < n {
                    let cutHere = cut[row + x]
                    if isBusbar[x] {
                        current = 1; pendingCut = 0
                    } else if cutHere > 0 {
                        pendingCut = max(pendingCut, cutHere)  // one crossing, however many pixels wide
                    } else if pendingCut > 0 {
                        current *= 1 - pendingCut; pendingCut = 0
                    }
                    conductance[row + x] = max(conductance[row + x], current)
                    x += direction
                }
            }
        }
        boxBlur(&conductance, width: n, height: n, rx: 1, ry: Int((2 * look.scale).rounded()))
        let inactive = DefectKind.inactiveArea.maskCode, crack = DefectKind.crack.maskCode
        let floor: Float = 0.05
        for i in 0..<conductance.count {
            let k = conductance[i]
            guard k < 0.999 else { continue }
            canvas.value[i] *= floor + (1 - floor) * k
            if k < 0.8, canvas.alpha[i] > 0.5, canvas.mask[i] != crack { canvas.mask[i] = inactive }
        }
        return conductance
    }
}
