import CImageCodecs
import XCTest
@testable import LoupeImaging
import LoupeTestSupport

/// PNG modes ImageEncoder never writes (palette, gray+alpha, 1/2/4-bit gray, interlaced),
/// built with the C shim's raw encoder, must decode to the documented expanded form.
final class PNGExpansionTests: XCTestCase {
    struct RawPNG {
        var width: Int
        var height: Int
        var colorType: loupe_png_color_type
        var bitDepth: Int
        var rowBytes: Int
        var rows: [UInt8]
        var interlaced = false
        var palette: [UInt8] = []
        var paletteAlpha: [UInt8] = []

        func encoded() throws -> [UInt8] {
            var params = loupe_png_encode_params()
            params.width = UInt32(width); params.height = UInt32(height)
            params.color_type = Int32(colorType.rawValue); params.bit_depth = Int32(bitDepth)
            params.row_bytes = rowBytes; params.interlaced = interlaced ? 1 : 0; params.compression_level = -1
            params.palette_entries = Int32(palette.count / 3); params.palette_alpha_entries = Int32(paletteAlpha.count)
            var out: UnsafeMutablePointer<UInt8>?
            var size = 0
            var message = [CChar](repeating: 0, count: 256)
            let status = palette.withUnsafeBufferPointer { p in
                paletteAlpha.withUnsafeBufferPointer { a in
                    params.palette_rgb = p.baseAddress
                    params.palette_alpha = paletteAlpha.isEmpty ? nil : a.baseAddress
                    return rows.withUnsafeBufferPointer { loupe_png_encode(&params, $0.baseAddress, &out, &size, &message, 256) }
                }
            }
            defer { loupe_codec_free(out) }
            guard status == 0, let out else { throw ImagingError.encodeFailed(name: "raw", detail: String(cString: message)) }
            return Array(UnsafeBufferPointer(start: out, count: size))
        }
    }

    func testPaletteWithoutTransparencyExpandsToRGB() throws {
        let palette: [UInt8] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 200, 210, 220]
        let indices: [UInt8] = [0, 1, 2, 3, 3, 2, 1, 0]
        let png = try RawPNG(width: 4, height: 2, colorType: LOUPE_PNG_PALETTE, bitDepth: 8, rowBytes: 4,
                             rows: indices, palette: palette).encoded()
        let image = try ImageDecoder.decode(data: png, name: "palette.png")
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.pixels8, indices.flatMap { Array(palette[Int($0) * 3..<Int($0) * 3 + 3]) })
    }

    func testFourBitPaletteWithTRNSExpandsToRGBA() throws {
        let palette: [UInt8] = (0..<16).flatMap { [UInt8($0), UInt8($0 * 2), UInt8($0 * 3)] }
        let alpha: [UInt8] = [0, 128, 255, 7] // entries 4...15 are opaque
        let indices: [UInt8] = [0, 1, 2, 3, 4, 15] // 3 pixels wide, 2 rows
        let packed: [UInt8] = [0x01, 0x20, 0x34, 0xF0] // two 4-bit samples per byte, 2 bytes per row
        let png = try RawPNG(width: 3, height: 2, colorType: LOUPE_PNG_PALETTE, bitDepth: 4, rowBytes: 2,
                             rows: packed, palette: palette, paletteAlpha: alpha).encoded()
        let image = try ImageDecoder.decode(data: png, name: "palette4.png")
        XCTAssertEqual(image.channels, 4)
        let expected = indices.flatMap { i -> [UInt8] in
            let e = Int(i)
            return [palette[e * 3], palette[e * 3 + 1], palette[e * 3 + 2], e < alpha.count ? alpha[e] : 255]
        }
        XCTAssertEqual(image.pixels8, expected)
    }

    func testGrayAlphaExpandsToRGBA() throws {
        let samples: [UInt8] = [0, 255, 100, 50, 200, 0, 33, 44] // (gray, alpha) x 4
        let png = try RawPNG(width: 2, height: 2, colorType: LOUPE_PNG_GRAY_ALPHA, bitDepth: 8, rowBytes: 4, rows: samples).encoded()
        let image = try ImageDecoder.decode(data: png, name: "ga.png")
        XCTAssertEqual(image.channels, 4)
        XCTAssertEqual(image.pixels8, stride(from: 0, to: 8, by: 2).flatMap { [samples[$0], samples[$0], samples[$0], samples[$0 + 1]] })
    }

    func testSixteenBitGrayAlphaExpandsToRGBA16() throws {
        let values: [UInt16] = [0x0102, 0xFFFF, 0x8000, 0x0001]
        var rows: [UInt8] = []
        values.forEach { rows += withUnsafeBytes(of: $0) { Array($0) } } // native endian, as the shim expects
        let png = try RawPNG(width: 2, height: 1, colorType: LOUPE_PNG_GRAY_ALPHA, bitDepth: 16, rowBytes: 8, rows: rows).encoded()
        let image = try ImageDecoder.decode(data: png, name: "ga16.png")
        XCTAssertEqual(image.bitDepth, 16)
        XCTAssertEqual(image.pixels16, [0x0102, 0x0102, 0x0102, 0xFFFF, 0x8000, 0x8000, 0x8000, 0x0001])
    }

    func testLowBitGrayExpandsToEightBit() throws {
        // 1-bit: 10110000 → 255 0 255 255; 2-bit: 00 01 10 11 → 0 85 170 255; 4-bit: 0x0F 0x7 → 0 255 119
        let cases: [(bits: Int, width: Int, packed: [UInt8], expected: [UInt8])] = [
            (1, 4, [0b1011_0000], [255, 0, 255, 255]),
            (2, 4, [0b0001_1011], [0, 85, 170, 255]),
            (4, 3, [0x0F, 0x70], [0, 255, 119]),
        ]
        for c in cases {
            let png = try RawPNG(width: c.width, height: 1, colorType: LOUPE_PNG_GRAY, bitDepth: c.bits,
                                 rowBytes: c.packed.count, rows: c.packed).encoded()
            let image = try ImageDecoder.decode(data: png, name: "gray\(c.bits).png")
            XCTAssertEqual(image.channels, 1)
            XCTAssertEqual(image.bitDepth, 8)
            XCTAssertEqual(image.pixels8, c.expected, "\(c.bits)-bit gray")
        }
    }

    func testInterlacedMatchesNonInterlaced() throws {
        var random = SplitMix64(seed: 3)
        let (width, height) = (23, 11)
        let rows = random.bytes(width * height * 3)
        let plain = RawPNG(width: width, height: height, colorType: LOUPE_PNG_RGB, bitDepth: 8, rowBytes: width * 3, rows: rows)
        var interlaced = plain
        interlaced.interlaced = true
        let a = try ImageDecoder.decode(data: plain.encoded(), name: "plain.png")
        let b = try ImageDecoder.decode(data: interlaced.encoded(), name: "adam7.png")
        XCTAssertEqual(a.pixels8, rows)
        XCTAssertEqual(b, a)
    }
}
