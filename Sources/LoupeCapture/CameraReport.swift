import Glibc
import LoupeImaging
import LoupeTensor

/// What `loupe cameras` prints, as a library function so the vivid test runs the same code.
public enum CameraListing {
    /// A readable listing of `nodes` (default: every /dev/video*): driver, card,
    /// capabilities, formats (`*` = Loupe converts it) with sizes and rates, and controls.
    ///
    /// - Returns: the lines, and one message per node that could not be described.
    public static func lines(nodes: [String]? = nil, controls showControls: Bool = true) -> (lines: [String], failures: [String]) {
        let nodes = nodes ?? V4L2Camera.deviceNodes()
        if nodes.isEmpty { return (["no /dev/video* devices (is the camera plugged in and its driver loaded?)"], []) }
        var lines: [String] = [], failures: [String] = []
        for node in nodes {
            do {
                let (caps, formats, controls) = try V4L2Camera.describe(path: node)
                lines.append("\(node)  \(caps.card)  (driver \(caps.driver), \(caps.busInfo))  [\(caps.capabilityNames)]")
                if !caps.canCapture { lines.append("  not a capture node"); continue }
                for format in formats {
                    lines.append("  \(format.pixelFormat.isConvertible ? "*" : " ") \(format.pixelFormat)  \(format.description)")
                    if format.stepwise, let low = format.sizes.first, let high = format.sizes.last {
                        lines.append("      \(low.width)x\(low.height) ... \(high.width)x\(high.height) (stepwise)")
                        continue
                    }
                    for size in format.sizes {
                        let rates = size.intervals.map(\.description).joined(separator: ", ")
                        lines.append("      \(size.width)x\(size.height)\(rates.isEmpty ? "" : "  " + rates)")
                    }
                }
                guard showControls else { continue }
                lines.append("  controls:")
                for control in controls {
                    var line = "    " + control.key + String(repeating: " ", count: max(1, 33 - control.key.count)) + control.type
                    if control.type != "button" {
                        line += "  \(control.minimum)...\(control.maximum) step \(control.step) default \(control.defaultValue)"
                    }
                    if let value = control.value { line += "  value \(value)" }
                    if control.readOnly { line += "  (read-only)" }
                    if control.inactive { line += "  (inactive)" }
                    lines.append(line)
                    if !control.menu.isEmpty { lines.append("      " + control.menu.map { "\($0.index): \($0.name)" }.joined(separator: ", ")) }
                }
            } catch {
                failures.append("\(error)")
            }
        }
        return (lines, failures)
    }
}

/// What `loupe capture` does: grab frames to PNG files with per-frame timings.
public struct CaptureRun {
    public var device: String
    public var request: CameraRequest
    public var count: Int
    /// Output folder (created if missing) for `frame-NNNNNN.png`.
    public var folder: String
    /// Controls set before streaming, by name or key.
    public var controls: [(name: String, value: Int)]

    public init(device: String, request: CameraRequest, count: Int, folder: String, controls: [(name: String, value: Int)] = []) {
        self.device = device
        self.request = request
        self.count = count
        self.folder = folder
        self.controls = controls
    }

    public struct Summary {
        public var files: [String]
        public var framesPerSecond: Double
        public var dropped: Int
        public var format: FrameFormat
    }

    /// Opens the camera, sets controls, streams `count` frames into PNGs, printing one line
    /// per frame through `log`, and closes the camera on every path.
    ///
    /// - Throws: ``CaptureError`` (camera, or no frame within 5 s), imaging errors writing PNGs.
    public func run(log: (String) -> Void) throws -> Summary {
        let camera = try V4L2Camera(path: device, request: request)
        defer { camera.close() }
        for control in controls { try camera.setControl(named: control.name, to: control.value) }
        var partial = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            partial += "/" + part
            if mkdir(partial, 0o755) != 0 && errno != EEXIST {
                throw CaptureError.sourceUnavailable(source: folder, detail: "cannot create \(partial): errno \(errno) (\(errnoText(errno)))")
            }
        }
        log("\(device)  \(camera.capabilities.card)  \(camera.format)  \(camera.interval.map { "\($0)" } ?? "rate not reported")  "
            + "\(camera.bufferCount == 0 ? request.bufferCount : camera.bufferCount) buffers")
        try camera.start()
        var timestamps: [Double] = [], files: [String] = []
        var waitStart = MonotonicClock.seconds()
        while files.count < count {
            let line: String? = try camera.withNextFrame(timeout: 5) { frame in
                let waited = MonotonicClock.seconds() - waitStart
                let t0 = MonotonicClock.seconds()
                let image = try frame.image()
                let t1 = MonotonicClock.seconds()
                let digits = String(frame.sequence)
                let path = "\(folder)/frame-\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits).png"
                try ImageEncoder.writePNG(image, to: path, compressionLevel: 1)
                let t2 = MonotonicClock.seconds()
                timestamps.append(frame.timestamp)
                files.append(path)
                return "seq \(frame.sequence)  t \(fixed(frame.timestamp, 6)) s  dropped \(frame.droppedBefore)  wait \(fixed(waited * 1000, 1)) ms  "
                    + "convert \(fixed((t1 - t0) * 1000, 1)) ms  write \(fixed((t2 - t1) * 1000, 1)) ms  \(path)"
            }
            guard let line else { throw CaptureError.systemCall(device: device, operation: "poll (no frame within 5 s)", errno: ETIMEDOUT) }
            log(line)
            waitStart = MonotonicClock.seconds()
        }
        camera.stop()
        let span = (timestamps.last ?? 0) - (timestamps.first ?? 0)
        let rate = timestamps.count > 1 && span > 0 ? Double(timestamps.count - 1) / span : 0
        log("\(files.count) frames, \(fixed(rate, 2)) fps by driver timestamps, \(camera.statistics.dropped) dropped")
        return Summary(files: files, framesPerSecond: rate, dropped: camera.statistics.dropped, format: camera.format)
    }
}

/// `value` with `decimals` digits after the point (no Foundation).
func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale), fraction = Int(scaled) - whole * Int(scale)
    let digits = String(fraction)
    let sign = value < 0 && scaled != 0 ? "-" : ""
    return decimals == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(String(repeating: "0", count: decimals - digits.count))\(digits)"
}
