import LoupeCapture
import LoupeImaging
import LoupeInspection
import LoupeModel
import LoupeTestSupport
import XCTest

/// The station's seam: a camera frame converted in place into the inspector's network input,
/// then a verdict, with no allocator call per part in steady state.
final class FrameToVerdictTests: XCTestCase {
    static let width = 64, height = 48

    /// A YUYV frame of a smooth pattern, as a camera delivers it.
    static func yuyvFrame() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: width * height * 2)
        for y in 0..<height {
            for x in 0..<width {
                bytes[(y * width + x) * 2] = UInt8(16 + (x * 3 + y * 2) % 200)
                bytes[(y * width + x) * 2 + 1] = UInt8(128 + ((x / 2) % 2 == 0 ? (y % 16) : -(y % 16)))
            }
        }
        return bytes
    }

    static let rgbPixels = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: ($0 * 5 + $0 / 193) % 251) }

    static func rgbImage() throws -> Image { try Image(width: width, height: height, channels: 3, pixels: rgbPixels) }

    static func converter(_ format: FrameFormat, for inspector: Inspector) throws -> FrameConverter {
        let input = inspector.input
        return try FrameConverter(format: format, outputWidth: input.width, outputHeight: input.height, channels: input.channels,
                                  normalization: NormalizationParameters(mean: input.mean, std: input.std))
    }

    /// The frame seam gives the same decision as converting the frame to an ``Image`` first.
    func testFrameDecisionMatchesTheImagePath() throws {
        let inspector = try Inspector(model: InspectorTests.model(), threads: 1)
        let format = FrameFormat(pixelFormat: .rgb24, width: Self.width, height: Self.height)
        let image = try Self.rgbImage()
        let pixels = Self.rgbPixels
        let converter = try Self.converter(format, for: inspector)
        let decision = try pixels.withUnsafeBytes { bytes in
            try inspector.decide { try converter.convert(bytes, into: $0.baseAddress!, capacity: $0.count) }
        }
        let probabilities = Array(inspector.probabilities)
        let viaImage = try inspector.inspect(image, source: "frame")
        XCTAssertEqual(decision.classIndex, viaImage.classIndex)
        XCTAssertEqual(decision.verdict, viaImage.verdict)
        XCTAssertEqual(decision.defectScore, viaImage.defectScore, accuracy: 1e-4)
        assertClose(probabilities, viaImage.probabilities, absolute: 1e-4, relative: 1e-3, "frame seam vs image path")
        XCTAssertEqual(decision.threshold, 0.5)
        XCTAssertGreaterThan(decision.timings.inferenceMs, 0)
    }

    /// A truncated frame is refused by the converter; nothing is decided from stale input.
    func testTruncatedFrameThrowsAndDecidesNothing() throws {
        let inspector = try Inspector(model: InspectorTests.model(), threads: 1)
        let converter = try Self.converter(FrameFormat(pixelFormat: .yuyv, width: Self.width, height: Self.height), for: inspector)
        let short = Array(Self.yuyvFrame().prefix(100))
        XCTAssertThrowsError(try short.withUnsafeBytes { bytes in
            try inspector.decide { try converter.convert(bytes, into: $0.baseAddress!, capacity: $0.count) }
        }) { error in XCTAssertTrue("\(error)".contains("100 bytes"), "\(error)") }
    }

    /// Allocator calls for 20 parts after two warm-up parts.
    private func steadyStateAllocations(_ frame: [UInt8], _ format: FrameFormat) throws -> Int {
        let inspector = try Inspector(model: InspectorTests.model(), threads: 1)
        let converter = try Self.converter(format, for: inspector)
        return try frame.withUnsafeBytes { bytes in
            var rejects = 0
            for _ in 0..<2 { _ = try inspector.decide { try converter.convert(bytes, into: $0.baseAddress!, capacity: $0.count) } }
            let calls = try AllocationCounter.calls {
                for _ in 0..<20 {
                    let decision = try inspector.decide { try converter.convert(bytes, into: $0.baseAddress!, capacity: $0.count) }
                    if decision.verdict == .reject { rejects += 1 }
                }
            }
            XCTAssertLessThanOrEqual(rejects, 20)
            return calls
        }
    }

    func testRawFrameToVerdictMakesNoAllocatorCalls() throws {
        let yuyv = FrameFormat(pixelFormat: .yuyv, width: Self.width, height: Self.height)
        XCTAssertEqual(try steadyStateAllocations(Self.yuyvFrame(), yuyv), 0, "YUYV frame → verdict")
        let rgb = FrameFormat(pixelFormat: .rgb24, width: Self.width, height: Self.height)
        XCTAssertEqual(try steadyStateAllocations(Self.rgbPixels, rgb), 0, "RGB24 frame → verdict")
    }

    /// MJPEG: Loupe's side allocates nothing per frame; what remains is libjpeg-turbo's own
    /// per-image pools, exactly as many as a bare decode of the same frame makes.
    func testMJPEGFrameToVerdictAllocatesOnlyWhatLibjpegDoes() throws {
        let jpeg = try ImageEncoder.jpegData(try Self.rgbImage(), quality: 90)
        let format = FrameFormat(pixelFormat: .mjpeg, width: Self.width, height: Self.height, imageSize: jpeg.count)
        let decoder = JPEGFrameDecoder(width: Self.width, height: Self.height)
        let perDecode = try jpeg.withUnsafeBytes { bytes in
            try decoder.decode(bytes, source: "probe")
            return try AllocationCounter.calls { for _ in 0..<20 { try decoder.decode(bytes, source: "probe") } }
        }
        XCTAssertGreaterThan(perDecode, 0, "libjpeg-turbo allocates its pools per image; if this is 0, the counter is not counting")
        XCTAssertEqual(try steadyStateAllocations(jpeg, format), perDecode, "MJPEG frame → verdict beyond libjpeg's own pools")
    }
}
