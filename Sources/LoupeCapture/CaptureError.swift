import Glibc

/// Everything that can go wrong opening, configuring or reading a frame source.
///
/// Every case names the device (or folder/file) it is about; system-call failures also
/// carry the operation (e.g. `VIDIOC_S_FMT`) and `errno`, so a log line is enough to act on.
public enum CaptureError: Error, CustomStringConvertible, Equatable {
    /// No device node at `device` (ENOENT): camera unplugged, wrong index, or driver not loaded.
    case deviceNotFound(device: String)
    /// EACCES/EPERM opening `device`: the user is not in the `video` group, or a udev rule is missing.
    case permissionDenied(device: String)
    /// EBUSY: another process is streaming from `device` (or holds its buffers).
    case deviceBusy(device: String, operation: String)
    /// The node exists but cannot capture video with streaming I/O (metadata node, output node, ...).
    case notACaptureDevice(device: String, driver: String, card: String, capabilities: String)
    /// A system call failed; `operation` is the ioctl or call name.
    case systemCall(device: String, operation: String, errno: Int32)
    /// The device went away (ENODEV/EIO/POLLERR) while in use.
    case deviceLost(device: String, operation: String, errno: Int32)
    /// No requested format/size is offered; `offered` lists what is.
    case formatNotSupported(device: String, requested: String, offered: String)
    /// The driver changed the request into something Loupe cannot use.
    case negotiationFailed(device: String, requested: String, received: String)
    /// No control of that name; `available` lists the names.
    case unknownControl(device: String, name: String, available: [String])
    /// A control value outside its range.
    case controlValueOutOfRange(device: String, name: String, value: Int, range: ClosedRange<Int>)
    /// A frame was malformed (short buffer, undecodable MJPEG).
    case badFrame(device: String, detail: String)
    /// A folder or image source has nothing to replay or cannot read a file.
    case sourceUnavailable(source: String, detail: String)
    /// A caller error (bad argument, wrong state); `detail` says which.
    case invalidArgument(source: String, detail: String)

    public var description: String {
        switch self {
        case .deviceNotFound(let device):
            return "Camera '\(device)' does not exist (ENOENT): check the cable, the device index "
                + "(`loupe cameras` lists what is there) and that the driver is loaded."
        case .permissionDenied(let device):
            return "Camera '\(device)' cannot be opened: permission denied (EACCES). Add the user to the "
                + "'video' group or fix the udev rule."
        case .deviceBusy(let device, let operation):
            return "Camera '\(device)' is busy: \(operation) failed with EBUSY; another process is streaming "
                + "from it. Stop that process first."
        case .notACaptureDevice(let device, let driver, let card, let capabilities):
            return "'\(device)' (driver \(driver), card '\(card)') is not a video capture device with streaming I/O; "
                + "its capabilities are [\(capabilities)]. Pick another /dev/video node."
        case .systemCall(let device, let operation, let code):
            return "Camera '\(device)': \(operation) failed with errno \(code) (\(errnoText(code)))."
        case .deviceLost(let device, let operation, let code):
            return "Camera '\(device)' went away: \(operation) failed with errno \(code) (\(errnoText(code))); "
                + "will reconnect when it returns."
        case .formatNotSupported(let device, let requested, let offered):
            return "Camera '\(device)' does not offer \(requested); it offers \(offered)."
        case .negotiationFailed(let device, let requested, let received):
            return "Camera '\(device)': asked for \(requested), the driver set \(received)."
        case .unknownControl(let device, let name, let available):
            return "Camera '\(device)' has no control '\(name)'; it has: \(available.joined(separator: ", "))."
        case .controlValueOutOfRange(let device, let name, let value, let range):
            return "Camera '\(device)': control '\(name)' = \(value) is outside \(range.lowerBound)...\(range.upperBound)."
        case .badFrame(let device, let detail):
            return "Camera '\(device)' delivered a bad frame: \(detail)."
        case .sourceUnavailable(let source, let detail):
            return "Frame source '\(source)': \(detail)."
        case .invalidArgument(let source, let detail):
            return "Frame source '\(source)': \(detail)."
        }
    }
}

/// `strerror` as a Swift string.
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
