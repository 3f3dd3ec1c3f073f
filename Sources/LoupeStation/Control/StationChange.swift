/// A change to the running station, from the HTTP API or a reload.
public enum StationChange: Sendable, Equatable {
    /// Every part is rejected as `paused` until ``resume``.
    case pause
    case resume
    /// Re-read the configuration file and apply what can change while running (SIGHUP does the same).
    case reload
    /// A new threshold for a point (nil: back to the model's own).
    case threshold(point: String, Float?)
    case uncertaintyBand(point: String, Float)
    /// Switch a point to the model in a folder (validated first; the old one is kept for rollback).
    case model(point: String, path: String)
    /// Back to a point's model before the last switch.
    case rollback(point: String)

    /// The audit trail's name for it.
    public var action: String {
        switch self {
        case .pause: "pause"
        case .resume: "resume"
        case .reload: "reload"
        case .threshold: "threshold"
        case .uncertaintyBand: "uncertainty-band"
        case .model: "model"
        case .rollback: "rollback"
        }
    }

    public var point: String? {
        switch self {
        case .pause, .resume, .reload: nil
        case let .threshold(point, _), let .uncertaintyBand(point, _), let .model(point, _), let .rollback(point): point
        }
    }
}

/// What the HTTP API serves besides metrics: the dashboard's state, its pictures, the archive,
/// and changes (``StationRunner`` is one).
public protocol StationControlPanel: AnyObject, Sendable {
    /// The token changes need (nil: the API is read-only).
    var apiToken: Secret? { get }
    /// The dashboard's state document (JSON).
    func dashboardState() -> [UInt8]
    /// A point's last image (`last`), last rejected image (`last-reject`) or its occlusion
    /// heatmap (`last-reject-heatmap`), as PNG; nil when there is none yet.
    func pointImage(point: String, kind: String) throws -> [UInt8]?
    /// The file of an archived image reference, if it exists.
    func archivedImagePath(_ ref: String) -> String?
    /// Applies a change (already authorised) and says what was done.
    /// - Throws: ``StationControlError``.
    func perform(_ change: StationChange, who: String) throws -> String
}
