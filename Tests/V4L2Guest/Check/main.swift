// loupe-v4l2-check: runs inside the qemu guest (scripts/test-vivid.sh) against the kernel's
// vivid driver and checks the capture module end to end. Prints one PASS/FAIL line per
// check, then "vivid: N passed, M failed"; exit status 0 only if all passed.
//
// Environment (set by the guest's /init): LOUPE_CAPTURE_NODE (default /dev/video0),
// LOUPE_OUTPUT_NODE (a vivid output node, default /dev/video1), LOUPE_VIVID_RELOAD
// (a shell command that unloads and reloads vivid, for the reconnect check).
import Glibc
import LoupeCapture
import LoupeImaging
import LoupeTensor

var passed = 0, failed = 0

func check(_ name: String, _ condition: Bool, _ detail: @autoclosure () -> String) {
    if condition { passed += 1; print("PASS \(name): \(detail())") } else { failed += 1; print("FAIL \(name): \(detail())") }
}

func environment(_ key: String, _ fallback: String) -> String {
    getenv(key).map { String(cString: $0) } ?? fallback
}

func openFileDescriptors() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while readdir(directory) != nil { count += 1 }
    return count
}

/// Mappings of V4L2 buffers in this process (vivid's mmap'd vmalloc buffers show up with the device's path or as "/dev/video").
func videoMappings() -> Int {
    guard let file = fopen("/proc/self/maps", "r") else { return -1 }
    defer { fclose(file) }
    var count = 0
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    while getline(&line, &capacity, file) > 0 {
        if String(cString: line!).contains("/dev/video") { count += 1 }
    }
    free(line)
    return count
}

let node = environment("LOUPE_CAPTURE_NODE", "/dev/video0")
let outputNode = environment("LOUPE_OUTPUT_NODE", "/dev/video1")
print("loupe-v4l2-check: nodes \(V4L2Camera.deviceNodes()), kernel variant \(KernelVariant.active)")

struct Capture {
    var sequences: [UInt32] = []
    var timestamps: [Double] = []
    var sizes: [Int] = []
    var spreads: [Int] = []
}

/// Captures `count` frames; per frame records sequence, timestamp, bytes used and the pixel
/// value spread (max - min of every 7th sample). Kept light so the consumer never makes the
/// driver drop frames (qemu TCG is slow).
func capture(_ camera: V4L2Camera, count: Int) throws -> Capture {
    var result = Capture()
    let deadline = MonotonicClock.seconds() + 30
    while result.sequences.count < count && MonotonicClock.seconds() < deadline {
        try camera.withNextFrame(timeout: 2) { frame in
            result.sequences.append(frame.sequence)
            result.timestamps.append(frame.timestamp)
            result.sizes.append(frame.bytes.count)
            var low: UInt8 = 255, high: UInt8 = 0
            var i = 0
            while i < frame.bytes.count { low = min(low, frame.bytes[i]); high = max(high, frame.bytes[i]); i += 7 }
            result.spreads.append(Int(high) - Int(low))
        }
    }
    return result
}

/// Converts one live frame (read in place from the mmap'd buffer) with the SIMD path and the
/// scalar twin; returns the largest difference, or nil if no frame came.
func conversionError(_ camera: V4L2Camera, _ converter: FrameConverter) throws -> Float? {
    let fast = UnsafeMutablePointer<Float>.allocate(capacity: converter.outputCount)
    let slow = UnsafeMutablePointer<Float>.allocate(capacity: converter.outputCount)
    defer { fast.deallocate(); slow.deallocate() }
    return try camera.withNextFrame(timeout: 5) { frame in
        try converter.convert(frame.bytes, into: fast, capacity: converter.outputCount)
        try converter.convertReference(frame.bytes, into: slow, capacity: converter.outputCount)
        return (0..<converter.outputCount).reduce(Float(0)) { max($0, abs(fast[$1] - slow[$1])) }
    }
}

func fixedText(_ value: Double) -> String { "\((value * 100).rounded() / 100)" }

func contiguous(_ sequences: [UInt32]) -> Bool {
    zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 &+ 1 }
}

// 0. Enumeration (what `loupe cameras` prints): formats, sizes, intervals, controls.
do {
    let (caps, formats, controls) = try V4L2Camera.describe(path: node)
    let grey = formats.first { $0.pixelFormat == .grey }
    let vga = grey?.sizes.first { $0.width == 640 && $0.height == 480 }
    check("enumerate", caps.canCapture && formats.count > 10 && formats.contains { $0.pixelFormat == .yuyv } && vga != nil
          && !(vga?.intervals.isEmpty ?? true) && !controls.isEmpty,
          "driver \(caps.driver), \(formats.count) formats, GREY sizes \(grey?.sizes.count ?? 0) "
          + "(\(grey?.sizes.first.map { "\($0.width)x\($0.height)" } ?? "?")...\(grey?.sizes.last.map { "\($0.width)x\($0.height)" } ?? "?")), "
          + "640x480 intervals \(vga?.intervals.map(\.description) ?? []), \(controls.count) controls")
} catch {
    check("enumerate", false, "\(error)")
}

// 1. Formats and sizes: capture, check layout, sequence, content, rate, conversion.
let requestedFPS = 10.0
// GREY and YUYV at two sizes each, then the other raw formats Loupe converts, small.
for (format, width, height) in [(PixelFormat.grey, 640, 480), (.grey, 320, 180), (.yuyv, 640, 480), (.yuyv, 1280, 720),
                                (.uyvy, 320, 180), (.nv12, 320, 180), (.rgb24, 320, 180)] {
    let label = "\(format) \(width)x\(height)"
    do {
        let camera = try V4L2Camera(path: node, request: CameraRequest(pixelFormat: format, width: width, height: height,
                                                                       framesPerSecond: requestedFPS, bufferCount: 4))
        let f = camera.format
        check("negotiate \(label)", f.pixelFormat == format && f.width == width && f.height == height,
              "driver set \(f), interval \(camera.interval.map { "\($0)" } ?? "none")")
        let converter = try FrameConverter(format: f, region: PixelRegion(x: width / 8, y: height / 8, width: width * 3 / 4, height: height * 3 / 4),
                                           outputWidth: 300, outputHeight: 300, channels: format == .grey ? 1 : 3,
                                           normalization: format == .grey ? .unit(channels: 1) : .imageNet)
        try camera.start()
        let frames = 12
        let run = try capture(camera, count: frames)
        let worst = try conversionError(camera, converter)
        camera.stop()
        let expectedBytes = format.minimumImageSize(bytesPerLine: f.bytesPerLine, height: height)!
        check("frames \(label)", run.sequences.count == frames, "\(run.sequences.count) of \(frames) frames in 30 s")
        check("size \(label)", run.sizes.allSatisfy { $0 >= expectedBytes }, "bytesused \(Set(run.sizes)), expected >= \(expectedBytes)")
        check("sequence \(label)", contiguous(run.sequences) && camera.statistics.dropped == 0,
              "sequences \(run.sequences.first ?? 0)...\(run.sequences.last ?? 0), dropped \(camera.statistics.dropped)")
        check("content \(label)", run.spreads.allSatisfy { $0 > 100 }, "pixel value spread per frame \(run.spreads)")
        let seconds = (run.timestamps.last ?? 0) - (run.timestamps.first ?? 0)
        let fps = run.timestamps.count > 1 ? Double(run.timestamps.count - 1) / seconds : 0
        check("rate \(label)", abs(fps - requestedFPS) <= 0.15 * requestedFPS,
              "\((fps * 100).rounded() / 100) fps from driver timestamps, requested \(requestedFPS)")
        check("convert \(label)", worst.map { $0 < 1e-4 } ?? false,
              "SIMD vs scalar twin max abs difference \(worst.map { "\($0)" } ?? "no frame") on a live frame, ROI -> 300x300")
    } catch {
        check("capture \(label)", false, "\(error)")
    }
}

// 2. Stop and restart streaming on one open camera; counters and mappings.
do {
    let fdsBefore = openFileDescriptors()
    let camera = try V4L2Camera(path: node, request: CameraRequest(pixelFormat: .yuyv, width: 640, height: 480, framesPerSecond: 25))
    try camera.start()
    let mapped = videoMappings(), granted = camera.bufferCount
    let first = try capture(camera, count: 5)
    camera.stop()
    let unmapped = videoMappings()
    try camera.start()
    let second = try capture(camera, count: 5)
    camera.stop()
    check("restart", first.sequences.count == 5 && second.sequences.count == 5 && contiguous(second.sequences),
          "first run \(first.sequences), after STREAMOFF/STREAMON \(second.sequences)")
    check("unmap on stop", mapped == granted && unmapped == 0,
          "\(mapped) buffer mappings while streaming (\(granted) buffers), \(unmapped) after stop")
    // Busy: a second open of the same node cannot take buffers while the first streams.
    try camera.start()
    do {
        let other = try V4L2Camera(path: node, request: CameraRequest(pixelFormat: .yuyv, width: 640, height: 480))
        try other.start()
        check("busy", false, "second camera started while the first was streaming")
    } catch let error as CaptureError {
        if case .deviceBusy = error { check("busy", true, "\(error)") } else { check("busy", false, "\(error)") }
    }
    camera.close()
    check("no fd leak", openFileDescriptors() == fdsBefore, "\(fdsBefore) fds before, \(openFileDescriptors()) after close")
} catch {
    check("restart", false, "\(error)")
}

// 3. Controls by name.
do {
    let camera = try V4L2Camera(path: node, request: CameraRequest(pixelFormat: .grey, width: 640, height: 480))
    let controls = try camera.controls()
    let brightness = controls.first { $0.key == "brightness" }
    try camera.setControl(named: "Brightness", to: 200)
    let after = try camera.controls().first { $0.key == "brightness" }?.value
    check("controls", controls.count > 5 && after == 200,
          "\(controls.count) controls (\(controls.prefix(6).map(\.key).joined(separator: ", ")), ...); brightness \(brightness?.value ?? -1) -> \(after ?? -1)")
    do {
        try camera.setControl(named: "no such control", to: 1)
        check("unknown control", false, "setting a missing control did not throw")
    } catch let error as CaptureError {
        if case .unknownControl = error { check("unknown control", true, "\(error)".prefix(120) + "...") } else { check("unknown control", false, "\(error)") }
    }
    try camera.setControl(named: "brightness", to: brightness?.defaultValue ?? 128)
} catch {
    check("controls", false, "\(error)")
}

// 4. Clear errors: a node that cannot capture, and a missing one.
do {
    _ = try V4L2Camera(path: outputNode)
    check("not a capture node", false, "\(outputNode) opened as a camera")
} catch let error as CaptureError {
    if case .notACaptureDevice = error { check("not a capture node", true, "\(error)") } else { check("not a capture node", false, "\(error)") }
} catch { check("not a capture node", false, "\(error)") }
do {
    _ = try V4L2Camera(path: "/dev/video42")
    check("missing node", false, "/dev/video42 opened")
} catch let error as CaptureError {
    if case .deviceNotFound = error { check("missing node", true, "\(error)") } else { check("missing node", false, "\(error)") }
} catch { check("missing node", false, "\(error)") }

// 4b. What `loupe cameras` and `loupe capture` run (CameraListing, CaptureRun).
do {
    let (lines, failures) = CameraListing.lines(nodes: [node, outputNode], controls: false)
    lines.prefix(4).forEach { print("  | \($0)") }
    check("loupe cameras", failures.isEmpty && lines.contains { $0.contains("* GREY") } && lines.contains { $0.contains("not a capture node") },
          "\(lines.count) lines, failures \(failures)")
    let run = CaptureRun(device: node, request: CameraRequest(pixelFormat: .yuyv, width: 640, height: 480, framesPerSecond: 10),
                         count: 3, folder: "/tmp/shots", controls: [("brightness", 140)])
    let summary = try run.run { print("  | \($0)") }
    let images = try summary.files.map { try ImageDecoder.decode(contentsOf: $0) }
    check("loupe capture", images.count == 3 && images.allSatisfy { $0.width == 640 && $0.height == 480 && $0.channels == 3 }
          && summary.dropped == 0,
          "\(summary.files.count) PNGs \(images.map { "\($0.width)x\($0.height)x\($0.channels)" }), \(fixedText(summary.framesPerSecond)) fps")
} catch {
    check("loupe capture", false, "\(error)")
}

// 5. The camera goes away (vivid's "Disconnect" control, then the module is reloaded) and comes back.
let reload = environment("LOUPE_VIVID_RELOAD", "")
if !reload.isEmpty {
    do {
        let fdsBefore = openFileDescriptors()
        let camera = try V4L2Camera(path: node, request: CameraRequest(pixelFormat: .grey, width: 640, height: 480, framesPerSecond: 25))
        camera.reconnectInterval = 0.2
        try camera.start()
        _ = try capture(camera, count: 3)
        try camera.setControl(named: "disconnect", to: 0)
        var lost: CaptureError?
        for _ in 0..<20 where lost == nil {
            do { _ = try camera.withNextFrame(timeout: 0.5) { _ in () } } catch let error as CaptureError { lost = error }
        }
        var lostOK = false
        if case .deviceLost? = lost { lostOK = true }
        check("device lost", lostOK && camera.isDisconnected && videoMappings() == 0 && openFileDescriptors() == fdsBefore,
              "\(lost.map { "\($0)" } ?? "no error"); mappings \(videoMappings()), fds \(openFileDescriptors()) (before \(fdsBefore))")
        let status = system(reload)
        var frames = 0
        let deadline = MonotonicClock.seconds() + 20
        while frames < 3 && MonotonicClock.seconds() < deadline {
            if try camera.withNextFrame(timeout: 0.5, { _ in () }) != nil { frames += 1 }
        }
        check("reconnect", frames == 3 && camera.statistics.reconnects == 1 && videoMappings() == camera.bufferCount
              && openFileDescriptors() == fdsBefore + 1,
              "reload status \(status); \(frames) frames after reload, disconnects \(camera.statistics.disconnects), "
              + "reconnects \(camera.statistics.reconnects), mappings \(videoMappings()), fds \(openFileDescriptors()) (before \(fdsBefore) + 1)")
        camera.close()
    } catch {
        check("reconnect", false, "\(error)")
    }
}

print("vivid: \(passed) passed, \(failed) failed")
exit(failed == 0 && passed > 0 ? 0 : 1)
