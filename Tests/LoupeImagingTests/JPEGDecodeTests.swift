import XCTest
@testable import LoupeImaging
import LoupeTestSupport

/// JPEG is lossy: decoded samples must be within JPEG tolerance of what was encoded.
final class JPEGDecodeTests: XCTestCase {
    private func assertWithinJPEGTolerance(_ decoded: Image, _ source: [UInt8], maxError: Int, meanError: Double,
                                           file: StaticString = #filePath, line: UInt = #line) {
        guard let pixels = decoded.pixels8 else { return XCTFail("JPEG decoded to 16-bit", file: file, line: line) }
        XCTAssertEqual(pixels.count, source.count, file: file, line: line)
        let errors = zip(pixels, source).map { abs(Int($0) - Int($1)) }
        XCTAssertLessThanOrEqual(errors.max() ?? 0, maxError, "max error", file: file, line: line)
        XCTAssertLessThanOrEqual(Double(errors.reduce(0, +)) / Double(errors.count), meanError, "mean error", file: file, line: line)
    }

    func testGrayJPEGDecodesNearSource() throws {
        let (width, height) = (40, 24)
        let source = gradientPixels(width: width, height: height, channels: 1)
        let jpeg = try ImageEncoder.jpegData(try Image(width: width, height: height, channels: 1, pixels: source), quality: 95)
        let image = try ImageDecoder.decode(data: jpeg, name: "gray.jpg")
        XCTAssertEqual([image.width, image.height, image.channels, image.bitDepth], [width, height, 1, 8])
        assertWithinJPEGTolerance(image, source, maxError: 6, meanError: 1.5)
    }

    func testRGBJPEGDecodesNearSource() throws {
        let (width, height) = (33, 17) // not a multiple of the 16x16 MCU
        let source = gradientPixels(width: width, height: height, channels: 3)
        let jpeg = try ImageEncoder.jpegData(try Image(width: width, height: height, channels: 3, pixels: source), quality: 95)
        let directory = try makeTemporaryDirectory(self, "imaging")
        try writeFile(jpeg, to: directory + "/part.jpeg")
        let image = try ImageDecoder.decode(contentsOf: directory + "/part.jpeg")
        XCTAssertEqual([image.width, image.height, image.channels, image.bitDepth], [width, height, 3, 8])
        assertWithinJPEGTolerance(image, source, maxError: 12, meanError: 2.5)
    }

    func testJPEGEncoderRejectsRGBAWithNamedImage() throws {
        let image = try Image(width: 1, height: 1, channels: 4, pixels: [1, 2, 3, 4])
        assertImagingError(try ImageEncoder.jpegData(image, name: "overlay"), mentions: "overlay", "wrongSize") {
            if case .wrongSize = $0 { return true } else { return false }
        }
    }
}
