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

        Prints per frame the driver sequence number, its timestamp, frames dropped before it, \
        the wait for it and the time to convert and write it; then the measured frame rate. \
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
        let settings = controls.map { setting -> (name: String, value: Int) in
            let parts = setting.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), Int(parts[1])!)
        }
        _ = try CaptureRun(device: device, request: request, count: count, folder: out, controls: settings).run { print($0) }
    }
}
