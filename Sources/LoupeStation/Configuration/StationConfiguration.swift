/// A station's configuration: what `station.yaml` says, validated. See docs/station.md for the
/// file format and `docs/examples/station-*.yaml` for one example per frame source.
public struct StationConfiguration: Equatable, Sendable {
    public var name: String
    /// The local outbox (SQLite): the MES queue and the audit trail.
    public var outbox: String
    public var mes: MES?
    public var plc: PLC?
    public var api: API
    /// Where rejected, fail-safe and sampled passed images are kept (nil: none are kept).
    public var archive: Archive?
    /// The plant's shifts, for the dashboard's per-shift counts (default: 06:00, 14:00, 22:00).
    public var shifts: [Shift] = Shift.threeEightHour
    public var inspectionPoints: [InspectionPoint]

    /// The MQTT link to the MES (absent: results stay in the local outbox).
    public struct MES: Equatable, Sendable {
        public var host: String
        public var port: Int
        public var username: String?
        public var password: Secret?
        /// Sparkplug-style group id in the topics.
        public var group: String
        /// Who acknowledges a result before it leaves the outbox: `broker` (its PUBACK) or
        /// `mes` (the MES application itself, end to end; unacknowledged results are re-sent).
        public var acknowledge: String = "broker"
    }

    /// The Modbus TCP link to the PLC that drives the reject gate or robot.
    public struct PLC: Equatable, Sendable {
        public var host: String
        public var port: Int
        public var unit: Int
        /// First of the reject block's holding registers.
        public var rejectRegister: Int
        /// Coil set when a reject could not be confirmed in time.
        public var stopLineCoil: Int?
        public var requestTimeoutMs: Int
        /// Holding register the station counts up while it runs, for the PLC's watchdog (nil: none).
        public var heartbeatRegister: Int?
        public var heartbeatIntervalMs: Int = 100
    }

    /// The HTTP API and dashboard.
    public struct API: Equatable, Sendable {
        public var host: String
        public var port: Int
        /// Needed for changes (threshold, model, pause); nil: the API is read-only.
        public var token: Secret?
    }

    /// The image archive and its retention policy.
    public struct Archive: Equatable, Sendable {
        public var folder: String
        /// Share of passed parts whose image is kept too (0: none, 1: all); rejects are always kept.
        public var keepPassed: Double
        /// The most the archive may hold; the oldest images are deleted first to stay under it.
        public var maxBytes: Int64
        /// Images older than this many days are deleted.
        public var maxDays: Int
        /// No image is written while the file system has less free space than this.
        public var minFreeBytes: Int64
    }

    /// A shift, from `start` (minutes after midnight, local time) to the next shift's start.
    public struct Shift: Equatable, Sendable {
        public var name: String
        public var startMinute: Int

        public static let threeEightHour = [Shift(name: "early", startMinute: 6 * 60), Shift(name: "late", startMinute: 14 * 60),
                                            Shift(name: "night", startMinute: 22 * 60)]
    }

    /// One camera and what is done with its parts.
    public struct InspectionPoint: Equatable, Sendable {
        public var name: String
        public var source: Source
        /// Part of the frame to inspect (nil: all of it).
        public var region: Region?
        public var model: String
        /// Overrides the model's threshold.
        public var threshold: Float?
        /// Scores within this distance of the threshold are uncertain (fail-safe reject).
        public var uncertaintyBand: Float
        public var trigger: Trigger
        /// PLC-triggered points: the first of the 6 holding registers the PLC announces parts in.
        public var triggerRegister: Int
        /// PLC-triggered points: the longest a part waits for its frame after the trigger.
        public var triggerWait: Double
        public var line: Line
        /// The PLC's tracking slot for this point's parts.
        public var slot: Int
    }

    public enum Source: Equatable, Sendable {
        /// A V4L2 camera: device, fourcc, size, frames per second.
        case camera(device: String, format: String, width: Int, height: Int, framesPerSecond: Double)
        /// PNG/JPEG files replayed in name order at a rate; `loop` starts again at the end.
        case folder(path: String, framesPerSecond: Double, loop: Bool)
        /// One image repeated at a rate (commissioning).
        case image(path: String, framesPerSecond: Double)
    }

    public struct Region: Equatable, Sendable {
        public var x: Int, y: Int, width: Int, height: Int
    }

    public enum Trigger: String, Equatable, Sendable {
        /// Every frame is a part.
        case freeRunning = "free-running"
        /// The PLC announces each part; the next frame after it is the part's.
        case plc
    }

    /// Where the pick window is, for each part's deadline.
    public struct Line: Equatable, Sendable {
        public var distanceToPick: Double
        public var conveyorSpeed: Double
        public var rejectLeadTime: Double

        public var geometry: LineGeometry {
            LineGeometry(distanceToPick: distanceToPick, conveyorSpeed: conveyorSpeed, rejectLeadTime: rejectLeadTime)
        }
    }
}

/// A password or token, read from a file or the environment. Never printed: its description
/// is a placeholder, so it cannot leak into logs, errors or the API.
public struct Secret: Equatable, Sendable, CustomStringConvertible {
    public let value: String
    /// Where it came from ("file /etc/loupe/token", "environment LOUPE_TOKEN"), safe to show.
    public let origin: String

    public init(value: String, origin: String) {
        self.value = value
        self.origin = origin
    }

    public var description: String { "<secret from \(origin)>" }
}
