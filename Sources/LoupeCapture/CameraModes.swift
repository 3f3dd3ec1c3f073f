import CV4L2
import Glibc

/// A frame interval as the driver states it: `numerator / denominator` seconds.
public struct FrameInterval: Hashable, Sendable, CustomStringConvertible {
    public var numerator: UInt32
    public var denominator: UInt32
    public init(numerator: UInt32, denominator: UInt32) {
        self.numerator = numerator
        self.denominator = denominator
    }
    /// Frames per second (0 if the interval is 0).
    public var framesPerSecond: Double { numerator == 0 ? 0 : Double(denominator) / Double(numerator) }
    public var description: String {
        let fps = framesPerSecond
        return fps == fps.rounded() ? "\(Int(fps)) fps" : "\((fps * 100).rounded() / 100) fps"
    }
}

/// One frame size a format offers, with its frame intervals.
public struct FrameSizeMode: Hashable, Sendable {
    public var width: Int
    public var height: Int
    /// Discrete intervals; empty if the driver reports a stepwise/continuous range.
    public var intervals: [FrameInterval]
}

/// One pixel format a device offers (VIDIOC_ENUM_FMT) with its sizes.
public struct FormatMode: Hashable, Sendable {
    public var pixelFormat: PixelFormat
    public var description: String
    /// Discrete sizes; for a stepwise range, its smallest and largest.
    public var sizes: [FrameSizeMode]
    /// True if sizes is a stepwise range's two ends.
    public var stepwise: Bool
}

/// A control (VIDIOC_QUERYCTRL): exposure, gain, brightness, ...
public struct CameraControl: Sendable, Equatable {
    public var id: UInt32
    /// The driver's name, e.g. "Exposure, Absolute".
    public var name: String
    /// ``name`` as a key, lower case with underscores, e.g. "exposure_absolute" (what `v4l2-ctl` shows).
    public var key: String
    /// "int", "bool", "menu", "button", "int64", "string", "integer-menu", "bitmask".
    public var type: String
    public var minimum: Int
    public var maximum: Int
    public var step: Int
    public var defaultValue: Int
    /// The current value; nil for write-only controls (buttons) or when reading failed.
    public var value: Int?
    /// Menu items by index (menu controls).
    public var menu: [(index: Int, name: String)]
    public var readOnly: Bool
    public var inactive: Bool

    public static func == (a: CameraControl, b: CameraControl) -> Bool {
        a.id == b.id && a.name == b.name && a.value == b.value && a.minimum == b.minimum && a.maximum == b.maximum
    }

    /// "Exposure, Absolute" → "exposure_absolute".
    public static func key(for name: String) -> String {
        var key = ""
        var pendingUnderscore = false
        for character in name.lowercased() {
            if character.isLetter || character.isNumber {
                if pendingUnderscore && !key.isEmpty { key.append("_") }
                key.append(character)
                pendingUnderscore = false
            } else {
                pendingUnderscore = true
            }
        }
        return key
    }
}

extension V4L2Device {
    /// Every capture format with sizes and intervals (ENUM_FMT, ENUM_FRAMESIZES, ENUM_FRAMEINTERVALS).
    func formatModes() throws -> [FormatMode] {
        var modes: [FormatMode] = []
        var index: UInt32 = 0
        while true {
            var desc = v4l2_fmtdesc()
            desc.index = index
            desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            let result = tryIoctl(LOUPE_VIDIOC_ENUM_FMT, &desc)
            if result == -EINVAL { break }
            if result < 0 { throw error(operation: "VIDIOC_ENUM_FMT", errno: -result) }
            let format = PixelFormat(code: desc.pixelformat)
            let (sizes, stepwise) = try frameSizes(format)
            modes.append(FormatMode(pixelFormat: format, description: cString(&desc.description), sizes: sizes, stepwise: stepwise))
            index += 1
        }
        return modes
    }

    func frameSizes(_ format: PixelFormat) throws -> ([FrameSizeMode], Bool) {
        var sizes: [FrameSizeMode] = []
        var index: UInt32 = 0
        while true {
            var size = v4l2_frmsizeenum()
            size.index = index
            size.pixel_format = format.code
            let result = tryIoctl(LOUPE_VIDIOC_ENUM_FRAMESIZES, &size)
            if result == -EINVAL || result == -ENOTTY { break }
            if result < 0 { throw error(operation: "VIDIOC_ENUM_FRAMESIZES", errno: -result) }
            if size.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue {
                let w = Int(size.discrete.width), h = Int(size.discrete.height)
                sizes.append(FrameSizeMode(width: w, height: h, intervals: try frameIntervals(format, width: w, height: h)))
            } else {
                let s = size.stepwise
                for (w, h) in [(Int(s.min_width), Int(s.min_height)), (Int(s.max_width), Int(s.max_height))] {
                    sizes.append(FrameSizeMode(width: w, height: h, intervals: try frameIntervals(format, width: w, height: h)))
                }
                return (sizes, true)
            }
            index += 1
        }
        return (sizes, false)
    }

    func frameIntervals(_ format: PixelFormat, width: Int, height: Int) throws -> [FrameInterval] {
        var intervals: [FrameInterval] = []
        var index: UInt32 = 0
        while true {
            var interval = v4l2_frmivalenum()
            interval.index = index
            interval.pixel_format = format.code
            interval.width = UInt32(width)
            interval.height = UInt32(height)
            let result = tryIoctl(LOUPE_VIDIOC_ENUM_FRAMEINTERVALS, &interval)
            if result == -EINVAL || result == -ENOTTY { break }
            if result < 0 { throw error(operation: "VIDIOC_ENUM_FRAMEINTERVALS", errno: -result) }
            guard interval.type == V4L2_FRMIVAL_TYPE_DISCRETE.rawValue else { break }
            intervals.append(FrameInterval(numerator: interval.discrete.numerator, denominator: interval.discrete.denominator))
            index += 1
        }
        return intervals
    }

    /// Every user-visible control (QUERYCTRL with NEXT_CTRL), with current values.
    func controls() throws -> [CameraControl] {
        var controls: [CameraControl] = []
        var id = LOUPE_V4L2_CTRL_FLAG_NEXT_CTRL
        while true {
            var query = v4l2_queryctrl()
            query.id = id
            let result = tryIoctl(LOUPE_VIDIOC_QUERYCTRL, &query)
            if result == -EINVAL || result == -ENOTTY { break }
            if result < 0 { throw error(operation: "VIDIOC_QUERYCTRL", errno: -result) }
            id = query.id | LOUPE_V4L2_CTRL_FLAG_NEXT_CTRL
            if query.flags & UInt32(V4L2_CTRL_FLAG_DISABLED) != 0 || query.type == V4L2_CTRL_TYPE_CTRL_CLASS.rawValue { continue }
            let name = cString(&query.name)
            var control = CameraControl(
                id: query.id, name: name, key: CameraControl.key(for: name), type: Self.typeName(query.type),
                minimum: Int(query.minimum), maximum: Int(query.maximum), step: Int(query.step),
                defaultValue: Int(query.default_value), value: nil, menu: [],
                readOnly: query.flags & UInt32(V4L2_CTRL_FLAG_READ_ONLY) != 0,
                inactive: query.flags & UInt32(V4L2_CTRL_FLAG_INACTIVE) != 0)
            let simple = [V4L2_CTRL_TYPE_INTEGER, V4L2_CTRL_TYPE_BOOLEAN, V4L2_CTRL_TYPE_MENU, V4L2_CTRL_TYPE_INTEGER_MENU,
                          V4L2_CTRL_TYPE_BITMASK].map(\.rawValue)
            if simple.contains(query.type) && query.flags & UInt32(V4L2_CTRL_FLAG_WRITE_ONLY) == 0 {
                var value = v4l2_control(id: query.id, value: 0)
                if tryIoctl(LOUPE_VIDIOC_G_CTRL, &value) >= 0 { control.value = Int(value.value) }
            }
            if query.type == V4L2_CTRL_TYPE_MENU.rawValue || query.type == V4L2_CTRL_TYPE_INTEGER_MENU.rawValue {
                var item = query.minimum
                while item <= query.maximum {
                    var menu = v4l2_querymenu()
                    menu.id = query.id
                    menu.index = UInt32(item)
                    if tryIoctl(LOUPE_VIDIOC_QUERYMENU, &menu) >= 0 {
                        let text = query.type == V4L2_CTRL_TYPE_MENU.rawValue ? cString(&menu.name) : String(menu.value)
                        control.menu.append((Int(item), text))
                    }
                    item += 1
                }
            }
            controls.append(control)
        }
        return controls
    }

    static func typeName(_ type: UInt32) -> String {
        switch type {
        case V4L2_CTRL_TYPE_INTEGER.rawValue: return "int"
        case V4L2_CTRL_TYPE_BOOLEAN.rawValue: return "bool"
        case V4L2_CTRL_TYPE_MENU.rawValue: return "menu"
        case V4L2_CTRL_TYPE_BUTTON.rawValue: return "button"
        case V4L2_CTRL_TYPE_INTEGER64.rawValue: return "int64"
        case V4L2_CTRL_TYPE_STRING.rawValue: return "string"
        case V4L2_CTRL_TYPE_INTEGER_MENU.rawValue: return "integer-menu"
        case V4L2_CTRL_TYPE_BITMASK.rawValue: return "bitmask"
        default: return "type-\(type)"
        }
    }

    /// Sets the control whose name or key is `name` (case-insensitive) to `value`.
    func setControl(named name: String, to value: Int) throws {
        let all = try controls()
        let wanted = CameraControl.key(for: name)
        guard let control = all.first(where: { $0.key == wanted }) else {
            throw CaptureError.unknownControl(device: path, name: name, available: all.map(\.key))
        }
        if control.type != "button" {
            guard (control.minimum...control.maximum).contains(value) else {
                throw CaptureError.controlValueOutOfRange(device: path, name: control.key, value: value,
                                                          range: control.minimum...control.maximum)
            }
        }
        var request = v4l2_control(id: control.id, value: Int32(clamping: value))
        try ioctl(LOUPE_VIDIOC_S_CTRL, "VIDIOC_S_CTRL(\(control.key))", &request)
    }
}
