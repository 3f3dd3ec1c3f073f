import XCTest
@testable import LoupeImaging
import LoupeTestSupport

/// Every way a file can be bad maps to one specific ImagingError that names the file.
final class DecodeErrorTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self, "imaging")
    }

    private func samplePNG() throws -> [UInt8] {
        var random = SplitMix64(seed: 10)
        let image = try Image(width: 32, height: 16, channels: 3, pixels: random.bytes(32 * 16 * 3))
        return try ImageEncoder.pngData(image, compressionLevel: 0) // stored: IDAT bytes are the pixels
    }

    private func sampleJPEG(channels: Int = 3) throws -> [UInt8] {
        let pixels = gradientPixels(width: 48, height: 32, channels: channels)
        return try ImageEncoder.jpegData(try Image(width: 48, height: 32, channels: channels, pixels: pixels), quality: 90)
    }

    private func isTruncated(_ error: ImagingError) -> Bool { if case .truncated = error { return true } else { return false } }
    private func isCorrupt(_ error: ImagingError) -> Bool { if case .corrupt = error { return true } else { return false } }

    func testMissingFile() {
        let path = directory + "/no-such-part.png"
        assertImagingError(try ImageDecoder.decode(contentsOf: path), mentions: path, "fileNotFound") {
            $0 == .fileNotFound(path: path)
        }
    }

    func testDirectoryIsUnreadable() {
        assertImagingError(try ImageDecoder.decode(contentsOf: directory), mentions: directory, "unreadable") {
            if case .unreadable(_, _, let code) = $0 { return code == EISDIR } else { return false }
        }
    }

    func testEmptyFile() throws {
        let path = directory + "/empty.png"
        try writeFile([], to: path)
        assertImagingError(try ImageDecoder.decode(contentsOf: path), mentions: path, "emptyFile") { $0 == .emptyFile(path: path) }
        assertImagingError(try ImageDecoder.decode(data: [], name: "cam3-frame"), mentions: "cam3-frame", "emptyFile") {
            $0 == .emptyFile(path: "cam3-frame")
        }
    }

    func testTruncatedPNGAtSeveralOffsets() throws {
        let png = try samplePNG()
        let idat = try XCTUnwrap(pngChunkOffset(png, "IDAT"))
        for cut in [4, 8, 20, 33, idat + 4, idat + 100, png.count / 2, png.count - 12, png.count - 1] {
            let path = directory + "/cut-\(cut).png"
            try writeFile(Array(png[..<cut]), to: path)
            assertImagingError(try ImageDecoder.decode(contentsOf: path), mentions: path, "truncated at \(cut)") {
                if case .truncated(_, .png, _) = $0 { return true } else { return false }
            }
        }
    }

    func testTruncatedJPEGAtSeveralOffsets() throws {
        for channels in [1, 3] {
            let jpeg = try sampleJPEG(channels: channels)
            for cut in [3, 20, jpeg.count / 2, jpeg.count - 40, jpeg.count - 2] {
                let name = "cut-\(channels)-\(cut).jpg"
                assertImagingError(try ImageDecoder.decode(data: Array(jpeg[..<cut]), name: name), mentions: name,
                                   "truncated JPEG at \(cut)") {
                    if case .truncated(_, .jpeg, let detail) = $0 { return detail.contains("Premature end") } else { return false }
                }
            }
        }
    }

    func testFlippedBytesInIDATAreCorrupt() throws {
        var png = try samplePNG()
        let idat = try XCTUnwrap(pngChunkOffset(png, "IDAT"))
        for i in stride(from: idat + 40, to: idat + 60, by: 3) { png[i] ^= 0x5A }
        assertImagingError(try ImageDecoder.decode(data: png, name: "flipped.png"), mentions: "flipped.png", "corrupt") {
            if case .corrupt(_, .png, let detail) = $0 { return detail.contains("libpng") } else { return false }
        }
    }

    /// Byte offset where the entropy-coded data of the first scan starts.
    private func scanStart(_ jpeg: [UInt8]) throws -> Int {
        let sos = try XCTUnwrap((0..<jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA })
        return sos + 2 + (Int(jpeg[sos + 2]) << 8 | Int(jpeg[sos + 3]))
    }

    /// Structural scan damage (a marker where entropy data should be) is reported as
    /// corrupt — libjpeg's warning is promoted to an error instead of gray-filling.
    func testMarkerInsideJPEGScanIsCorrupt() throws {
        var jpeg = try sampleJPEG()
        let start = try scanStart(jpeg)
        let at = start + (jpeg.count - start) / 3
        jpeg.replaceSubrange(at..<at + 2, with: [0xFF, 0xD3]) // RST3 in a file without restart intervals
        assertImagingError(try ImageDecoder.decode(data: jpeg, name: "rst.jpg"), mentions: "rst.jpg", "corrupt JPEG") {
            if case .corrupt(_, .jpeg, let detail) = $0 { return detail.contains("Corrupt JPEG data") } else { return false }
        }
    }

    /// JPEG has no checksum, so random damage inside the scan may decode to wrong pixels
    /// without any error (libjpeg only sees structural damage). What must hold: it never
    /// crashes, and when it fails it fails as corrupt/truncated naming the file.
    func testRandomJPEGScanDamageNeverCrashesAndFailsCleanly() throws {
        let jpeg = try sampleJPEG()
        let start = try scanStart(jpeg)
        var random = SplitMix64(seed: 11)
        var detected = 0
        for trial in 0..<50 {
            var damaged = jpeg
            let at = Int.random(in: start..<damaged.count - 30, using: &random)
            for i in at..<at + 24 { damaged[i] = UInt8.random(in: 0...255, using: &random) }
            do {
                let image = try ImageDecoder.decode(data: damaged, name: "scan-\(trial).jpg")
                XCTAssertEqual([image.width, image.height, image.channels], [48, 32, 3])
            } catch let error as ImagingError {
                detected += 1
                XCTAssertTrue(error.description.contains("scan-\(trial).jpg"), "\(error)")
                switch error {
                case .corrupt(_, .jpeg, _), .truncated(_, .jpeg, _): break
                default: XCTFail("unexpected \(error)")
                }
            }
        }
        XCTAssertGreaterThan(detected, 0, "no damaged JPEG was detected at all; are libjpeg warnings still errors?")
    }

    func testRandomGarbageIsUnsupportedFormatWithMagicBytes() throws {
        var random = SplitMix64(seed: 12)
        var garbage = random.bytes(1000)
        garbage[0] = 0x13
        garbage[1] = 0x37
        let path = directory + "/garbage.png"
        try writeFile(garbage, to: path)
        assertImagingError(try ImageDecoder.decode(contentsOf: path), mentions: path, "unsupportedFormat") {
            if case .unsupportedFormat(_, let magic) = $0 { return magic.hasPrefix("13 37") } else { return false }
        }
    }

    func testGarbageAfterPNGSignatureIsCorrupt() throws {
        var random = SplitMix64(seed: 13)
        let bytes = ImageFormat.pngSignature + random.bytes(500)
        assertImagingError(try ImageDecoder.decode(data: bytes, name: "noise.png"), mentions: "noise.png", "corrupt") {
            if case .corrupt(_, .png, _) = $0 { return true } else { return false }
        }
    }

    func testTextFileNamedPNG() throws {
        let path = directory + "/notes.png"
        try writeFile(Array("hello, this is not an image\n".utf8), to: path)
        assertImagingError(try ImageDecoder.decode(contentsOf: path), mentions: path, "unsupportedFormat") {
            $0 == .unsupportedFormat(path: path, magic: "68 65 6C 6C 6F 2C 20 74")
        }
    }

    /// Header claims 100000x100000 and nothing follows: a decoder that tried to allocate or
    /// read pixels would report truncation (or run out of memory), so `tooLarge` proves it
    /// refused from the header alone.
    func testHugePNGHeaderFailsFastAsTooLarge() throws {
        let ihdr = bigEndian(100_000) + bigEndian(100_000) + [8, 6, 0, 0, 0]
        let png = ImageFormat.pngSignature + pngChunk("IHDR", ihdr)
        let path = directory + "/bomb.png"
        try writeFile(png, to: path)
        let start = Date()
        assertImagingError(try ImageDecoder.decode(contentsOf: path), mentions: path, "tooLarge") {
            $0 == .tooLarge(path: path, width: 100_000, height: 100_000, maxPixels: ImageDecoder.defaultMaxPixels)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }

    /// Regression (Fuzz/run.sh png, out-of-memory): a chunk header declaring a 2 GB zTXt in
    /// a 46-byte file made libpng malloc 2 GB (it only warns about oversized chunks). The
    /// shim now checks declared chunk lengths against the data before libpng runs.
    func testChunkDeclaringMoreBytesThanTheFileIsTruncatedWithoutAllocating() throws {
        let ihdr = bigEndian(13) + bigEndian(9) + [8, 4, 0, 0, 0]
        let png = ImageFormat.pngSignature + pngChunk("IHDR", ihdr) + bigEndian(0x7700_0001) + Array("zTXt".utf8) + Array("IDAT".utf8)
        assertImagingError(try ImageDecoder.decode(data: png, name: "ztxt-bomb.png"), mentions: "ztxt-bomb.png", "truncated") {
            if case .truncated(_, .png, let detail) = $0 { return detail.contains("zTXt") } else { return false }
        }
        // Second finding: the file ends right after the chunk header (no room for a CRC).
        let headerOnly = ImageFormat.pngSignature + pngChunk("IHDR", ihdr) + bigEndian(0x7E00_0002) + Array("iTXt".utf8) + [0x54]
        assertImagingError(try ImageDecoder.decode(data: headerOnly, name: "itxt-bomb.png"), mentions: "itxt-bomb.png", "truncated") {
            if case .truncated(_, .png, let detail) = $0 { return detail.contains("iTXt") } else { return false }
        }
    }

    func testPNGOverCallerLimitIsTooLarge() throws {
        let image = try Image(width: 20, height: 10, channels: 1, pixels: [UInt8](repeating: 9, count: 200))
        let png = try ImageEncoder.pngData(image)
        XCTAssertNoThrow(try ImageDecoder.decode(data: png, name: "ok.png", maxPixels: 200))
        assertImagingError(try ImageDecoder.decode(data: png, name: "small-limit.png", maxPixels: 199), mentions: "small-limit.png",
                           "tooLarge") { $0 == .tooLarge(path: "small-limit.png", width: 20, height: 10, maxPixels: 199) }
    }

    func testHugeJPEGHeaderIsTooLarge() throws {
        var jpeg = try sampleJPEG()
        // SOF0 segment: FF C0, length(2), precision(1), height(2), width(2).
        let sof = try XCTUnwrap((0..<jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: [0xEA, 0x60, 0xEA, 0x60]) // 60000 x 60000
        assertImagingError(try ImageDecoder.decode(data: jpeg, name: "bomb.jpg"), mentions: "bomb.jpg", "tooLarge") {
            $0 == .tooLarge(path: "bomb.jpg", width: 60000, height: 60000, maxPixels: ImageDecoder.defaultMaxPixels)
        }
    }

    func testOversizedFileIsRefusedBeforeReading() throws {
        let path = directory + "/big.png"
        try writeFile(ImageFormat.pngSignature + [UInt8](repeating: 0, count: 4096), to: path)
        // maxPixels 0 → byte budget is the 64 MiB metadata allowance; use a sparse file above it.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 65 * 1024 * 1024)
        try handle.close()
        assertImagingError(try ImageDecoder.decode(contentsOf: path, maxPixels: 0), mentions: path, "fileTooLarge") {
            if case .fileTooLarge = $0 { return true } else { return false }
        }
    }

    func testEveryDescriptionIsASentenceNamingTheFile() {
        let name = "line4/cam2/0001.png"
        let errors: [ImagingError] = [
            .fileNotFound(path: name), .unreadable(path: name, operation: "read", errno: EIO), .emptyFile(path: name),
            .truncated(path: name, format: .png, detail: "d"), .corrupt(path: name, format: .jpeg, detail: "d"),
            .unsupportedFormat(path: name, magic: "00"), .unsupportedVariant(path: name, format: .jpeg, detail: "CMYK"),
            .fileTooLarge(path: name, bytes: 2, maxBytes: 1), .tooLarge(path: name, width: 2, height: 2, maxPixels: 3),
            .wrongSize(name: name, operation: "crop", received: "a", expected: "b"), .encodeFailed(name: name, detail: "d"),
        ]
        for error in errors {
            XCTAssertTrue(error.description.contains(name), "\(error)")
            XCTAssertTrue(error.description.hasSuffix("."), "not a sentence: \(error)")
        }
    }
}
