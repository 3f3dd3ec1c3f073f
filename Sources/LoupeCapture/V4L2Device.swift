import CV4L2
import Glibc

/// An open V4L2 device node: the fd plus an ioctl helper that throws ``CaptureError``
/// naming the device, the ioctl and errno. Closes the fd when released.
final class V4L2Device {
    let path: String
    private(set) var fd: Int32

    /// Opens `path` non-blocking.
    ///
    /// - Throws: ``CaptureError/deviceNotFound(device:)``, ``CaptureError/permissionDenied(device:)``,
    ///   ``CaptureError/deviceBusy(device:operation:)`` or ``CaptureError/systemCall(device:operation:errno:)``.
    init(path: String) throws {
        self.path = path
        let result = loupe_v4l2_open(path)
        guard result >= 0 else {
            let code = -result
            switch code {
            case ENOENT, ENODEV, ENXIO: throw CaptureError.deviceNotFound(device: path)
            case EACCES, EPERM: throw CaptureError.permissionDenied(device: path)
            case EBUSY: throw CaptureError.deviceBusy(device: path, operation: "open")
            default: throw CaptureError.systemCall(device: path, operation: "open", errno: code)
            }
        }
        fd = result
    }

    deinit { close() }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// Runs one ioctl; returns 0 or a positive result, or `-errno` without throwing.
    @discardableResult
    func tryIoctl<T>(_ request: UInt, _ argument: inout T) -> Int32 {
        withUnsafeMutablePointer(to: &argument) { loupe_v4l2_ioctl(fd, request, $0) }
    }

    /// Runs one ioctl and throws a ``CaptureError`` naming it on failure.
    func ioctl<T>(_ request: UInt, _ name: String, _ argument: inout T) throws {
        let result = tryIoctl(request, &argument)
        guard result < 0 else { return }
        throw error(operation: name, errno: -result)
    }

    /// The error for a failed operation: ENODEV/EIO mean the device went away, EBUSY busy.
    func error(operation: String, errno code: Int32) -> CaptureError {
        switch code {
        case ENODEV, EIO, ENXIO: return .deviceLost(device: path, operation: operation, errno: code)
        case EBUSY: return .deviceBusy(device: path, operation: operation)
        default: return .systemCall(device: path, operation: operation, errno: code)
        }
    }
}

/// What VIDIOC_QUERYCAP says about a node.
public struct DeviceCapabilities: Sendable, Equatable {
    public var driver: String
    public var card: String
    public var busInfo: String
    /// The node's own capabilities (`device_caps` when the driver sets it).
    public var deviceCaps: UInt32

    public var canCapture: Bool { deviceCaps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0 }
    public var canStream: Bool { deviceCaps & UInt32(V4L2_CAP_STREAMING) != 0 }

    /// Names of the set capability bits, for messages.
    public var capabilityNames: String {
        let names: [(Int32, String)] = [
            (V4L2_CAP_VIDEO_CAPTURE, "video-capture"), (V4L2_CAP_VIDEO_CAPTURE_MPLANE, "video-capture-mplane"),
            (V4L2_CAP_VIDEO_OUTPUT, "video-output"), (V4L2_CAP_VIDEO_OUTPUT_MPLANE, "video-output-mplane"),
            (V4L2_CAP_VIDEO_M2M, "m2m"), (V4L2_CAP_VBI_CAPTURE, "vbi-capture"), (V4L2_CAP_SDR_CAPTURE, "sdr-capture"),
            (V4L2_CAP_META_CAPTURE, "meta-capture"), (V4L2_CAP_TUNER, "tuner"), (V4L2_CAP_RADIO, "radio"),
            (V4L2_CAP_READWRITE, "read-write"), (V4L2_CAP_STREAMING, "streaming"), (V4L2_CAP_TOUCH, "touch"),
        ]
        let set = names.filter { deviceCaps & UInt32(bitPattern: $0.0) != 0 }.map(\.1)
        return set.isEmpty ? "none" : set.joined(separator: ", ")
    }

    static func query(_ device: V4L2Device) throws -> DeviceCapabilities {
        var cap = v4l2_capability()
        let result = device.tryIoctl(LOUPE_VIDIOC_QUERYCAP, &cap)
        if result == -ENOTTY || result == -EINVAL {
            throw CaptureError.notACaptureDevice(device: device.path, driver: "none", card: "",
                                                 capabilities: "not a V4L2 device: VIDIOC_QUERYCAP failed with ENOTTY")
        }
        if result < 0 { throw device.error(operation: "VIDIOC_QUERYCAP", errno: -result) }
        let caps = cap.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities
        return DeviceCapabilities(driver: cString(&cap.driver), card: cString(&cap.card), busInfo: cString(&cap.bus_info),
                                  deviceCaps: caps)
    }
}

/// A fixed-size C char array (imported as a tuple) as a String.
func cString<T>(_ tuple: inout T) -> String {
    withUnsafeBytes(of: &tuple) { raw in
        let bytes = raw.bindMemory(to: UInt8.self)
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
