import XCTest
@testable import LoupeCapture

final class SequenceTrackerTests: XCTestCase {
    func testContiguousSequenceDropsNothing() {
        var tracker = SequenceTracker()
        XCTAssertEqual((0..<100).map { tracker.record(UInt32($0)) }.reduce(0, +), 0)
        XCTAssertEqual(tracker.dropped, 0)
    }

    func testGapCountsMissingFrames() {
        var tracker = SequenceTracker()
        XCTAssertEqual(tracker.record(5), 0, "the first frame has nothing before it to compare")
        XCTAssertEqual(tracker.record(6), 0)
        XCTAssertEqual(tracker.record(10), 3, "7, 8, 9 lost")
        XCTAssertEqual(tracker.record(11), 0)
        XCTAssertEqual(tracker.record(13), 1)
        XCTAssertEqual(tracker.dropped, 4)
    }

    func testWrapAroundIsNotALoss() {
        var tracker = SequenceTracker()
        _ = tracker.record(UInt32.max - 1)
        XCTAssertEqual(tracker.record(UInt32.max), 0)
        XCTAssertEqual(tracker.record(0), 0)
        XCTAssertEqual(tracker.record(2), 1)
        _ = tracker.record(UInt32.max)
        XCTAssertEqual(tracker.record(1), 1, "max -> 1 skips 0")
        XCTAssertEqual(tracker.dropped, 2)
    }

    func testRestartAndDuplicateAreNotLosses() {
        var tracker = SequenceTracker()
        _ = tracker.record(500)
        XCTAssertEqual(tracker.record(0), 0, "driver restarted counting")
        XCTAssertEqual(tracker.record(0), 0, "duplicate")
        tracker.reset()
        XCTAssertNil(tracker.last)
        XCTAssertEqual(tracker.record(900), 0, "after reset the next frame starts a new run")
        XCTAssertEqual(tracker.dropped, 0)
    }

    func testFrameClockCountsFramesSkippedByALateCaller() {
        var now = 100.0
        var clock = FrameClock(framesPerSecond: 10)
        clock.start = now
        var tracker = SequenceTracker()
        var slept = 0.0
        func next(_ timeout: Double = 1) -> UInt64? {
            clock.wait(timeout: timeout, now: { now }, sleep: { slept += $0; now += $0 })
        }
        XCTAssertEqual(next(), 0)
        XCTAssertEqual(next(), 1)
        XCTAssertEqual(now, 100.1, accuracy: 1e-9, "waited for frame 1's due time")
        now += 0.55  // the caller took 550 ms: frames 2...6 are due, 6 is the latest
        let late = next()!
        XCTAssertEqual(late, 6)
        XCTAssertEqual(tracker.record(1), 0)
        XCTAssertEqual(tracker.record(UInt32(late)), 4, "frames 2, 3, 4, 5 dropped")
        XCTAssertNil(next(0.01), "frame 7 is due in 50 ms, beyond the timeout")
        XCTAssertEqual(next(), 7)
    }
}

final class FormatNegotiationTests: XCTestCase {
    /// What vivid's webcam input offers, in short.
    let offered: [FormatMode] = {
        let intervals = [FrameInterval(numerator: 1, denominator: 25), FrameInterval(numerator: 1, denominator: 15),
                         FrameInterval(numerator: 1, denominator: 5)]
        let sizes = [(320, 180), (640, 360), (640, 480), (1280, 720), (1920, 1080)].map {
            FrameSizeMode(width: $0.0, height: $0.1, intervals: intervals)
        }
        return [PixelFormat(fourcc: "Y10 ")!, .yuyv, .grey, .nv12, PixelFormat(fourcc: "BA81")!].map {
            FormatMode(pixelFormat: $0, description: "\($0)", sizes: sizes, stepwise: false)
        }
    }()

    func testDefaultPrefersGrayThenTheSizeClosestTo640x480() throws {
        let mode = try FormatNegotiation.choose(offered: offered, request: CameraRequest(), device: "/dev/video0")
        XCTAssertEqual(mode, NegotiatedMode(pixelFormat: .grey, width: 640, height: 480, interval: nil))
        let noGray = offered.filter { $0.pixelFormat != .grey }
        XCTAssertEqual(try FormatNegotiation.choose(offered: noGray, request: CameraRequest(), device: "d").pixelFormat, .yuyv)
    }

    func testRequestedFormatSizeAndNearestRate() throws {
        let request = CameraRequest(pixelFormat: .nv12, width: 1280, height: 720, framesPerSecond: 12)
        let mode = try FormatNegotiation.choose(offered: offered, request: request, device: "d")
        XCTAssertEqual(mode, NegotiatedMode(pixelFormat: .nv12, width: 1280, height: 720,
                                            interval: FrameInterval(numerator: 1, denominator: 15)))
    }

    func testMissingFormatNamesWhatIsOffered() {
        XCTAssertThrowsError(try FormatNegotiation.choose(offered: offered, request: CameraRequest(pixelFormat: .mjpeg), device: "/dev/video3")) { error in
            guard case CaptureError.formatNotSupported(let device, let requested, let offered) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(device, "/dev/video3")
            XCTAssertEqual(requested, "format MJPG")
            XCTAssertEqual(offered, "[Y10 , YUYV, GREY, NV12, BA81]")
        }
    }

    func testOfferedButUnconvertibleFormatIsRefused() {
        XCTAssertThrowsError(try FormatNegotiation.choose(offered: offered, request: CameraRequest(pixelFormat: PixelFormat(fourcc: "BA81")), device: "d")) {
            XCTAssertTrue("\($0)".contains("Loupe converts only GREY, YUYV, UYVY, NV12, RGB3, MJPG"), "\($0)")
        }
        let bayerOnly = offered.filter { $0.pixelFormat == PixelFormat(fourcc: "BA81") }
        XCTAssertThrowsError(try FormatNegotiation.choose(offered: bayerOnly, request: CameraRequest(), device: "d"))
    }

    func testSizeNotOfferedListsSizes() {
        XCTAssertThrowsError(try FormatNegotiation.choose(offered: offered, request: CameraRequest(pixelFormat: .grey, width: 800, height: 600), device: "d")) {
            XCTAssertTrue("\($0)".contains("320x180, 640x360, 640x480, 1280x720, 1920x1080"), "\($0)")
        }
    }

    func testStepwiseRangeAcceptsAnySizeInside() throws {
        let stepwise = [FormatMode(pixelFormat: .yuyv, description: "YUYV",
                                   sizes: [FrameSizeMode(width: 16, height: 16, intervals: []), FrameSizeMode(width: 4096, height: 2160, intervals: [])],
                                   stepwise: true)]
        let mode = try FormatNegotiation.choose(offered: stepwise, request: CameraRequest(width: 1000, height: 500, framesPerSecond: 30), device: "d")
        XCTAssertEqual(mode.width, 1000)
        XCTAssertEqual(mode.interval?.framesPerSecond ?? 0, 30, accuracy: 1e-9, "no discrete intervals: ask for the rate itself")
        XCTAssertThrowsError(try FormatNegotiation.choose(offered: stepwise, request: CameraRequest(width: 5000, height: 500), device: "d"))
    }

    func testControlKeysFollowV4L2Ctl() {
        XCTAssertEqual(CameraControl.key(for: "Exposure, Absolute"), "exposure_absolute")
        XCTAssertEqual(CameraControl.key(for: "White Balance Temperature, Auto"), "white_balance_temperature_auto")
        XCTAssertEqual(CameraControl.key(for: "Gain"), "gain")
    }

    func testFourCC() {
        XCTAssertEqual(PixelFormat(fourcc: "YUYV"), .yuyv)
        XCTAssertEqual(PixelFormat.grey.description, "GREY")
        XCTAssertNil(PixelFormat(fourcc: "YUV"))
    }
}
