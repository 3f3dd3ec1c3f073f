/// Everything that can go wrong reading, writing or preparing an image.
///
/// Thrown where input enters the module (files, byte buffers, API arguments). Every case
/// carries the file path or name it is about, and ``description`` is a sentence a
/// factory integrator can act on without reading the code.
public enum ImagingError: Error, CustomStringConvertible, Equatable {
    /// No file at `path`.
    case fileNotFound(path: String)
    /// A system call failed; `operation` is e.g. "open" or "read", `errno` its error number.
    case unreadable(path: String, operation: String, errno: Int32)
    /// The file exists but holds zero bytes.
    case emptyFile(path: String)
    /// The data stops before the image does (cut file, interrupted copy or transfer).
    case truncated(path: String, format: ImageFormat, detail: String)
    /// The codec rejected the data; `detail` is libpng's or libjpeg's message.
    case corrupt(path: String, format: ImageFormat, detail: String)
    /// Not PNG or JPEG; `magic` holds the first bytes found, as hex.
    case unsupportedFormat(path: String, magic: String)
    /// A valid PNG/JPEG in a variant Loupe does not decode (e.g. CMYK JPEG).
    case unsupportedVariant(path: String, format: ImageFormat, detail: String)
    /// The file is bigger than any image within the pixel budget could be.
    case fileTooLarge(path: String, bytes: Int, maxBytes: Int)
    /// width x height exceeds the caller's `maxPixels` budget; refused before allocating.
    case tooLarge(path: String, width: Int, height: Int, maxPixels: Int)
    /// An operation got an image or buffer of the wrong size or layout.
    case wrongSize(name: String, operation: String, received: String, expected: String)
    /// Writing an encoded image failed.
    case encodeFailed(name: String, detail: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "Image file '\(path)' was not found; check the path and that the camera export finished."
        case .unreadable(let path, let operation, let errno):
            return "Image file '\(path)' could not be read: \(operation) failed with errno \(errno) (\(Self.errnoText(errno)))."
        case .emptyFile(let path):
            return "Image file '\(path)' is empty (0 bytes); the writer probably crashed or the copy did not finish."
        case .truncated(let path, let format, let detail):
            return "Image file '\(path)' is a truncated \(format.rawValue): \(detail). Re-send or re-capture the image."
        case .corrupt(let path, let format, let detail):
            return "Image file '\(path)' is a corrupt \(format.rawValue): \(detail)."
        case .unsupportedFormat(let path, let magic):
            return "Image file '\(path)' is neither PNG nor JPEG: it starts with bytes [\(magic)]; "
                + "Loupe reads PNG (89 50 4E 47) and JPEG (FF D8 FF) by content, not by file extension."
        case .unsupportedVariant(let path, let format, let detail):
            return "Image file '\(path)' is a \(format.rawValue) that Loupe cannot decode: \(detail)."
        case .tooLarge(let path, let width, let height, let maxPixels):
            return "Image file '\(path)' claims \(width)x\(height) = \(width * height) pixels, more than the limit of "
                + "\(maxPixels) pixels; it was refused before decoding. Raise maxPixels if the camera really is this large."
        case .fileTooLarge(let path, let bytes, let maxBytes):
            return "Image file '\(path)' is \(bytes) bytes, more than the \(maxBytes) bytes any image within the "
                + "pixel limit can need; it was not read."
        case .wrongSize(let name, let operation, let received, let expected):
            return "Image '\(name)': \(operation) got \(received), expected \(expected)."
        case .encodeFailed(let name, let detail):
            return "Image '\(name)' could not be encoded: \(detail)."
        }
    }

    private static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
