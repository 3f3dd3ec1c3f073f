import Foundation
import LoupeImaging
import LoupeModel
import XCTest
import LoupeTestSupport
@testable import LoupeDataset

final class LabeledDatasetTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try makeTemporaryDirectory(self, "dataset") }

    /// Writes a w x h gray PNG whose pixels are `value` (plus a gradient so images differ).
    @discardableResult
    func png(_ name: String, value: UInt8, width: Int = 6, height: Int = 4) throws -> String {
        let path = (dir as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let pixels = (0..<(width * height)).map { UInt8(truncatingIfNeeded: Int(value) + $0) }
        try ImageEncoder.writePNG(try Image(width: width, height: height, channels: 1, pixels: pixels), to: path)
        return path
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testCSVWithNumericLabelsOrdersClassesAndFindsDefects() throws {
        for i in 0..<4 { try png("img\(i).png", value: UInt8(10 * i)) }
        let csv = try write("labels.csv", "path,probability,type,defect\nimg0.png,1.0,mono,crack\nimg1.png,0.0,poly,none\n"
                            + "img2.png,0.3333333333333333,mono,finger\nimg3.png,0.6666666666666666,poly,dark\n")
        let d = try LabeledDataset.load(dir) // finds labels.csv in the folder
        XCTAssertEqual(d.source, csv)
        XCTAssertEqual(d.classes, ["0.0", "0.3333333333333333", "0.6666666666666666", "1.0"])
        XCTAssertEqual(d.samples.map(\.classIndex), [3, 0, 1, 2])
        XCTAssertEqual(d.samples.map(\.group), ["mono", "poly", "mono", "poly"])
        XCTAssertEqual(d.defaultDefectClasses, [2, 3])
        XCTAssertEqual(d.samples[0].path, (dir as NSString).appendingPathComponent("img0.png"))
        XCTAssertEqual(d.groups, ["mono", "poly"])
        // Mapping onto a model's classes matches numbers by value.
        let mapped = try LabeledDataset.load(csv, classes: ["0", "0.333333333", "0.666666667", "1"])
        XCTAssertEqual(mapped.samples.map(\.classIndex), [3, 0, 1, 2])
        // Onto a named good/defective model: defective when p > 0.5.
        let binary = try LabeledDataset.load(csv, classes: ["good", "defective"])
        XCTAssertEqual(binary.samples.map(\.classIndex), [1, 0, 0, 1])
        XCTAssertThrowsError(try LabeledDataset.load(csv, classes: ["good", "crack", "finger"]))
    }

    func testNamedLabelsPutTheGoodClassFirst() throws {
        try png("a.png", value: 1); try png("b.png", value: 2); try png("c.png", value: 3)
        let csv = try write("l.csv", "label,path\ncrack,a.png\ngood,b.png\nfinger,c.png\n")
        let d = try LabeledDataset.load(csv)
        XCTAssertEqual(d.classes, ["good", "crack", "finger"])
        XCTAssertEqual(d.defaultDefectClasses, [1, 2])
        XCTAssertNil(d.samples[0].group)
    }

    func testClassFolders() throws {
        try png("good/1.png", value: 1); try png("good/2.png", value: 2); try png("crack/x/3.png", value: 3)
        try write("good/notes.txt", "ignored")
        let d = try LabeledDataset.load(dir)
        XCTAssertEqual(d.classes, ["good", "crack"])
        XCTAssertEqual(d.classCounts, [2, 1])
        XCTAssertTrue(d.samples[0].path.hasSuffix("crack/x/3.png"))
    }

    func testMalformedCSVNamesFileAndLine() throws {
        try png("a.png", value: 1)
        let csv = try write("bad.csv", "path,label\na.png,good\na.png,good,extra\n")
        XCTAssertThrowsError(try LabeledDataset.load(csv)) { error in
            XCTAssertEqual(error as? DatasetError, .malformedCSV(path: csv, line: 3, reason: "3 fields, the header has 2"))
            XCTAssertTrue("\(error)".contains("bad.csv, line 3"))
        }
        let noLabel = try write("nolabel.csv", "path,colour\na.png,red\n")
        XCTAssertThrowsError(try LabeledDataset.load(noLabel)) { XCTAssertTrue("\($0)".contains("needs a column named one of [\"label\"")) }
        let empty = try write("empty.csv", "path,label\n")
        XCTAssertThrowsError(try LabeledDataset.load(empty)) { XCTAssertEqual($0 as? DatasetError, .empty(source: empty)) }
    }

    func testMissingImagesAreAllCounted() throws {
        try png("a.png", value: 1)
        let csv = try write("l.csv", "path,label\na.png,good\nnope1.png,bad\nnope2.png,bad\n")
        XCTAssertThrowsError(try LabeledDataset.load(csv)) { error in
            guard case let .missingImages(labels, first, total) = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(labels, csv)
            XCTAssertEqual(total, 2)
            XCTAssertTrue(first[0].hasSuffix("nope1.png"))
        }
    }

    func testUnknownLabelAndOneClass() throws {
        try png("a.png", value: 1); try png("b.png", value: 2)
        let csv = try write("l.csv", "path,label\na.png,good\nb.png,scratch\n")
        XCTAssertThrowsError(try LabeledDataset.load(csv, classes: ["good", "crack"])) {
            XCTAssertEqual($0 as? DatasetError, .unknownLabel(path: csv, line: 3, label: "scratch", known: ["good", "crack"]))
        }
        let one = try write("one.csv", "path,label\na.png,good\nb.png,good\n")
        XCTAssertThrowsError(try LabeledDataset.load(one).requireTwoClasses()) {
            XCTAssertEqual($0 as? DatasetError, .oneClassOnly(source: one, classes: ["good": 2]))
        }
    }

    func testStratifiedSplitIsSeededAndKeepsProportions() throws {
        var samples: [LabeledSample] = []
        for i in 0..<200 { samples.append(LabeledSample(path: "p\(i)", classIndex: i % 4 == 0 ? 1 : 0, group: i % 3 == 0 ? "mono" : "poly")) }
        let d = LabeledDataset(source: "mem", classes: ["good", "bad"], samples: samples)
        let (a, b) = try d.stratifiedSplit(heldOutFraction: 0.25, seed: 7)
        let (a2, b2) = try d.stratifiedSplit(heldOutFraction: 0.25, seed: 7)
        let (_, b3) = try d.stratifiedSplit(heldOutFraction: 0.25, seed: 8)
        XCTAssertEqual(a.samples, a2.samples)
        XCTAssertEqual(b.samples, b2.samples)
        XCTAssertNotEqual(b.samples, b3.samples)
        XCTAssertEqual(Set(a.samples.map(\.path)).union(b.samples.map(\.path)).count, 200)
        XCTAssertTrue(Set(a.samples.map(\.path)).isDisjoint(with: b.samples.map(\.path)))
        for cls in 0..<2 {
            for g in ["mono", "poly"] {
                let total = samples.filter { $0.classIndex == cls && $0.group == g }.count
                let held = b.samples.filter { $0.classIndex == cls && $0.group == g }.count
                XCTAssertEqual(held, Int((Double(total) * 0.25).rounded()), "stratum \(cls)/\(g)")
            }
        }
        XCTAssertThrowsError(try d.stratifiedSplit(heldOutFraction: 1.0, seed: 1))
    }
}
