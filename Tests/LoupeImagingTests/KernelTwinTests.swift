import LoupeTensor
import XCTest
@testable import LoupeImaging
import LoupeTestSupport

/// Every SIMD kernel against its scalar reference twin on seeded random data, at sizes
/// equal to, below, above and at multiples of the 16-lane vector width.
final class KernelTwinTests: XCTestCase {
    static let widths = [1, 7, 15, 16, 17, 32, 33, 300]

    func testResizeBilinearMatchesReference() {
        var random = SplitMix64(seed: 30)
        for sourceWidth in Self.widths {
            for destinationWidth in Self.widths {
                let (sourceHeight, destinationHeight, channels) = (1 + sourceWidth % 5, 1 + destinationWidth % 7, 2)
                let source = AlignedBuffer(random.floats(channels * sourceWidth * sourceHeight))
                let fast = AlignedBuffer(count: channels * destinationWidth * destinationHeight)
                let reference = AlignedBuffer(count: fast.count)
                let plan = ResizePlan(sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                                      destinationWidth: destinationWidth, destinationHeight: destinationHeight)
                ImageKernels.resizeBilinear(source: source.pointer, destination: fast.pointer, channels: channels, plan: plan)
                ImageKernels.resizeBilinearReference(source: source.pointer, sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                                                     destination: reference.pointer, destinationWidth: destinationWidth,
                                                     destinationHeight: destinationHeight, channels: channels)
                assertClose(fast.array, reference.array, "resize \(sourceWidth)x\(sourceHeight) → \(destinationWidth)x\(destinationHeight)")
            }
        }
    }

    func testCropMatchesReference() {
        var random = SplitMix64(seed: 31)
        for width in Self.widths {
            let (sourceWidth, sourceHeight, channels) = (width + 5, 6, 3)
            let source = AlignedBuffer(random.floats(channels * sourceWidth * sourceHeight))
            let fast = AlignedBuffer(count: channels * width * 4)
            let reference = AlignedBuffer(count: fast.count)
            ImageKernels.crop(source: source.pointer, sourceWidth: sourceWidth, sourceHeight: sourceHeight, channels: channels,
                              destination: fast.pointer, x: 3, y: 1, width: width, height: 4)
            ImageKernels.cropReference(source: source.pointer, sourceWidth: sourceWidth, sourceHeight: sourceHeight, channels: channels,
                                       destination: reference.pointer, x: 3, y: 1, width: width, height: 4)
            XCTAssertEqual(fast.array, reference.array, "crop width \(width)")
        }
    }

    func testNormalizeMatchesReference() {
        var random = SplitMix64(seed: 32)
        for count in Self.widths + [0, 48, 1000] {
            let values = random.floats(count)
            let fast = AlignedBuffer(values), reference = AlignedBuffer(values)
            ImageKernels.normalize(fast.pointer, count: count, mean: 0.485, std: 0.229)
            ImageKernels.normalizeReference(reference.pointer, count: count, mean: 0.485, std: 0.229)
            assertClose(fast.array, reference.array, "normalize count \(count)")
        }
    }

    func testPlaneFromInterleavedMatchesReference() {
        var random = SplitMix64(seed: 33)
        for pixels in Self.widths {
            for stride in [1, 3, 4] {
                for channel in 0..<stride {
                    let bytes = random.bytes(pixels * stride)
                    let words = (0..<pixels * stride).map { _ in UInt16.random(in: 0...UInt16.max, using: &random) }
                    let fast = AlignedBuffer(count: pixels), reference = AlignedBuffer(count: pixels)
                    bytes.withUnsafeBufferPointer { source in
                        ImageKernels.planeFromInterleaved(source.baseAddress!, pixelCount: pixels, stride: stride, channel: channel,
                                                          destination: fast.pointer, scale: 1 / 255, mean: 0.456, std: 0.224)
                        ImageKernels.planeFromInterleavedReference(source.baseAddress!, pixelCount: pixels, stride: stride, channel: channel,
                                                                   destination: reference.pointer, scale: 1 / 255, mean: 0.456, std: 0.224)
                    }
                    assertClose(fast.array, reference.array, "u8 plane \(pixels)px stride \(stride) ch \(channel)")
                    words.withUnsafeBufferPointer { source in
                        ImageKernels.planeFromInterleaved(source.baseAddress!, pixelCount: pixels, stride: stride, channel: channel,
                                                          destination: fast.pointer, scale: 1 / 65535, mean: 0.5, std: 0.25)
                        ImageKernels.planeFromInterleavedReference(source.baseAddress!, pixelCount: pixels, stride: stride, channel: channel,
                                                                   destination: reference.pointer, scale: 1 / 65535, mean: 0.5, std: 0.25)
                    }
                    assertClose(fast.array, reference.array, "u16 plane \(pixels)px stride \(stride) ch \(channel)")
                }
            }
        }
    }

    func testLumaPlaneMatchesReference() {
        var random = SplitMix64(seed: 34)
        for pixels in Self.widths {
            for stride in [3, 4] {
                let bytes = random.bytes(pixels * stride)
                let words = (0..<pixels * stride).map { _ in UInt16.random(in: 0...UInt16.max, using: &random) }
                let fast = AlignedBuffer(count: pixels), reference = AlignedBuffer(count: pixels)
                bytes.withUnsafeBufferPointer { source in
                    ImageKernels.lumaPlaneFromInterleaved(source.baseAddress!, pixelCount: pixels, stride: stride,
                                                          destination: fast.pointer, scale: 1 / 255, mean: 0.2, std: 0.5)
                    ImageKernels.lumaPlaneFromInterleavedReference(source.baseAddress!, pixelCount: pixels, stride: stride,
                                                                   destination: reference.pointer, scale: 1 / 255, mean: 0.2, std: 0.5)
                }
                assertClose(fast.array, reference.array, "u8 luma \(pixels)px stride \(stride)")
                words.withUnsafeBufferPointer { source in
                    ImageKernels.lumaPlaneFromInterleaved(source.baseAddress!, pixelCount: pixels, stride: stride,
                                                          destination: fast.pointer, scale: 1 / 65535, mean: 0, std: 1)
                    ImageKernels.lumaPlaneFromInterleavedReference(source.baseAddress!, pixelCount: pixels, stride: stride,
                                                                   destination: reference.pointer, scale: 1 / 65535, mean: 0, std: 1)
                }
                assertClose(fast.array, reference.array, "u16 luma \(pixels)px stride \(stride)")
            }
        }
    }
}
