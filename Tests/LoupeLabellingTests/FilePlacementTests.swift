import Foundation
@testable import LoupeLabelling
import LoupeTestSupport
import XCTest

/// Sorting into class folders never replaces a file.
final class FilePlacementTests: XCTestCase {
    func testNeverOverwritesAndRecognisesWhatIsAlreadyThere() throws {
        let dir = try makeTemporaryDirectory(self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/in/cell 1,ü.png", other = Data("someone else's file".utf8)
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/out/good", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: source, contents: Data("image bytes".utf8))
        FileManager.default.createFile(atPath: dir + "/out/good/cell 1,ü.png", contents: other)
        let sha = try XCTUnwrap(FilePlacement.contentHash(source))
        for mode in FilePlacement.Mode.allCases {
            let folder = dir + "/out/good"
            let first = try FilePlacement.place(source, sha256: sha, into: folder, mode: mode)
            let again = try FilePlacement.place(source, sha256: sha, into: folder, mode: mode)
            XCTAssertTrue(again.alreadyThere, "\(mode)")
            XCTAssertEqual(again.path, first.path)
            XCTAssertEqual(FileManager.default.contents(atPath: first.path), Data("image bytes".utf8), "\(mode)")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/out/good/cell 1,ü.png"), other, "the file that was there is untouched")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/out/good").sorted(), ["cell 1,ü-2.png", "cell 1,ü.png"])
        XCTAssertThrowsError(try FilePlacement.place(source, sha256: sha, into: source + "/sub", mode: .copy)) {
            XCTAssertTrue("\($0)".contains("cannot create folder"), "\($0)")
        }
        XCTAssertEqual(FilePlacement.folderName(forClass: "a/b"), "a_b")
        XCTAssertEqual(FilePlacement.folderName(forClass: ".."), "_..")
    }
}
