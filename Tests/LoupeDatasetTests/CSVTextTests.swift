import Foundation
import LoupeDataset
import LoupeTestSupport
import XCTest

/// RFC 4180 text: what `loupe label` and the review page write must come back field for field,
/// and `loupe train` must read paths with commas and quotes.
final class CSVTextTests: XCTestCase {
    func testFieldsWithCommasQuotesLineBreaksAndNonASCIIRoundTrip() throws {
        let rows = [["path", "label"], ["/data/cam 1/a,b.png", "good"], ["/data/\"quoted\" ü.png", "défaut"],
                    ["two\nlines.png", " padded "], ["", "empty first"]]
        let text = rows.map(CSVText.line).joined()
        XCTAssertEqual(try CSVText.records(text).map(\.fields), rows)
        XCTAssertEqual(CSVText.quote("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVText.quote("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVText.quote("plain"), "plain")
    }

    func testRecordsKnowTheirLineAndBadQuotesNameIt() throws {
        let records = try CSVText.records("a,b\r\n\n\"x\ny\",2\nlast,3")
        XCTAssertEqual(records.map(\.line), [1, 3, 5])
        XCTAssertEqual(records[1].fields, ["x\ny", "2"])
        XCTAssertThrowsError(try CSVText.records("a,b\n\"open,1\n")) { XCTAssertEqual(($0 as? CSVText.SyntaxError)?.line, 2) }
        XCTAssertThrowsError(try CSVText.records("a,b\nx\"y,1\n")) { XCTAssertTrue("\($0)".contains("line 2: a quote inside an unquoted field"), "\($0)") }
        XCTAssertThrowsError(try CSVText.records("a,b\n\"x\"y,1\n")) { XCTAssertTrue("\($0)".contains("text after a closing quote"), "\($0)") }
    }

    func testLabelsCSVReadsQuotedPaths() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["a,b.png", "say \"x\".png", "naïve é.png"] { FileManager.default.createFile(atPath: dir + "/" + name, contents: Data([1])) }
        let csv = "path,label,group\n" + CSVText.line(["a,b.png", "good", "cam, 1"]) + CSVText.line(["say \"x\".png", "crack", ""])
            + CSVText.line([dir + "/naïve é.png", "good", "cam 2"])
        try csv.write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        let set = try LabeledDataset.load(dir + "/labels.csv")
        XCTAssertEqual(set.classes, ["good", "crack"])
        XCTAssertEqual(set.samples.map(\.path), [dir + "/a,b.png", dir + "/say \"x\".png", dir + "/naïve é.png"])
        XCTAssertEqual(set.samples.map(\.group), ["cam, 1", nil, "cam 2"])
        try "path,label\n\"open.png,good\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LabeledDataset.load(dir + "/bad.csv")) { XCTAssertTrue("\($0)".contains("bad.csv, line 2: a quoted field is not closed"), "\($0)") }
    }
}
