import Foundation
import LoupeImaging
import XCTest
@testable import LoupeEvaluation

final class ReportThumbnailTests: XCTestCase {
    func testLongerSideFitsAndAspectIsKept() throws {
        let gray = try Image(width: 320, height: 200, channels: 1, pixels: (0..<64_000).map { UInt8($0 % 320 * 255 / 319) })
        let small = try ImageTransforms.thumbnail(gray, maxSide: 160)
        XCTAssertEqual([small.width, small.height, small.channels], [160, 100, 1])
        // A horizontal ramp stays a ramp: the left edge dark, the right edge bright, monotone rows.
        let row = Array(small.pixels8![0..<160])
        XCTAssertLessThan(row.first!, 5)
        XCTAssertGreaterThan(row.last!, 250)
        XCTAssertEqual(row, row.sorted())

        let strip = try Image(width: 1000, height: 10, channels: 1, pixels: [UInt8](repeating: 9, count: 10_000))
        let thin = try ImageTransforms.thumbnail(strip, maxSide: 160)
        XCTAssertEqual([thin.width, thin.height], [160, 2])
        XCTAssertTrue(thin.pixels8!.allSatisfy { $0 == 9 })
    }

    /// Halving averages 2x2 blocks: a one-pixel checkerboard becomes flat mid-gray, not an alias pattern.
    func testCheckerboardAveragesToGray() throws {
        let pixels = (0..<(64 * 64)).map { (($0 % 64) + ($0 / 64)) % 2 == 0 ? UInt8(0) : 255 }
        let board = try Image(width: 64, height: 64, channels: 1, pixels: pixels)
        let small = try ImageTransforms.thumbnail(board, maxSide: 8)
        XCTAssertEqual([small.width, small.height], [8, 8])
        XCTAssertTrue(small.pixels8!.allSatisfy { $0 == 128 }, "\(small.pixels8!)")
    }

    /// Small images are not upscaled; 16-bit RGBA becomes 8-bit RGB (alpha dropped).
    func testSixteenBitRGBAIsConvertedNotUpscaled() throws {
        var samples: [UInt16] = []
        for pixel in 0..<(50 * 30) { samples += [UInt16(pixel * 40), 65535, 0, 1234] }
        let image = try Image(width: 50, height: 30, channels: 4, pixels16: samples)
        let copy = try ImageTransforms.thumbnail(image, maxSide: 160)
        XCTAssertEqual([copy.width, copy.height, copy.channels, copy.bitDepth], [50, 30, 3, 8])
        for pixel in [0, 7, 777, 1499] {
            let expected = UInt8((Float(pixel * 40) / 65535 * 255).rounded())
            XCTAssertEqual(copy.pixels8![pixel * 3], expected, "pixel \(pixel)")
            XCTAssertEqual(copy.pixels8![pixel * 3 + 1], 255)
            XCTAssertEqual(copy.pixels8![pixel * 3 + 2], 0)
        }
    }

    func testPNGFromFileRoundTripsAndNamesMissingFiles() throws {
        let directory = NSTemporaryDirectory() + "loupe-eval-thumb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/cell.png"
        try ImageEncoder.writePNG(try Image(width: 300, height: 240, channels: 3, pixels: (0..<216_000).map { UInt8($0 % 251) }), to: path)
        let png = try ReportThumbnail.png(contentsOf: path)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let decoded = try ImageDecoder.decode(data: png, name: "thumbnail")
        XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [160, 128, 3])
        XCTAssertThrowsError(try ReportThumbnail.png(contentsOf: directory + "/missing.png")) { error in
            XCTAssertEqual(error as? ImagingError, .fileNotFound(path: directory + "/missing.png"))
        }
    }
}
