import Foundation
import XCTest
@testable import LoupeImaging
import LoupeTestSupport

/// Asserts `body` throws an ``ImagingError`` accepted by `matches` whose description
/// contains `name` (the file the integrator has to go and look at).
func assertImagingError<T>(_ body: @autoclosure () throws -> T, mentions name: String, _ what: String,
                           file: StaticString = #filePath, line: UInt = #line,
                           matches: (ImagingError) -> Bool) {
    do {
        _ = try body()
        XCTFail("expected \(what), got a value of type \(T.self)", file: file, line: line)
    } catch let error as ImagingError {
        XCTAssertTrue(matches(error), "expected \(what), got \(error)", file: file, line: line)
        XCTAssertTrue(error.description.contains(name), "message does not name '\(name)': \(error)", file: file, line: line)
    } catch {
        XCTFail("expected ImagingError (\(what)), got \(error)", file: file, line: line)
    }
}

/// CRC-32 (PNG/zlib polynomial), to hand-build PNG chunks in tests.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
    }
    return ~crc
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

/// A PNG chunk: length, type, data, CRC over type + data.
func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let typeBytes = Array(type.utf8)
    return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
}

/// Byte offset of the first chunk of `type` in a PNG (its length field), or nil.
func pngChunkOffset(_ png: [UInt8], _ type: String) -> Int? {
    var offset = 8
    let typeBytes = Array(type.utf8)
    while offset + 8 <= png.count {
        let length = Int(png[offset]) << 24 | Int(png[offset + 1]) << 16 | Int(png[offset + 2]) << 8 | Int(png[offset + 3])
        if Array(png[offset + 4..<offset + 8]) == typeBytes { return offset }
        offset += 12 + length
    }
    return nil
}

/// A smooth test pattern (JPEG-friendly): gradients per channel.
func gradientPixels(width: Int, height: Int, channels: Int) -> [UInt8] {
    var pixels: [UInt8] = []
    pixels.reserveCapacity(width * height * channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                let value = (x * 255 / max(width - 1, 1) * (c + 1) + y * 255 / max(height - 1, 1)) / (c + 2)
                pixels.append(UInt8(min(value, 255)))
            }
        }
    }
    return pixels
}
