import LoupeTensor
import XCTest
@testable import LoupeImaging
import LoupeTestSupport

/// Image → normalised CHW float planes, checked against values computed by hand.
final class NetworkInputTests: XCTestCase {
    func testRGBToRGBIsPlanarScaledAndNormalised() throws {
        // 2 pixels: (255, 0, 51), (0, 102, 255)
        let image = try Image(width: 2, height: 1, channels: 3, pixels: [255, 0, 51, 0, 102, 255])
        let tensor = try image.networkInput(channels: 3, normalization: NormalizationParameters(mean: [0.5, 0, 0.2], std: [0.5, 2, 0.4]))
        XCTAssertEqual(tensor.shape, [1, 3, 1, 2])
        assertClose(tensor.values, [1, -1, 0, 0.2, 0, 2], "planes")
    }

    func testGrayToRGBRepeatsThePlaneWithPerChannelStatistics() throws {
        let image = try Image(width: 3, height: 1, channels: 1, pixels: [0, 51, 255])
        let tensor = try image.networkInput(channels: 3, normalization: .imageNet)
        let gray: [Float] = [0, 0.2, 1]
        let expected = (0..<3).flatMap { c in gray.map { ($0 - NormalizationParameters.imageNet.mean[c]) / NormalizationParameters.imageNet.std[c] } }
        assertClose(tensor.values, expected, "gray→RGB")
    }

    func testRGBAToGrayUsesLumaAndDropsAlpha() throws {
        let image = try Image(width: 2, height: 1, channels: 4, pixels: [255, 0, 0, 9, 10, 200, 30, 77])
        let tensor = try image.networkInput(channels: 1, normalization: .unit(channels: 1))
        assertClose(tensor.values, [0.299, (0.299 * 10 + 0.587 * 200 + 0.114 * 30) / 255], "luma")
    }

    func testSixteenBitScalesByFullRange() throws {
        let image = try Image(width: 3, height: 1, channels: 1, pixels16: [0, 32768, 65535])
        let tensor = try image.networkInput(channels: 1, normalization: .unit(channels: 1))
        assertClose(tensor.values, [0, 32768 / 65535, 1], "16-bit")
    }

    func testWritesIntoCallerBufferAndValidatesIt() throws {
        let image = try Image(width: 4, height: 2, channels: 3, pixels: [UInt8](repeating: 255, count: 24))
        let buffer = AlignedBuffer(count: 24)
        try image.writeNetworkInput(into: buffer.pointer, capacity: buffer.count, channels: 3, normalization: .unit(channels: 3))
        XCTAssertEqual(buffer.array, [Float](repeating: 1, count: 24))

        let isWrongSize: (ImagingError) -> Bool = { if case .wrongSize = $0 { return true } else { return false } }
        assertImagingError(try image.writeNetworkInput(into: buffer.pointer, capacity: 23, channels: 3, normalization: .unit(channels: 3),
                                                       name: "frame-7"), mentions: "frame-7", "small buffer", matches: isWrongSize)
        assertImagingError(try image.networkInput(channels: 2, normalization: .unit(channels: 2), name: "frame-7"),
                           mentions: "frame-7", "2 channels", matches: isWrongSize)
        assertImagingError(try image.networkInput(channels: 3, normalization: .unit(channels: 1), name: "frame-7"),
                           mentions: "frame-7", "mean count", matches: isWrongSize)
        assertImagingError(try image.networkInput(channels: 1, normalization: NormalizationParameters(mean: [0], std: [0]), name: "frame-7"),
                           mentions: "frame-7", "zero std", matches: isWrongSize)
    }

    func testImageInitRejectsInconsistentShapes() {
        let isWrongSize: (ImagingError) -> Bool = { if case .wrongSize = $0 { return true } else { return false } }
        assertImagingError(try Image(width: 2, height: 2, channels: 3, pixels: [1, 2, 3], name: "bad"), mentions: "bad", "count",
                           matches: isWrongSize)
        assertImagingError(try Image(width: 1, height: 1, channels: 2, pixels: [1, 2], name: "bad"), mentions: "bad", "channels",
                           matches: isWrongSize)
    }
}
