import ArgumentParser
import Foundation
import LoupeCapture
import LoupeImaging

struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Grab N frames from a V4L2 camera to PNG files, with per-frame timings.",
        discussion: """
        Example: loupe capture /dev/video0 --format YUYV --size 640x480 --fps 15 --count 10 --out shots
        Prints per frame the driver sequence number, its timestamp, frames dropped before it,
        the wait for it and the time to convert and write it; then the measured frame rate.
        --set NAME=VALUE sets a control first (names as `loupe cameras` lists them).
        """
    )

    @Argument(help: "Device node.")
    var device: String = "/dev/video0"

    @Option(help: "Pixel format fourcc: GREY, YUYV, UYVY, NV12, RGB3 or MJPG (default: first offered of these).")
    var format: String?

    @Option(help: "Frame size WIDTHxHEIGHT (default: the offered size closest to 640x480).")
    var size: String?

    @Option(help: "Frames per second to request (S_PARM).")
    var fps: Double?

    @Option(name: .shortAndLong, help: "Frames to save.")
    var count: Int = 5

    @Option(help: "mmap buffers to queue.")
    var buffers: Int = 4

    @Option(name: .shortAndLong, help: "Output folder for frame-NNNNNN.png.")
    var out: String = "capture"

    @Option(name: .customLong("set"), help: "Set a control first: NAME=VALUE (repeatable).")
    var controls: [String] = []

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        if let format, PixelFormat(fourcc: format.padding(toLength: 4, withPad: " ", startingAt: 0)) == nil {
            throw ValidationError("--format must be a fourcc such as YUYV")
        }
        if let size, parseSize(size) == nil { throw ValidationError("--size must be WIDTHxHEIGHT, e.g. 640x480") }
        for control in controls where !control.contains("=") || Int(control.split(separator: "=").last ?? "") == nil {
            throw ValidationError("--set must be NAME=INTEGER, got '\(control)'")
        }
    }

    func parseSize(_ text: String) -> (Int, Int)? {
        let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
        return parts.count == 2 && parts[0] > 0 && parts[1] > 0 ? (parts[0], parts[1]) : nil
    }

    func run() throws {
        let wanted = size.flatMap(parseSize)
        let request = CameraRequest(pixelFormat: format.flatMap { PixelFormat(fourcc: $0.padding(toLength: 4, withPad: " ", startingAt: 0)) },
                                    width: wanted?.0, height: wanted?.1, framesPerSecond: fps, bufferCount: buffers)
        let camera = try V4L2Camera(path: device, request: request)
        defer { camera.close() }
        for control in controls {
            let parts = control.split(separator: "=", maxSplits: 1)
            try camera.setControl(named: String(parts[0]), to: Int(parts[1])!)
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        print("\(device)  \(camera.capabilities.card)  \(camera.format)  \(camera.interval.map { "\($0)" } ?? "rate not reported")  \(buffers) buffers")
        try camera.start()
        var timestamps: [Double] = []
        var waitStart = monotonicSeconds()
        while timestamps.count < count {
            let saved: String? = try camera.withNextFrame(timeout: 5) { frame in
                let waited = monotonicSeconds() - waitStart
                let t0 = monotonicSeconds()
                let image = try frame.image()
                let t1 = monotonicSeconds()
                let path = "\(out)/frame-\(String(format: "%06d", Int(frame.sequence))).png"
                try ImageEncoder.writePNG(image, to: path, compressionLevel: 1)
                let t2 = monotonicSeconds()
                timestamps.append(frame.timestamp)
                return String(format: "seq %6d  t %.6f s  dropped %d  wait %6.1f ms  convert %6.1f ms  write %6.1f ms  %@",
                              Int(frame.sequence), frame.timestamp, frame.droppedBefore, waited * 1000, (t1 - t0) * 1000,
                              (t2 - t1) * 1000, path)
            }
            guard let saved else {
                throw CaptureError.systemCall(device: device, operation: "poll (no frame within 5 s)", errno: ETIMEDOUT)
            }
            print(saved)
            waitStart = monotonicSeconds()
        }
        camera.stop()
        let span = (timestamps.last ?? 0) - (timestamps.first ?? 0)
        let rate = timestamps.count > 1 && span > 0 ? Double(timestamps.count - 1) / span : 0
        print(String(format: "%d frames, %.2f fps by driver timestamps, %d dropped", timestamps.count, rate, camera.statistics.dropped))
    }
}
