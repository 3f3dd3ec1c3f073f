import Foundation
import LoupeProcess
import LoupeTestSupport
import XCTest

/// Reading plant CSV exports: units in the header, a decimal comma, status strings, missing
/// values, malformed rows, and the streaming data report.
final class ProcessDataTests: XCTestCase {
    func write(_ text: String, _ name: String = "data.csv") throws -> String {
        let path = try makeTemporaryDirectory(self, "process-data") + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testMessyExportIsReadWithUnitsDecimalCommaAndBadCellsReportedByLineAndColumn() throws {
        let path = try write("\u{FEFF}Zeit;Dampf [t/h];Temp (°C);Status;Leer\n"
                             + "01.03.2024 06:00:00;12,5;480,25;ok;\n"
                             + "01.03.2024 06:01:00;Inp OutRange;481,0;ok;\n"
                             + "01.03.2024 06:02:00;;NaN;alarm;\n"
                             + "01.03.2024 06:03:00;\"13,25\";482;ok;\n"
                             + "\n"
                             + "01.03.2024 06:04:00;13;-1,5e1;ok;\n")
        let table = try ProcessTable.load(contentsOf: path)
        XCTAssertEqual(table.names, ["Dampf", "Temp", "Leer"])
        XCTAssertEqual(table.units, ["t/h", "°C", nil])
        XCTAssertEqual(table.rowCount, 5)
        XCTAssertEqual(table.columns[0][0], 12.5)
        XCTAssertTrue(table.columns[0][1].isNaN, "a status string is never a number")
        XCTAssertEqual(table.columns[0][3], 13.25)
        XCTAssertEqual(table.columns[1][4], -15)
        XCTAssertEqual(table.badCells, [BadCell(line: 3, column: "Dampf", text: "Inp OutRange")])
        XCTAssertEqual(table.lines, [2, 3, 4, 5, 7])
        XCTAssertEqual(try XCTUnwrap(table.timestamps)[1] - table.timestamps![0], 60)
        let profile = try DataProfile.build(path: path)
        XCTAssertEqual(profile.textColumns, ["Status"])
        XCTAssertEqual(profile.timeColumn, "Zeit")
        XCTAssertTrue(profile.decimalComma)
        XCTAssertEqual(profile.tags.map(\.bad), [1, 0, 0])
        XCTAssertEqual(profile.tags.map(\.missing), [1, 1, 5])
        XCTAssertEqual(profile.tags[2].count, 0, "an all-empty column is reported as having no values")
    }

    func testMalformedRowsAndQuotesNameTheLine() throws {
        let ragged = try write("a,b,c\n1,2,3\n4,5,6,7\n")
        XCTAssertThrowsError(try ProcessTable.load(contentsOf: ragged)) { error in
            XCTAssertEqual("\(error)", "\(ragged):3: has 4 fields, the header has 3; check the delimiter and quoting on that line")
        }
        let quote = try write("a,b\n1,\"2\n")
        XCTAssertThrowsError(try ProcessTable.load(contentsOf: quote)) { XCTAssertTrue("\($0)".contains(":2: a quoted field is not closed"), "\($0)") }
        let empty = try write("")
        XCTAssertThrowsError(try ProcessTable.load(contentsOf: empty)) { XCTAssertTrue("\($0)".contains("is empty"), "\($0)") }
        XCTAssertThrowsError(try ProcessTable.load(contentsOf: "/nonexistent/plant.csv")) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
        let words = try write("name,colour\nx,red\ny,blue\n")
        XCTAssertThrowsError(try ProcessTable.load(contentsOf: words)) { XCTAssertTrue("\($0)".contains("no numeric column"), "\($0)") }
        let twice = try write("a,a\n1,2\n")
        XCTAssertThrowsError(try ProcessTable.load(contentsOf: twice)) { XCTAssertTrue("\($0)".contains("'a' appears twice"), "\($0)") }
    }

    /// A real historian export: "Inp OutRange" and "Bad" in place of numbers.
    func testHistorianStatusStringsAreBadCellsNeverNumbers() throws {
        let path = repositoryRoot + "/Tests/Fixtures/process/historian-300.csv"
        let table = try ProcessTable.load(contentsOf: path)
        XCTAssertEqual(table.rowCount, 300)
        XCTAssertEqual(table.names.first, "tag0")
        XCTAssertNotNil(table.timestamps)
        XCTAssertEqual(table.badCells.count, 41)
        XCTAssertEqual(Set(table.badCells.map(\.text)), ["Inp OutRange", "Bad"])
        let text = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = text[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for cell in table.badCells {
            let fields = text[cell.line - 1].split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(String(fields[header.firstIndex(of: cell.column)!]), cell.text, "\(cell)")
            let row = table.lines.firstIndex(of: cell.line)!
            XCTAssertTrue(try table.column(cell.column)[row].isNaN)
        }
    }

    func testReportFindsConstantTagsCorrelatedGroupsAndExactCorrelations() throws {
        var rng = SplitMix64(seed: 7)
        var lines = ["time,a,a_copy,b,c,d"]
        var a: [Double] = [], b: [Double] = []
        for i in 0..<2000 {
            let x = Double(rng.normal()), y = Double(rng.normal())
            a.append(x); b.append(y)
            lines.append("2024-01-01T00:\(String(format: "%02d", i / 60 % 60)):\(String(format: "%02d", i % 60)),\(x),\(2 * x + 0.01 * Double(rng.normal())),\(y),5,\(x + y)")
        }
        let path = try write(lines.joined(separator: "\n") + "\n")
        let profile = try DataProfile.build(path: path, groupThreshold: 0.9, batchRows: 333)
        XCTAssertEqual(profile.rows, 2000)
        XCTAssertEqual(profile.tags.filter(\.isConstant).map(\.name), ["c"])
        XCTAssertEqual(profile.correlatedGroups, [["a", "a_copy"]])
        // The streamed correlation equals the two-pass formula.
        let ma = a.reduce(0, +) / 2000, mb = b.reduce(0, +) / 2000
        let r = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
            / (a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) } * b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }).squareRoot()
        XCTAssertEqual(try XCTUnwrap(profile.correlation)[0, 2], r, accuracy: 1e-9)
        XCTAssertEqual(profile.tags[0].mean, ma, accuracy: 1e-12)
    }

    /// A file far larger than the memory the report may use: rows stream through one batch.
    /// The `loupe` process's peak resident memory stays below what the values alone would take.
    func testReportStreamsAFileLargerThanItsMemory() throws {
        guard let loupe = builtExecutable("loupe", override: "LOUPE_CLI") else { throw XCTSkip("no loupe executable beside the test bundle") }
        let dir = try makeTemporaryDirectory(self, "process-stream")
        let path = dir + "/year.csv"
        let tags = 200, rows = 60_000
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.write(Data(("sample," + (0..<tags).map { "tag\($0)" }.joined(separator: ",") + "\n").utf8))
        var rng = SplitMix64(seed: 3)
        var block = ""
        for i in 0..<rows {
            block += "\(i)"
            for j in 0..<tags { block += j == 7 && i % 1000 == 0 ? ",Bad" : "," + String(Int(rng.next() % 100_000)) }
            block += "\n"
            if i % 2000 == 1999 { handle.write(Data(block.utf8)); block = "" }
        }
        handle.write(Data(block.utf8))
        try handle.close()
        let valuesBytes = Double(tags * rows * 8) / 1e6
        func peak(_ file: String) throws -> (Double, String) {
            let (status, out, err) = try runProcess(loupe, ["process", "report", file], timeout: 300)
            XCTAssertEqual(status, 0, err)
            let text = String(decoding: out, as: UTF8.self)
            let match = try XCTUnwrap(text.range(of: "peak memory [0-9.]+ MB", options: .regularExpression).map { text[$0] }, text)
            return (try XCTUnwrap(Double(match.split(separator: " ")[2])), text)
        }
        // The same command on a 10-row file: what the program itself takes.
        try (try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").prefix(11).joined(separator: "\n") + "\n")
            .write(toFile: dir + "/small.csv", atomically: true, encoding: .utf8)
        let (baseline, _) = try peak(dir + "/small.csv")
        let (peakMB, text) = try peak(path)
        print("process report: \(tags * rows) values (\(valuesBytes) MB as doubles): peak \(peakMB) MB, \(baseline) MB on 10 rows: \(text)")
        XCTAssertTrue(text.contains("60000 rows, 201 numeric tags"), text)
        XCTAssertTrue(text.contains("60 bad cells"), text)
        XCTAssertLessThan(peakMB - baseline, valuesBytes / 4, "the report must not hold the values in memory")
    }
}
