import Glibc
import LoupeImaging
import LoupeTensor

/// An 8-bit image as a raw frame: GREY for gray, RGB24 for RGB (alpha dropped, 16-bit
/// samples reduced to their high byte), so replayed images go through the same
/// ``FrameConverter`` path as camera frames.
struct RawImageFrame {
    var format: FrameFormat
    var bytes: [UInt8]

    init(_ image: Image) {
        let pixels: [UInt8]
        switch image.samples {
        case .eightBit(let values): pixels = values
        case .sixteenBit(let values): pixels = values.map { UInt8($0 >> 8) }
        }
        if image.channels == 1 {
            format = FrameFormat(pixelFormat: .grey, width: image.width, height: image.height)
            bytes = pixels
        } else {
            format = FrameFormat(pixelFormat: .rgb24, width: image.width, height: image.height)
            if image.channels == 3 {
                bytes = pixels
            } else {
                var rgb = [UInt8](repeating: 0, count: image.width * image.height * 3)
                for i in 0..<(image.width * image.height) {
                    rgb[3 * i] = pixels[4 * i]; rgb[3 * i + 1] = pixels[4 * i + 1]; rgb[3 * i + 2] = pixels[4 * i + 2]
                }
                bytes = rgb
            }
        }
    }
}

/// Paces frames at a fixed rate like a camera: frame `n` is due at `start + n / fps`.
/// A caller that falls behind gets the frame due *now*; the skipped ones count as dropped
/// (their sequence numbers are skipped too), exactly as a camera with no free buffer.
struct FrameClock {
    let framesPerSecond: Double?
    var start = 0.0
    var next: UInt64 = 0

    /// Waits up to `timeout` for the next due frame; returns its index, or nil on timeout.
    mutating func wait(timeout: Double, now: () -> Double = MonotonicClock.seconds, sleep: (Double) -> Void = sleepSeconds) -> UInt64? {
        guard let fps = framesPerSecond, fps > 0 else { defer { next += 1 }; return next }
        let current = now()
        var due = start + Double(next) / fps
        if current > due + 1 / fps {
            // Late by more than one interval: jump to the latest due frame.
            next = UInt64(((current - start) * fps).rounded(.down))
            due = start + Double(next) / fps
        }
        if due > current {
            guard due - current <= timeout else { sleep(timeout); return nil }
            sleep(due - current)
        }
        defer { next += 1 }
        return next
    }
}

/// Replays the PNG/JPEG files of a folder (sorted by name) at a chosen frame rate — for
/// demos, tests, and re-running a shift's images through the station.
public final class FolderSource: FrameSource {
    public let folder: String
    public let files: [String]
    public let loop: Bool
    public var name: String { folder }
    public private(set) var format: FrameFormat
    public private(set) var statistics = FrameStatistics()
    private var clock: FrameClock
    /// Index of the last file delivered (−1 before the first): a replay starts at 0, so even the
    /// first frame knows how many were skipped before it.
    private var lastIndex: Int64 = -1
    private var running = false
    /// The last file of a non-looping replay has been delivered.
    private var ended = false

    /// - Parameters:
    ///   - folder: Directory holding `.png`, `.jpg`, `.jpeg` files.
    ///   - framesPerSecond: Replay rate; nil delivers as fast as the caller asks.
    ///   - loop: Start over after the last file instead of ending.
    /// - Throws: ``CaptureError/sourceUnavailable(source:detail:)`` if the folder cannot be
    ///   read or holds no images; imaging errors for the first file.
    public init(folder: String, framesPerSecond: Double? = nil, loop: Bool = false) throws {
        guard let directory = opendir(folder) else {
            throw CaptureError.sourceUnavailable(source: folder, detail: "cannot open folder: errno \(errno) (\(errnoText(errno)))")
        }
        var files: [String] = []
        while let entry = readdir(directory) {
            let name = cString(&entry.pointee.d_name)
            let lower = name.lowercased()
            if lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") { files.append(folder + "/" + name) }
        }
        closedir(directory)
        guard !files.isEmpty else {
            throw CaptureError.sourceUnavailable(source: folder, detail: "no .png/.jpg/.jpeg files to replay")
        }
        self.folder = folder
        self.files = files.sorted()
        self.loop = loop
        self.clock = FrameClock(framesPerSecond: framesPerSecond)
        format = RawImageFrame(try ImageDecoder.decode(contentsOf: self.files[0])).format
    }

    public func start() throws {
        guard !running else { return }
        running = true
        clock.start = MonotonicClock.seconds()
        clock.next = 0
        lastIndex = -1
        ended = false
    }

    public func stop() { running = false }

    public func withNextFrame<Result>(timeout: Double, _ body: (Frame) throws -> Result) throws -> Result? {
        guard running else { throw CaptureError.invalidArgument(source: folder, detail: "withNextFrame called before start()") }
        guard var index = clock.wait(timeout: timeout) else { return nil }
        if !loop {
            // A caller late past the end still gets the last file, carrying the count of the
            // files it skipped, so no frame of the replay goes unaccounted for.
            if ended { return nil }
            if index >= UInt64(files.count - 1) {
                index = UInt64(files.count - 1)
                ended = true
            }
        }
        let raw = RawImageFrame(try ImageDecoder.decode(contentsOf: files[Int(index % UInt64(files.count))]))
        format = raw.format
        let sequence = UInt32(truncatingIfNeeded: index)
        let dropped = Int(max(0, Int64(index) - lastIndex - 1))
        lastIndex = Int64(index)
        statistics.dropped += dropped
        statistics.delivered += 1
        let timestamp = clock.start + (clock.framesPerSecond.map { Double(index) / $0 } ?? MonotonicClock.seconds() - clock.start)
        return try raw.bytes.withUnsafeBytes { bytes in
            try body(Frame(format: raw.format, bytes: bytes, sequence: sequence, timestamp: timestamp, droppedBefore: dropped))
        }
    }
}

/// Delivers one image over and over (optionally paced) — for a quick check of a station
/// without a camera, and in tests.
public final class SingleImageSource: FrameSource {
    public let name: String
    public let format: FrameFormat
    public private(set) var statistics = FrameStatistics()
    private let bytes: [UInt8]
    private var clock: FrameClock
    private var running = false

    /// - Parameters:
    ///   - image: The image to deliver (8- or 16-bit gray, RGB or RGBA).
    ///   - framesPerSecond: nil delivers as fast as the caller asks.
    public init(image: Image, name: String = "image", framesPerSecond: Double? = nil) {
        let raw = RawImageFrame(image)
        self.name = name
        self.format = raw.format
        self.bytes = raw.bytes
        self.clock = FrameClock(framesPerSecond: framesPerSecond)
    }

    /// Reads the image from a PNG or JPEG file.
    public convenience init(path: String, framesPerSecond: Double? = nil) throws {
        self.init(image: try ImageDecoder.decode(contentsOf: path), name: path, framesPerSecond: framesPerSecond)
    }

    public func start() throws {
        running = true
        clock.start = MonotonicClock.seconds()
        clock.next = 0
    }

    public func stop() { running = false }

    public func withNextFrame<Result>(timeout: Double, _ body: (Frame) throws -> Result) throws -> Result? {
        guard running else { throw CaptureError.invalidArgument(source: name, detail: "withNextFrame called before start()") }
        guard let index = clock.wait(timeout: timeout) else { return nil }
        statistics.delivered += 1
        return try bytes.withUnsafeBytes { raw in
            try body(Frame(format: format, bytes: raw, sequence: UInt32(truncatingIfNeeded: index), timestamp: MonotonicClock.seconds()))
        }
    }
}
