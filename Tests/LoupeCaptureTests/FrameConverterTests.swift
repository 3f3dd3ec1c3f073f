import XCTest
import LoupeImaging
@testable import LoupeCapture
import LoupeTestSupport

final class FrameConverterTests: XCTestCase {
    let rawFormats: [PixelFormat] = [.grey, .yuyv, .uyvy, .nv12, .rgb24]

    func randomFrame(_ format: FrameFormat, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        let count = format.pixelFormat.minimumImageSize(bytesPerLine: format.bytesPerLine, height: format.height)!
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// SIMD path vs scalar twin on random frames: every format, both channel counts, output
    /// widths at, below, above and at multiples of the 16-lane tile, padded rows, ROIs,
    /// down- and upscaling.
    func testSIMDMatchesScalarTwin() throws {
        let geometries: [(width: Int, height: Int, padding: Int, region: PixelRegion?, out: (Int, Int))] = [
            (64, 48, 0, nil, (16, 12)), (64, 48, 8, nil, (15, 9)), (64, 48, 0, PixelRegion(x: 5, y: 3, width: 33, height: 20), (17, 31)),
            (40, 30, 4, nil, (1, 1)), (40, 30, 0, PixelRegion(x: 1, y: 1, width: 37, height: 27), (33, 47)),
            (128, 96, 16, PixelRegion(x: 16, y: 8, width: 96, height: 80), (32, 30)), (32, 20, 0, nil, (64, 40)),
            (400, 60, 0, PixelRegion(x: 3, y: 2, width: 390, height: 50), (37, 7)), (200, 40, 0, nil, (300, 3)),
        ]
        try forEachKernelVariant { variant in
            var seed: UInt64 = 1
            for pixelFormat in rawFormats {
                for geometry in geometries {
                    let minimum = pixelFormat.minimumBytesPerLine(width: geometry.width)!
                    let format = FrameFormat(pixelFormat: pixelFormat, width: geometry.width, height: geometry.height,
                                             bytesPerLine: minimum + geometry.padding)
                    let frame = randomFrame(format, seed: seed)
                    seed += 1
                    for channels in [1, 3] {
                        let normalization = channels == 1 ? NormalizationParameters(mean: [0.5], std: [0.25]) : .imageNet
                        let converter = try FrameConverter(format: format, region: geometry.region, outputWidth: geometry.out.0,
                                                           outputHeight: geometry.out.1, channels: channels, normalization: normalization)
                        XCTAssertEqual(converter.kernelVariant, variant)
                        var fast = [Float](repeating: .nan, count: converter.outputCount)
                        var slow = [Float](repeating: .nan, count: converter.outputCount)
                        try frame.withUnsafeBytes { bytes in
                            try converter.convert(bytes, into: &fast, capacity: fast.count)
                            try converter.convertReference(bytes, into: &slow, capacity: slow.count)
                        }
                        var worst: Float = 0
                        for (a, b) in zip(fast, slow) {
                            XCTAssertTrue(a.isFinite)
                            worst = max(worst, abs(a - b) / (1e-5 + 1e-5 * abs(b)))
                        }
                        XCTAssertLessThanOrEqual(worst, 1, "\(format) region \(String(describing: geometry.region)) -> \(geometry.out) x\(channels) kernels \(variant.rawValue)")
                    }
                }
            }
        }
    }

    /// Known values pin the colour maths, so both twins cannot be wrong the same way.
    func testKnownColours() throws {
        func convert(_ pixelFormat: PixelFormat, _ pattern: [UInt8], channels: Int) throws -> [Float] {
            let format = FrameFormat(pixelFormat: pixelFormat, width: 4, height: 2)
            let size = pixelFormat.minimumImageSize(bytesPerLine: format.bytesPerLine, height: 2)!
            let bytes = (0..<size).map { pattern[$0 % pattern.count] }
            let converter = try FrameConverter(format: format, outputWidth: 2, outputHeight: 1, channels: channels,
                                               normalization: .unit(channels: channels))
            var out = [Float](repeating: 0, count: converter.outputCount)
            try bytes.withUnsafeBytes { try converter.convert($0, into: &out, capacity: out.count) }
            return out
        }
        for channels in [1, 3] {
            let gray = try convert(.grey, [51], channels: channels)
            XCTAssertEqual(gray.count, 2 * channels)
            for v in gray { XCTAssertEqual(v, 0.2, accuracy: 1e-6) }
        }
        // YUYV studio white (235, 128, 128) is 1.0, studio black (16) is 0.0, beyond clamps.
        for (value, expected) in [(235, Float(1)), (16, 0), (254, 1), (1, 0), (125.5, 0.5)] as [(Double, Float)] {
            let y = UInt8(value.rounded(.down))
            let out = try convert(.yuyv, [y, 128, y, 128], channels: 3)
            for v in out { XCTAssertEqual(v, expected, accuracy: 0.003, "Y = \(y)") }
        }
        // Pure red in BT.601 limited range: Y 81, U 90, V 240.
        let red = try convert(.uyvy, [90, 81, 240, 81], channels: 3)
        XCTAssertEqual(red[0], 1, accuracy: 0.01); XCTAssertEqual(red[2], 0, accuracy: 0.01); XCTAssertEqual(red[4], 0, accuracy: 0.01)
        let rgbGray = try convert(.rgb24, [255, 0, 0], channels: 1)
        XCTAssertEqual(rgbGray[0], ImageKernels.lumaWeights.red, accuracy: 1e-6)
    }

    func testMJPEGDecodesThroughLibjpeg() throws {
        var generator = SplitMix64(seed: 7)
        let width = 48, height = 32
        // A smooth gradient survives JPEG well enough to compare with the raw RGB path.
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height { for x in 0..<width { rgb[(y * width + x) * 3] = UInt8(x * 5); rgb[(y * width + x) * 3 + 1] = UInt8(y * 7); rgb[(y * width + x) * 3 + 2] = 128 } }
        _ = generator.next()
        let jpeg = try ImageEncoder.jpegData(try Image(width: width, height: height, channels: 3, pixels: rgb), quality: 95)
        let mjpeg = try FrameConverter(format: FrameFormat(pixelFormat: .mjpeg, width: width, height: height, imageSize: jpeg.count),
                                       outputWidth: 24, outputHeight: 16, channels: 3, normalization: .unit(channels: 3))
        let raw = try FrameConverter(format: FrameFormat(pixelFormat: .rgb24, width: width, height: height),
                                     outputWidth: 24, outputHeight: 16, channels: 3, normalization: .unit(channels: 3))
        var a = [Float](repeating: 0, count: mjpeg.outputCount), b = a, c = a
        try jpeg.withUnsafeBytes {
            try mjpeg.convert($0, into: &a, capacity: a.count)
            try mjpeg.convertReference($0, into: &c, capacity: c.count)
        }
        try rgb.withUnsafeBytes { try raw.convert($0, into: &b, capacity: b.count) }
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 0.04, "decoded JPEG close to the raw pixels")
        XCTAssertLessThan(zip(a, c).map { abs($0 - $1) }.max()!, 1e-5, "SIMD vs twin on the decoded frame")
        // A damaged frame is an error, not a gray picture.
        let cut = Array(jpeg.prefix(jpeg.count / 2))
        XCTAssertThrowsError(try cut.withUnsafeBytes { try mjpeg.convert($0, into: &a, capacity: a.count) }) {
            guard case CaptureError.badFrame = $0 else { return XCTFail("\($0)") }
        }
    }

    func testBadArgumentsAndShortFramesAreRefused() throws {
        let format = FrameFormat(pixelFormat: .yuyv, width: 64, height: 48)
        XCTAssertThrowsError(try FrameConverter(format: format, region: PixelRegion(x: 40, y: 0, width: 32, height: 48), outputWidth: 8,
                                                outputHeight: 8, channels: 1, normalization: .unit(channels: 1)))
        XCTAssertThrowsError(try FrameConverter(format: FrameFormat(pixelFormat: PixelFormat(fourcc: "BA81")!, width: 8, height: 8),
                                                outputWidth: 8, outputHeight: 8, channels: 1, normalization: .unit(channels: 1)))
        XCTAssertThrowsError(try FrameConverter(format: format, outputWidth: 8, outputHeight: 8, channels: 3, normalization: .unit(channels: 1)))
        let converter = try FrameConverter(format: format, outputWidth: 8, outputHeight: 8, channels: 1, normalization: .unit(channels: 1))
        let short = [UInt8](repeating: 0, count: 64 * 2 * 47)
        var out = [Float](repeating: 0, count: 64)
        XCTAssertThrowsError(try short.withUnsafeBytes { try converter.convert($0, into: &out, capacity: 64) }) {
            XCTAssertTrue("\($0)".contains("6016 bytes, expected 6144"), "\($0)")
        }
    }

    func testFrameImageRoundTripsGrayAndYUV() throws {
        let gray = (0..<(8 * 4)).map { UInt8($0 * 7) }
        let image = try gray.withUnsafeBytes {
            try Frame(format: FrameFormat(pixelFormat: .grey, width: 8, height: 4), bytes: $0, sequence: 0, timestamp: 0).image()
        }
        XCTAssertEqual(image.pixels8, gray)
        let yuyv: [UInt8] = [235, 128, 16, 128, 235, 128, 16, 128]
        let color = try yuyv.withUnsafeBytes {
            try Frame(format: FrameFormat(pixelFormat: .yuyv, width: 4, height: 1), bytes: $0, sequence: 0, timestamp: 0).image()
        }
        XCTAssertEqual(color.pixels8, [255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0])
    }
}

final class ReplaySourceTests: XCTestCase {
    func testFolderReplaysFilesInOrderThenEnds() throws {
        let folder = NSTemporaryDirectory() + "loupe-replay-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for i in 0..<3 {
            let image = try Image(width: 4, height: 2, channels: 1, pixels: [UInt8](repeating: UInt8(i * 40), count: 8))
            try ImageEncoder.writePNG(image, to: "\(folder)/frame-\(i).png")
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: "\(folder)/notes.txt"))
        let source = try FolderSource(folder: folder)
        XCTAssertEqual(source.format, FrameFormat(pixelFormat: .grey, width: 4, height: 2))
        try source.start()
        var seen: [(UInt32, UInt8)] = []
        while let value = try source.withNextFrame(timeout: 1, { ($0.sequence, $0.bytes[0]) }) { seen.append(value) }
        XCTAssertEqual(seen.map(\.0), [0, 1, 2])
        XCTAssertEqual(seen.map(\.1), [0, 40, 80])
        XCTAssertEqual(source.statistics.delivered, 3)
        XCTAssertThrowsError(try FolderSource(folder: folder + "/missing"))

        // A caller so late that the replay clock is past the end: the last file still comes,
        // counting the two it skipped as dropped.
        let paced = try FolderSource(folder: folder, framesPerSecond: 1000)
        try paced.start()
        usleep(50_000)
        var late: [(UInt32, Int)] = []
        while let value = try paced.withNextFrame(timeout: 1, { ($0.sequence, $0.droppedBefore) }) { late.append(value) }
        XCTAssertEqual(late.map(\.0), [2])
        XCTAssertEqual(late.map(\.1), [2])
    }

    func testSingleImageAtAFrameRate() throws {
        let source = SingleImageSource(image: try Image(width: 2, height: 2, channels: 3, pixels: [UInt8](repeating: 9, count: 12)),
                                       framesPerSecond: 50)
        try source.start()
        let start = MonotonicClock.seconds()
        for _ in 0..<6 { XCTAssertNotNil(try source.withNextFrame(timeout: 1) { $0.format.pixelFormat }) }
        XCTAssertEqual(MonotonicClock.seconds() - start, 0.1, accuracy: 0.05, "6 frames at 50 fps span 5 intervals")
        XCTAssertEqual(source.format.pixelFormat, .rgb24)
    }
}
