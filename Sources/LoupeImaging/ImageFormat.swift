/// The container formats Loupe decodes, recognised by their first bytes (never by extension).
public enum ImageFormat: String, Sendable, Equatable {
    case png = "PNG"
    case jpeg = "JPEG"

    /// PNG files start with these 8 bytes (PNG spec §5.2).
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// JPEG files start with SOI (FF D8) followed by another marker (FF).
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// The format whose signature `bytes` starts with, or nil.
    ///
    /// A file shorter than a full signature but equal to its beginning is reported as that
    /// format, so a PNG cut after 4 bytes is "truncated PNG", not "unknown format".
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if startsWithSignature(bytes, pngSignature) { return .png }
        if startsWithSignature(bytes, jpegSignature) { return .jpeg }
        return nil
    }

    private static func startsWithSignature(_ bytes: [UInt8], _ signature: [UInt8]) -> Bool {
        let n = min(bytes.count, signature.count)
        return n >= 2 && bytes[0..<n].elementsEqual(signature[0..<n])
    }

    /// Up to the first 8 bytes as hex, for error messages.
    static func magicHex(_ bytes: [UInt8]) -> String {
        bytes.prefix(8).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
    }
}
