import LoupeTensor
import XCTest
@testable import LoupeImaging
import LoupeTestSupport

/// Resize against hand-computed half-pixel (align_corners=False) results.
final class ResizeTests: XCTestCase {
    private func resize(_ values: [Float], _ width: Int, _ height: Int, to newWidth: Int, _ newHeight: Int) throws -> [Float] {
        try ImageTransforms.resized(Tensor(shape: [1, height, width], values: values), width: newWidth, height: newHeight).values
    }

    /// 2x2 → 4x4: source x for output columns 0...3 is (-0.25→0, 0.25, 0.75, 1.25→1), so a
    /// row [a, b] becomes [a, .75a+.25b, .25a+.75b, b]; same down the columns.
    /// Matches torch.nn.functional.interpolate(x, size=(4,4), mode="bilinear", align_corners=False).
    func testTwoByTwoToFourByFourHalfPixel() throws {
        let result = try resize([0, 4, 8, 12], 2, 2, to: 4, 4)
        let expected: [Float] = [
            0, 1, 3, 4,
            2, 3, 5, 6,
            6, 7, 9, 10,
            8, 9, 11, 12,
        ]
        assertClose(result, expected, "2x2→4x4")
    }

    /// 4x4 → 2x2: sources at 0.5 and 2.5, i.e. the mean of each 2x2 block.
    func testFourByFourToTwoByTwoAveragesBlocks() throws {
        let source: [Float] = (0..<16).map { Float($0 * $0 % 11) }
        let result = try resize(source, 4, 4, to: 2, 2)
        let expected = [(0, 0), (0, 2), (2, 0), (2, 2)].map { y, x -> Float in
            (source[y * 4 + x] + source[y * 4 + x + 1] + source[(y + 1) * 4 + x] + source[(y + 1) * 4 + x + 1]) / 4
        }
        assertClose(result, expected, "4x4→2x2")
    }

    func testSameSizeIsIdentity() throws {
        var random = SplitMix64(seed: 20)
        let source = random.floats(37 * 5)
        XCTAssertEqual(try resize(source, 37, 5, to: 37, 5), source)
    }

    func testOneByOneUpscaleIsConstant() throws {
        XCTAssertEqual(try resize([3.5], 1, 1, to: 5, 3), [Float](repeating: 3.5, count: 15))
    }

    func testPlanReusedAcrossFramesAndChannelsGivesFreshResults() throws {
        var random = SplitMix64(seed: 21)
        let plan = ResizePlan(sourceWidth: 19, sourceHeight: 7, destinationWidth: 40, destinationHeight: 15)
        let output = Tensor(shape: [1, 3, 15, 40])
        for frame in 0..<3 {
            let input = Tensor(shape: [1, 3, 7, 19], values: random.floats(3 * 7 * 19))
            try ImageTransforms.resize(input, into: output, plan: plan)
            let expected = Tensor(shape: [1, 3, 15, 40])
            ImageKernels.resizeBilinearReference(source: input.pointer, sourceWidth: 19, sourceHeight: 7, destination: expected.pointer,
                                                 destinationWidth: 40, destinationHeight: 15, channels: 3)
            assertClose(output.values, expected.values, "frame \(frame)")
        }
    }

    func testResizeRejectsTensorsThatDoNotMatchThePlan() {
        let plan = ResizePlan(sourceWidth: 8, sourceHeight: 8, destinationWidth: 4, destinationHeight: 4)
        assertImagingError(try ImageTransforms.resize(Tensor(shape: [3, 8, 9]), into: Tensor(shape: [3, 4, 4]), plan: plan, name: "cam1"),
                           mentions: "cam1", "wrongSize") { if case .wrongSize = $0 { return true } else { return false } }
        assertImagingError(try ImageTransforms.resize(Tensor(shape: [2, 3, 8, 8]), into: Tensor(shape: [3, 4, 4]), plan: plan, name: "cam1"),
                           mentions: "cam1", "wrongSize") { if case .wrongSize = $0 { return true } else { return false } }
    }
}

/// Crop through the validating layer.
final class CropTests: XCTestCase {
    func testCropCopiesTheRegionOfEveryPlane() throws {
        let planes = Tensor(shape: [2, 3, 4], values: (0..<24).map(Float.init))
        let cropped = try ImageTransforms.crop(planes, to: PixelRegion(x: 1, y: 1, width: 2, height: 2))
        XCTAssertEqual(cropped.shape, [2, 2, 2])
        XCTAssertEqual(cropped.values, [5, 6, 9, 10, 17, 18, 21, 22])
    }

    func testCropOutsideTheImageThrowsNamingImageAndRegion() {
        let planes = Tensor(shape: [1, 1, 10, 20])
        for region in [PixelRegion(x: 15, y: 0, width: 6, height: 2), PixelRegion(x: -1, y: 0, width: 2, height: 2),
                       PixelRegion(x: 0, y: 9, width: 1, height: 2), PixelRegion(x: 0, y: 0, width: 0, height: 1),
                       PixelRegion(x: Int.max, y: 0, width: 2, height: 1)] {
            assertImagingError(try ImageTransforms.crop(planes, to: region, name: "roi-bolt"), mentions: "roi-bolt", "wrongSize") {
                if case .wrongSize(_, "crop", let received, _) = $0 { return received.contains("\(region.width)x\(region.height)") }
                return false
            }
        }
    }
}
