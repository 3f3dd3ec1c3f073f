import XCTest
@testable import LoupeImaging
import LoupeTestSupport

/// Encode → decode must give back exactly the same samples for every mode ImageEncoder writes.
final class PNGRoundTripTests: XCTestCase {
    func testEightBitModesRoundTripExactly() throws {
        var random = SplitMix64(seed: 1)
        for channels in [1, 3, 4] {
            for (width, height) in [(1, 1), (17, 5), (64, 33)] {
                let image = try Image(width: width, height: height, channels: channels,
                                      pixels: random.bytes(width * height * channels))
                let decoded = try ImageDecoder.decode(data: ImageEncoder.pngData(image), name: "rt.png")
                XCTAssertEqual(decoded, image, "8-bit \(channels)ch \(width)x\(height)")
            }
        }
    }

    func testSixteenBitModesRoundTripExactly() throws {
        var random = SplitMix64(seed: 2)
        for channels in [1, 3, 4] {
            let (width, height) = (19, 7)
            let samples = (0..<width * height * channels).map { _ in UInt16.random(in: 0...UInt16.max, using: &random) }
            let image = try Image(width: width, height: height, channels: channels, pixels16: samples)
            let decoded = try ImageDecoder.decode(data: ImageEncoder.pngData(image), name: "rt16.png")
            XCTAssertEqual(decoded.bitDepth, 16)
            XCTAssertEqual(decoded, image, "16-bit \(channels)ch")
        }
    }

    func testWritePNGToFileThenDecodeFromPath() throws {
        let directory = try makeTemporaryDirectory(self, "imaging")
        let image = try Image(width: 5, height: 3, channels: 3, pixels: gradientPixels(width: 5, height: 3, channels: 3))
        let path = directory + "/heatmap.png"
        try ImageEncoder.writePNG(image, to: path)
        XCTAssertEqual(try ImageDecoder.decode(contentsOf: path), image)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"), "temporary file left behind")
    }

    func testFormatIsSniffedFromContentNotExtension() throws {
        let directory = try makeTemporaryDirectory(self, "imaging")
        let image = try Image(width: 4, height: 4, channels: 1, pixels: Array(0..<16))
        let path = directory + "/actually-a-png.jpg"
        try writeFile(ImageEncoder.pngData(image), to: path)
        XCTAssertEqual(try ImageDecoder.decode(contentsOf: path), image)
    }

    func testWritePNGIntoMissingDirectoryNamesThePath() throws {
        let image = try Image(width: 1, height: 1, channels: 1, pixels: [7])
        let path = "/nonexistent-loupe-dir/report.png"
        assertImagingError(try ImageEncoder.writePNG(image, to: path), mentions: path, "encodeFailed") {
            if case .encodeFailed = $0 { return true } else { return false }
        }
    }
}
