import LoupeImaging
import LoupeTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Generates synthetic electroluminescence (EL) images of solar cells with exact defect labels.
///
/// An EL image shows a forward-biased cell glowing: the cell body is bright, busbars and
/// fingers shade it, and cracks or regions cut off from the busbars stay dark. Each call paints
/// an axis-aligned cell (mono: pseudo-square wafer with swirl rings; poly: grain texture), adds
/// the requested defects, then "photographs" it: slight rotation and offset, dark border,
/// vignetting, exposure, blur and sensor noise, quantised to 8 bits.
///
/// Output is a pure function of (seed, index, kind, defects, severity). The base cell and its
/// noise come from their own random streams, so the same index with and without defects gives
/// the same cell, differing only where the defects are.
public struct CellSynthesizer: Sendable {
    /// Output width and height in pixels.
    public let size: Int
    public let seed: UInt64

    /// - Parameters:
    ///   - size: Square image side in pixels, at least 32 (ELPV cells are 300).
    ///   - seed: Run seed; cell `index` of a run is always the same image.
    public init(size: Int = 300, seed: UInt64) {
        precondition(size >= 32, "CellSynthesizer size must be at least 32 pixels, got \(size)")
        self.size = size
        self.seed = seed
    }

    /// The severity ``make(index:kind:defects:severity:)`` picks for `kind` when none is given.
    static func randomSeverity(for kind: DefectKind, rng: inout SplitMix64) -> DefectSeverity {
        let u = rng.uniform()
        switch kind {
        case .crack: return u < 0.25 ? .faint : u < 0.5 ? .medium : .clear
        case .fingerInterruption: return u < 0.6 ? .faint : .medium
        case .inactiveArea: return u < 0.2 ? .medium : .clear
        case .materialDefect: return .none
        }
    }

    /// Generates cell `index` of this run.
    ///
    /// - Parameters:
    ///   - index: Cell number; any integer.
    ///   - kind: Mono or poly wafer.
    ///   - defects: What to paint; may repeat a kind and may be empty. ``DefectKind/materialDefect``
    ///     adds a benign feature and never raises the label.
    ///   - severity: Severity for every real defect; nil picks one per defect (cracks: faint,
    ///     medium or clear; finger interruptions: faint or medium; inactive areas: medium or clear).
    ///     Must not be `.none` when `defects` holds a real defect.
    /// - Returns: Pixels (size, size), mask, placed defects and the label: the worst real
    ///   defect's severity as probability 0, 1/3, 2/3 or 1.
    public func make(index: Int, kind: CellType, defects: [DefectKind] = [], severity: DefectSeverity? = nil) -> SyntheticCell {
        precondition(severity != DefectSeverity.none || !defects.contains { $0.isDefect },
                     "severity .none was asked for a cell with real defects \(defects)")
        var baseRandom = SplitMix64.stream(seed: seed, index: index, stream: 0)
        let look = CellLook(cellType: kind, frame: size, rng: &baseRandom)
        let canvas = CellCanvas(look: look, rng: &baseRandom)
        var painter = DefectPainter(look: look, canvas: canvas)

        // Benign features first so real defects paint over them, then smudges, then cracks.
        let order = defects.indices.sorted { paintRank(defects[$0]) < paintRank(defects[$1]) }
        var painted = [CanvasDefect?](repeating: nil, count: defects.count)
        for i in order {
            var rng = SplitMix64.stream(seed: seed, index: index, stream: 16 + UInt64(i))
            let kindSeverity = defects[i].isDefect ? (severity ?? Self.randomSeverity(for: defects[i], rng: &rng)) : .none
            switch defects[i] {
            case .crack: painted[i] = painter.paintCrack(severity: kindSeverity, rng: &rng)
            case .fingerInterruption: painted[i] = painter.paintFingerInterruptions(severity: kindSeverity, rng: &rng)
            case .inactiveArea: painted[i] = painter.paintInactiveArea(severity: kindSeverity, rng: &rng)
            case .materialDefect: painted[i] = painter.paintMaterialFeature(rng: &rng)
            }
        }
        let conductance = painter.finish()
        var canvasDefects = painted.compactMap { $0 }
        if let conductance {
            for k in canvasDefects.indices where canvasDefects[k].kind == .inactiveArea {
                guard let rows = canvasDefects[k].isolatedRows else { continue }
                // The emitter blur in `finish()` spreads the dark region a few rows past the crack.
                let n = look.side, spread = Int((2 * look.scale).rounded()) + 1
                for y in max(rows.lowerBound - spread, 0)...min(rows.upperBound + spread, n - 1) { for x in 0..<n where conductance[y * n + x] < 0.8 { canvasDefects[k].bounds.add(x, y) } }
            }
        }

        var noiseRandom = SplitMix64.stream(seed: seed, index: index, stream: 1)
        let (pixels, mask) = photograph(painter.canvas, look: look, rng: &noiseRandom)

        let realFirst = canvasDefects.filter { $0.kind.isDefect } + canvasDefects.filter { !$0.kind.isDefect }
        let placed = realFirst.map { d in
            PlacedDefect(kind: d.kind, severity: d.severity, boundingBox: imageBox(d.bounds, look: look),
                         path: d.path.map(look.imagePoint))
        }
        let c = Float(look.side)
        let corners = [SIMD2<Float>(0, 0), SIMD2(c, 0), SIMD2(c, c), SIMD2(0, c)].map(look.imagePoint)
        let busbars = look.busbarCenters.map { [look.imagePoint(SIMD2($0, 0)), look.imagePoint(SIMD2($0, c))] }
        return SyntheticCell(width: size, height: size, pixels: pixels, defectMask: mask, cellType: kind,
                             defects: placed, severity: placed.map(\.severity).max() ?? .none,
                             cellCorners: corners, busbars: busbars, busbarWidth: 2 * look.busbarHalfWidth)
    }

    private func paintRank(_ kind: DefectKind) -> Int {
        switch kind {
        case .materialDefect: return 0
        case .fingerInterruption: return 1
        case .crack, .inactiveArea: return 2
        }
    }

    /// Image-aligned box around canvas bounds, clipped to the image (empty bounds → 0x0 at origin).
    private func imageBox(_ bounds: PixelBounds, look: CellLook) -> PixelRegion {
        guard !bounds.isEmpty else { return PixelRegion(x: 0, y: 0, width: 0, height: 0) }
        let corners = [SIMD2(Float(bounds.minX), Float(bounds.minY)), SIMD2(Float(bounds.maxX + 1), Float(bounds.minY)),
                       SIMD2(Float(bounds.minX), Float(bounds.maxY + 1)), SIMD2(Float(bounds.maxX + 1), Float(bounds.maxY + 1))]
            .map(look.imagePoint)
        let x0 = max(Int(corners.map(\.x).min()!.rounded(.down)), 0)
        let y0 = max(Int(corners.map(\.y).min()!.rounded(.down)), 0)
        let x1 = min(Int(corners.map(\.x).max()!.rounded(.up)), size)
        let y1 = min(Int(corners.map(\.y).max()!.rounded(.up)), size)
        return PixelRegion(x: x0, y: y0, width: max(x1 - x0, 0), height: max(y1 - y0, 0))
    }

    /// Places the canvas in the frame and applies the camera: border, vignetting, exposure,
    /// blur, noise, 8-bit quantisation. Returns pixels and mask, both (size, size).
    private func photograph(_ canvas: CellCanvas, look: CellLook, rng: inout SplitMix64) -> ([UInt8], [UInt8]) {
        let n = size, side = canvas.side
        var image = [Float](repeating: 0, count: n * n)
        var mask = [UInt8](repeating: 0, count: n * n)
        let cs = cosf(look.rotation), sn = sinf(look.rotation)
        let half = Float(side) / 2
        let frameCenter = Float(n) / 2
        let vignetteScale = look.vignetting / (frameCenter * frameCenter * 2)
        canvas.value.withUnsafeBufferPointer { value in
            canvas.alpha.withUnsafeBufferPointer { alpha in
                for y in 0..<n {
                    for x in 0..<n {
                        // Image → canvas (inverse rotation), then bilinear between canvas pixel centres.
                        let dx = Float(x) + 0.5 - look.center.x, dy = Float(y) + 0.5 - look.center.y
                        let u = cs * dx + sn * dy + half - 0.5, v = -sn * dx + cs * dy + half - 0.5
                        let x0 = Int(u.rounded(.down)), y0 = Int(v.rounded(.down))
                        let fx = u - Float(x0), fy = v - Float(y0)
                        var cellValue: Float = 0, coverage: Float = 0
                        if x0 >= -1, y0 >= -1, x0 < side, y0 < side {
                            for oy in 0...1 {
                                let cy = y0 + oy
                                guard cy >= 0, cy < side else { continue }
                                let wy = oy == 0 ? 1 - fy : fy
                                for ox in 0...1 {
                                    let cx = x0 + ox
                                    guard cx >= 0, cx < side else { continue }
                                    let w = (ox == 0 ? 1 - fx : fx) * wy * alpha[cy * side + cx]
                                    cellValue += w * value[cy * side + cx]
                                    coverage += w
                                }
                            }
                        }
                        let cellPart = coverage > 0 ? cellValue / coverage : 0
                        var intensity = look.background + (cellPart - look.background) * coverage
                        let rx = Float(x) + 0.5 - frameCenter, ry = Float(y) + 0.5 - frameCenter
                        intensity *= 1 - vignetteScale * (rx * rx + ry * ry)
                        image[y * n + x] = look.gain * powf(max(intensity, 0), look.gamma)
                        let mx = Int((u + 0.5).rounded(.down)), my = Int((v + 0.5).rounded(.down))
                        if mx >= 0, my >= 0, mx < side, my < side { mask[y * n + x] = canvas.mask[my * side + mx] }
                    }
                }
            }
        }
        if look.blur > 0 {
            var blurred = image
            separableBinomialBlur(&blurred, width: n, height: n)
            for i in 0..<image.count { image[i] += look.blur * (blurred[i] - image[i]) }
        }
        var pixels = [UInt8](repeating: 0, count: n * n)
        for i in 0..<image.count {
            let v = image[i]
            let sigma = look.readNoise + look.shotNoise * max(v, 0).squareRoot()
            pixels[i] = UInt8(clamp01(v + sigma * rng.normal()) * 255 + 0.5)
        }
        return (pixels, mask)
    }

    /// In-place [1 2 1] / 4 blur along x then y, edges clamped. `plane` is (height, width).
    private func separableBinomialBlur(_ plane: inout [Float], width: Int, height: Int) {
        var scratch = plane
        for y in 0..<height {
            let row = y * width
            for x in 0..<width {
                let l = plane[row + max(x - 1, 0)], r = plane[row + min(x + 1, width - 1)]
                scratch[row + x] = 0.25 * l + 0.5 * plane[row + x] + 0.25 * r
            }
        }
        for y in 0..<height {
            let up = max(y - 1, 0) * width, down = min(y + 1, height - 1) * width, row = y * width
            for x in 0..<width {
                plane[row + x] = 0.25 * scratch[up + x] + 0.5 * scratch[row + x] + 0.25 * scratch[down + x]
            }
        }
    }
}
