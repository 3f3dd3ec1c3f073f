#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file into memory with POSIX calls, retrying on EINTR and turning every
/// failure into an ``ImagingError`` that names the path, the call and errno.
enum ImageFileReader {
    /// Reads `path`; refuses files larger than `maxBytes` before reading them.
    static func readAll(path: String, maxBytes: Int) throws -> [UInt8] {
        let fd = try retryingOnInterrupt(path: path, operation: "open") { open(path, O_RDONLY | O_CLOEXEC) }
        defer { _ = close(fd) }

        var status = stat()
        _ = try retryingOnInterrupt(path: path, operation: "fstat") { fstat(fd, &status) }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw ImagingError.unreadable(path: path, operation: "open (path is a directory)", errno: EISDIR)
        }
        let size = Int(status.st_size)
        if size == 0 { throw ImagingError.emptyFile(path: path) }
        if size > maxBytes { throw ImagingError.fileTooLarge(path: path, bytes: size, maxBytes: maxBytes) }

        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while filled < size {
                let got = try retryingOnInterrupt(path: path, operation: "read") {
                    read(fd, buffer.baseAddress! + filled, size - filled)
                }
                if got == 0 { break } // the file shrank while we read it
                filled += got
            }
        }
        if filled == 0 { throw ImagingError.emptyFile(path: path) }
        if filled < size { bytes.removeLast(size - filled) }
        return bytes
    }

    /// Runs a system call until it does not fail with EINTR; maps ENOENT to `fileNotFound`.
    private static func retryingOnInterrupt<T: BinaryInteger>(path: String, operation: String, _ call: () -> T) throws -> T {
        while true {
            let result = call()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            if code == ENOENT && operation == "open" { throw ImagingError.fileNotFound(path: path) }
            throw ImagingError.unreadable(path: path, operation: operation, errno: code)
        }
    }
}
