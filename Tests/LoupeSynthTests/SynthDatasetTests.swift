import Foundation
import LoupeImaging
import LoupeSynth
import XCTest

final class SynthDatasetTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "loupe-synth-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func smallDataset(count: Int = 12, seed: UInt64 = 5) -> SynthDataset {
        var dataset = SynthDataset(count: count, seed: seed)
        dataset.size = 64
        dataset.defectiveFraction = 0.5
        dataset.faintFraction = 0.25
        dataset.monoFraction = 0.25
        dataset.compressionLevel = 1
        return dataset
    }

    func testPlanHasExactFractionsAndConsistentRows() {
        let plan = smallDataset().plan()
        XCTAssertEqual(plan.count, 12)
        XCTAssertEqual(plan.filter(\.isDefective).count, 6)
        XCTAssertEqual(plan.filter { $0.severity == .faint }.count, 3)
        XCTAssertEqual(plan.filter { $0.cellType == .mono }.count, 3)
        XCTAssertEqual(plan.map(\.path), (1...12).map { String(format: "cell%04d.png", $0) })
        for entry in plan {
            // A label above 0 needs a real defect, a label of 0 must not have one.
            XCTAssertEqual(entry.severity != .none, entry.defects.contains { $0.isDefect }, entry.csvRow)
        }
        XCTAssertEqual(plan, smallDataset().plan(), "plan must be deterministic")
        XCTAssertNotEqual(plan, smallDataset(seed: 6).plan())
    }

    func testCSVRowsUseTheElpvColumnsPlusDefect() {
        let entries = smallDataset().plan()
        let lines = SynthDataset.labelsCSV(entries).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "path,probability,type,defect")
        XCTAssertEqual(lines.count, entries.count + 1)
        let allowed: Set<String> = ["0.0", "0.3333333333333333", "0.6666666666666666", "1.0"]
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",").map(String.init)
            XCTAssertEqual(fields.count, 4, line)
            XCTAssertTrue(allowed.contains(fields[1]), line)
            XCTAssertTrue(["mono", "poly"].contains(fields[2]), line)
            for kind in fields[3].split(separator: "+") {
                XCTAssertTrue(kind == "none" || DefectKind(rawValue: String(kind)) != nil, line)
            }
            if fields[1] == "0.0" { XCTAssertTrue(["none", "material"].contains(fields[3]), line) }
        }
    }

    func testWriteProducesDecodablePNGsMatchingTheGenerator() throws {
        let dataset = smallDataset()
        let entries = try dataset.write(to: directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertEqual(files.filter { $0.hasSuffix(".png") }.count, 12)
        XCTAssertTrue(files.contains("labels.csv"))
        XCTAssertEqual(files.count, 13, "unexpected files \(files)")
        let csv = try String(contentsOfFile: directory + "/labels.csv", encoding: .utf8)
        XCTAssertEqual(csv, SynthDataset.labelsCSV(entries))
        for entry in [entries[0], entries[5], entries[11]] {
            let image = try ImageDecoder.decode(contentsOf: directory + "/" + entry.path)
            XCTAssertEqual(image.width, 64)
            XCTAssertEqual(image.channels, 1)
            let cell = dataset.cell(for: entry)
            XCTAssertEqual(image.pixels8, cell.pixels, entry.path)
            XCTAssertEqual(cell.defectProbability, entry.probability)
            XCTAssertEqual(cell.cellType, entry.cellType)
        }
    }

    func testByClassLayoutSortsFilesIntoGoodAndDefective() throws {
        var dataset = smallDataset()
        dataset.layout = .byClass
        let entries = try dataset.write(to: directory)
        let good = try FileManager.default.contentsOfDirectory(atPath: directory + "/good")
        let defective = try FileManager.default.contentsOfDirectory(atPath: directory + "/defective")
        XCTAssertEqual(defective.count, 6)
        XCTAssertEqual(good.count, 6, "p = 0 and p = 1/3 cells are good")
        for entry in entries {
            XCTAssertTrue(entry.path.hasPrefix(entry.isDefective ? "defective/" : "good/"), entry.csvRow)
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/" + entry.path), entry.path)
        }
    }

    func testBadSettingsAreRejectedBeforeWriting() {
        var dataset = smallDataset()
        dataset.defectiveFraction = 0.8
        dataset.faintFraction = 0.4
        XCTAssertThrowsError(try dataset.write(to: directory)) { error in
            guard case SynthError.invalidConfiguration(let field, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "defectiveFraction + faintFraction")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory))
        dataset = smallDataset()
        dataset.monoFraction = 1.5
        XCTAssertThrowsError(try dataset.validate())
    }

    /// The bundled `Images/samples/labels.csv` must be what the generator plans today.
    func testBundledSampleLabelsMatchTheGenerator() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Images/samples/labels.csv").path
        guard let bundled = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw XCTSkip("no bundled samples at \(path)")
        }
        XCTAssertEqual(bundled, SynthDataset.labelsCSV(SynthDataset.demoSamples.plan()))
        let plan = SynthDataset.demoSamples.plan()
        XCTAssertEqual(plan.filter(\.isDefective).count, 12)
        XCTAssertEqual(Set(plan.map(\.cellType)).count, 2)
    }
}
