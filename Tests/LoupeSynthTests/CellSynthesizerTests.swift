import LoupeSynth
import XCTest

final class CellSynthesizerTests: XCTestCase {
    // MARK: - Determinism

    func testSameSeedAndIndexGiveIdenticalCells() {
        for kind in CellType.allCases {
            let a = CellSynthesizer(seed: 7).make(index: 3, kind: kind, defects: [.crack, .materialDefect])
            let b = CellSynthesizer(seed: 7).make(index: 3, kind: kind, defects: [.crack, .materialDefect])
            XCTAssertEqual(a.pixels, b.pixels, "\(kind)")
            XCTAssertEqual(a, b, "\(kind)")
        }
    }

    func testDifferentSeedsAndIndicesGiveDifferentCells() {
        let base = CellSynthesizer(seed: 7).make(index: 3, kind: .poly)
        let otherSeed = CellSynthesizer(seed: 8).make(index: 3, kind: .poly)
        let otherIndex = CellSynthesizer(seed: 7).make(index: 4, kind: .poly)
        XCTAssertGreaterThan(differingFraction(base.pixels, otherSeed.pixels), 0.5)
        XCTAssertGreaterThan(differingFraction(base.pixels, otherIndex.pixels), 0.5)
    }

    /// The base cell has its own random stream: a faint crack changes pixels only around itself.
    func testDefectChangesOnlyItsOwnNeighbourhood() {
        let synth = CellSynthesizer(seed: 11)
        for index in 0..<6 {
            let kind: CellType = index % 2 == 0 ? .mono : .poly
            let plain = synth.make(index: index, kind: kind)
            let cracked = synth.make(index: index, kind: kind, defects: [.crack], severity: .faint)
            let box = cracked.defects[0].boundingBox
            XCTAssertGreaterThan(box.width * box.height, 0)
            var changedInside = 0
            for y in 0..<plain.height {
                for x in 0..<plain.width where plain.pixels[y * plain.width + x] != cracked.pixels[y * plain.width + x] {
                    let margin = 16  // halo (3 x 4.4 px) + blur
                    let near = x >= box.x - margin && x < box.x + box.width + margin
                        && y >= box.y - margin && y < box.y + box.height + margin
                    XCTAssertTrue(near, "cell \(index): pixel (\(x), \(y)) changed far from the crack box \(box)")
                    if !near { return }
                    changedInside += 1
                }
            }
            XCTAssertGreaterThan(changedInside, 20, "cell \(index): the crack changed almost nothing")
        }
    }

    // MARK: - Labels and defects

    func testCleanAndBenignCellsAreLabelledZero() {
        let synth = CellSynthesizer(seed: 5)
        for kind in CellType.allCases {
            let clean = synth.make(index: 0, kind: kind)
            XCTAssertEqual(clean.defectProbability, 0)
            XCTAssertFalse(clean.isDefective)
            XCTAssertTrue(clean.defects.isEmpty)
            XCTAssertFalse(clean.defectMask.contains { $0 != 0 })

            let benign = synth.make(index: 1, kind: kind, defects: [.materialDefect])
            XCTAssertEqual(benign.defectProbability, 0)
            XCTAssertEqual(benign.defects.map(\.kind), [.materialDefect])
            XCTAssertTrue(benign.defectMask.contains(DefectKind.materialDefect.maskCode), "\(kind) benign feature not painted")
        }
    }

    func testSeverityMapsToTheFourElpvLabels() {
        let synth = CellSynthesizer(size: 96, seed: 5)
        let expected: [DefectSeverity: Double] = [.faint: 1.0 / 3, .medium: 2.0 / 3, .clear: 1]
        for (severity, probability) in expected {
            let cell = synth.make(index: 2, kind: .mono, defects: [.crack, .materialDefect], severity: severity)
            XCTAssertEqual(cell.defectProbability, probability, accuracy: 1e-12)
            XCTAssertEqual(cell.isDefective, probability > 0.5)
            XCTAssertEqual(cell.defects.map(\.kind), [.crack, .materialDefect])
        }
        // With no severity given the label is the worst real defect's, and always at least faint.
        for index in 0..<30 {
            let cell = synth.make(index: index, kind: .poly, defects: [.fingerInterruption, .crack])
            XCTAssertEqual(cell.severity, cell.defects.map(\.severity).max())
            XCTAssertGreaterThanOrEqual(cell.defectProbability, 1.0 / 3)
        }
    }

    /// Crack pixels are darker than the same pixels of the crack-free twin and than the cell around them.
    func testCrackPixelsAreDarkerThanTheirSurroundings() {
        let synth = CellSynthesizer(seed: 21)
        for index in 0..<12 {
            let kind: CellType = index % 2 == 0 ? .mono : .poly
            let severity: DefectSeverity = [.faint, .medium, .clear][index % 3]
            let cell = synth.make(index: index, kind: kind, defects: [.crack], severity: severity)
            let twin = synth.make(index: index, kind: kind)
            XCTAssertGreaterThanOrEqual(cell.defectProbability, 1.0 / 3)
            let crack = DefectKind.crack.maskCode
            let crackPixels = cell.defectMask.indices.filter { cell.defectMask[$0] == crack }
            XCTAssertGreaterThan(crackPixels.count, 15, "cell \(index) has almost no crack pixels")

            // A ring 3–6 px from the crack, on the cell, not on other defects or busbars.
            let ring = ringPixels(around: crackPixels, in: cell, inner: 3, outer: 6)
            let crackMean = mean(crackPixels.map { cell.pixels[$0] })
            let twinMean = mean(crackPixels.map { twin.pixels[$0] })
            let ringMean = mean(ring.map { cell.pixels[$0] })
            let minimumDrop: Double = severity == .faint ? 8 : 20
            XCTAssertLessThan(crackMean, twinMean - minimumDrop, "cell \(index) \(kind) \(severity)")
            XCTAssertLessThan(crackMean, ringMean - minimumDrop * 0.6, "cell \(index) \(kind) \(severity)")
            XCTAssertFalse(cell.defects[0].path.isEmpty)
        }
    }

    func testInactiveAreaIsMuchDarkerThanTheRestOfTheCell() {
        let synth = CellSynthesizer(seed: 3)
        for index in 0..<8 {
            let kind: CellType = index % 2 == 0 ? .mono : .poly
            let cell = synth.make(index: index, kind: kind, defects: [.inactiveArea], severity: .clear)
            let twin = synth.make(index: index, kind: kind)
            XCTAssertEqual(cell.defectProbability, 1)
            let inactive = cell.defectMask.indices.filter { cell.defectMask[$0] == DefectKind.inactiveArea.maskCode }
            XCTAssertGreaterThan(inactive.count, 150, "cell \(index): inactive region too small")
            let darkMean = mean(inactive.map { cell.pixels[$0] })
            let twinMean = mean(inactive.map { twin.pixels[$0] })
            XCTAssertLessThan(darkMean, 0.5 * twinMean, "cell \(index) \(kind)")
            let box = cell.defects[0].boundingBox
            let outside = inactive.filter { i in
                !(box.x <= i % cell.width && i % cell.width < box.x + box.width
                  && box.y <= i / cell.width && i / cell.width < box.y + box.height)
            }
            XCTAssertEqual(outside.count, 0, "cell \(index): inactive pixels outside the box \(box)")
        }
    }

    func testFingerInterruptionsAreSmallDarkSmudges() {
        let synth = CellSynthesizer(seed: 9)
        for index in 0..<6 {
            let cell = synth.make(index: index, kind: index % 2 == 0 ? .mono : .poly,
                                  defects: [.fingerInterruption], severity: .medium)
            let twin = synth.make(index: index, kind: cell.cellType)
            let pixels = cell.defectMask.indices.filter { cell.defectMask[$0] == DefectKind.fingerInterruption.maskCode }
            XCTAssertGreaterThan(pixels.count, 10)
            XCTAssertLessThan(pixels.count, cell.pixels.count / 20, "finger interruptions should stay small")
            XCTAssertLessThan(mean(pixels.map { cell.pixels[$0] }), mean(pixels.map { twin.pixels[$0] }) - 10)
        }
    }

    // MARK: - Appearance statistics

    func testBrightnessBorderAndBusbarsArePlausible() {
        let synth = CellSynthesizer(seed: 42)
        for index in 0..<16 {
            let cell = synth.make(index: index, kind: index % 2 == 0 ? .mono : .poly)
            let body = bodyPixels(cell, awayFromBusbars: true)
            let bodyMean = mean(body.map { cell.pixels[$0] })
            XCTAssertGreaterThan(bodyMean, 80, "cell \(index) too dark")
            XCTAssertLessThan(bodyMean, 235, "cell \(index) too bright")

            // The frame's outermost pixel rows and columns are dark border (cell fills ≤ 97.5 %, offset ≤ 1.2 %).
            let corner = [0, cell.width - 1, (cell.height - 1) * cell.width, cell.pixels.count - 1]
            XCTAssertLessThan(mean(corner.map { cell.pixels[$0] }), 45, "cell \(index) border not dark")

            let busbar = busbarPixels(cell)
            XCTAssertGreaterThan(busbar.count, 100)
            XCTAssertLessThan(mean(busbar.map { cell.pixels[$0] }), bodyMean * 0.8, "cell \(index) busbars not darker")
        }
    }

    /// Poly grain texture shows up as mid-frequency variation that mono cells do not have.
    func testPolyCellsHaveMoreTextureThanMono() {
        let synth = CellSynthesizer(seed: 77)
        func texture(_ kind: CellType) -> [Double] {
            (0..<10).map { index in
                let cell = synth.make(index: index, kind: kind)
                let smoothed = boxSmoothed(cell, radius: 3)  // removes sensor noise and fingers
                return standardDeviation(bodyPixels(cell, awayFromBusbars: true, central: true).map { smoothed[$0] })
            }
        }
        let mono = texture(.mono), poly = texture(.poly)
        let monoMean = mono.reduce(0, +) / 10, polyMean = poly.reduce(0, +) / 10
        XCTAssertGreaterThan(polyMean, 1.5 * monoMean, "mono \(mono) poly \(poly)")
    }

    func testSmallSizesWork() {
        let cell = CellSynthesizer(size: 48, seed: 1).make(index: 0, kind: .mono, defects: DefectKind.allCases)
        XCTAssertEqual(cell.pixels.count, 48 * 48)
        XCTAssertEqual(cell.defectMask.count, 48 * 48)
        XCTAssertEqual(cell.defects.count, 4)
    }

    // MARK: - Helpers

    private func differingFraction(_ a: [UInt8], _ b: [UInt8]) -> Double {
        Double(zip(a, b).filter { $0 != $1 }.count) / Double(a.count)
    }

    private func mean<T: BinaryInteger>(_ values: [T]) -> Double {
        values.isEmpty ? .nan : values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    }

    private func standardDeviation(_ values: [Double]) -> Double {
        let m = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)).squareRoot()
    }

    /// Position of pixel `i` in the cell's own frame: (along busbar-perpendicular axis, along busbars), 0 … side.
    private func cellCoordinates(_ cell: SyntheticCell, _ i: Int) -> SIMD2<Float> {
        let p = SIMD2(Float(i % cell.width) + 0.5, Float(i / cell.width) + 0.5)
        let origin = cell.cellCorners[0]
        let ex = cell.cellCorners[1] - origin, ey = cell.cellCorners[3] - origin
        let side = (ex * ex).sum().squareRoot()
        let d = p - origin
        return SIMD2((d * ex).sum() / side, (d * ey).sum() / side)
    }

    private func distanceToBusbar(_ cell: SyntheticCell, _ i: Int) -> Float {
        let p = SIMD2(Float(i % cell.width) + 0.5, Float(i / cell.width) + 0.5)
        return cell.busbars.map { line in
            let a = line[0], b = line[1], ab = b - a, ap = p - a
            let t = min(max((ap * ab).sum() / (ab * ab).sum(), 0), 1)
            let d = ap - t * ab
            return (d * d).sum().squareRoot()
        }.min()!
    }

    /// Pixels on the cell at least 20 px inside its square (clear of mono corners and the edge),
    /// optionally only the central half, optionally away from busbars.
    private func bodyPixels(_ cell: SyntheticCell, awayFromBusbars: Bool, central: Bool = false) -> [Int] {
        let side = (cell.cellCorners[1] - cell.cellCorners[0]).x.magnitude + (cell.cellCorners[1] - cell.cellCorners[0]).y.magnitude
        let margin: Float = central ? side / 4 : 20
        let cornerCut: Float = side * 0.2  // mono cut corners stay out
        return cell.pixels.indices.filter { i in
            let q = cellCoordinates(cell, i)
            guard q.x > margin, q.y > margin, q.x < side - margin, q.y < side - margin else { return false }
            let nearCorner = min(q.x, side - q.x) + min(q.y, side - q.y) < cornerCut
            if nearCorner { return false }
            return !awayFromBusbars || distanceToBusbar(cell, i) > cell.busbarWidth / 2 + 4
        }
    }

    private func busbarPixels(_ cell: SyntheticCell) -> [Int] {
        bodyPixels(cell, awayFromBusbars: false).filter { distanceToBusbar(cell, $0) < cell.busbarWidth / 2 - 0.75 }
    }

    private func ringPixels(around pixels: [Int], in cell: SyntheticCell, inner: Int, outer: Int) -> [Int] {
        let w = cell.width, h = cell.height
        var distance = [Int](repeating: Int.max, count: w * h)
        for i in pixels { distance[i] = 0 }
        var ring = Set<Int>()
        for i in pixels {
            let x = i % w, y = i / w
            for dy in -outer...outer {
                for dx in -outer...outer {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, ny >= 0, nx < w, ny < h else { continue }
                    let d = max(abs(dx), abs(dy))
                    distance[ny * w + nx] = min(distance[ny * w + nx], d)
                }
            }
        }
        let body = Set(bodyPixels(cell, awayFromBusbars: true))
        for i in body where distance[i] >= inner && distance[i] <= outer && cell.defectMask[i] == 0 { ring.insert(i) }
        return Array(ring)
    }

    private func boxSmoothed(_ cell: SyntheticCell, radius: Int) -> [Double] {
        let w = cell.width, h = cell.height
        var out = [Double](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var sum = 0, count = 0
                for yy in max(y - radius, 0)...min(y + radius, h - 1) {
                    for xx in max(x - radius, 0)...min(x + radius, w - 1) { sum += Int(cell.pixels[yy * w + xx]); count += 1 }
                }
                out[y * w + x] = Double(sum) / Double(count)
            }
        }
        return out
    }
}
