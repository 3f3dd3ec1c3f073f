import LoupeImaging

/// The two wafer kinds of the ELPV dataset; `rawValue` is the spelling of ELPV's `labels.csv`.
public enum CellType: String, CaseIterable, Sendable {
    /// Monocrystalline: uniform, pseudo-square wafer with dark cut corners, faint swirl rings.
    case mono
    /// Polycrystalline (multicrystalline): grain texture, dark grain boundaries and dislocation clouds.
    case poly
}

/// What is painted onto a cell. `rawValue` is the spelling used in the `defect` column of `labels.csv`.
public enum DefectKind: String, CaseIterable, Sendable {
    /// Thin dark polyline, sometimes branching, sometimes cutting off a darker region on one side.
    case crack
    /// Short dark smudges across fingers where a finger is broken.
    case fingerInterruption = "finger"
    /// A region electrically cut off by a crack: a much darker polygon bounded by the crack and the cell edge.
    case inactiveArea = "dark"
    /// Benign material feature (poly dislocation cluster, mono dark spots or ring). Not a defect:
    /// it never raises the label, so a model has to learn which dark things matter.
    case materialDefect = "material"

    /// False only for ``materialDefect``.
    public var isDefect: Bool { self != .materialDefect }

    /// The value painted into ``SyntheticCell/defectMask`` for pixels showing this kind.
    public var maskCode: UInt8 {
        switch self {
        case .crack: return 1
        case .fingerInterruption: return 2
        case .inactiveArea: return 3
        case .materialDefect: return 4
        }
    }
}

/// How bad a defect looks; maps one-to-one onto ELPV's four probability labels.
public enum DefectSeverity: Int, CaseIterable, Comparable, Sendable {
    /// No defect: label 0.
    case none = 0
    /// Faint or small (short hairline crack, one finger interruption): label 1/3.
    case faint = 1
    /// Clearly visible but limited: label 2/3.
    case medium = 2
    /// Clear crack or dark inactive area: label 1.
    case clear = 3

    /// The ELPV defect probability, `rawValue / 3`: 0, 1/3, 2/3 or 1.
    public var probability: Double { Double(rawValue) / 3 }

    public static func < (lhs: DefectSeverity, rhs: DefectSeverity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One painted defect (or benign feature), in image pixel coordinates.
public struct PlacedDefect: Sendable, Equatable {
    public let kind: DefectKind
    /// `.none` for ``DefectKind/materialDefect``.
    public let severity: DefectSeverity
    /// Smallest image-aligned rectangle holding the visibly changed pixels, clipped to the image.
    /// For ``DefectKind/inactiveArea`` it covers the darkened region and its bounding crack.
    public let boundingBox: PixelRegion
    /// Crack centre line (main polyline, branches left out) in image pixels, (x, y) with y down;
    /// empty for kinds without a crack.
    public let path: [SIMD2<Float>]
}

/// One generated cell: 8-bit gray pixels plus exact labels.
public struct SyntheticCell: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Gray samples, row-major, (height, width).
    public let pixels: [UInt8]
    /// Per-pixel kind codes, (height, width): 0 where nothing was painted, else ``DefectKind/maskCode``
    /// of what the pixel shows (a crack bounding an inactive area is painted as a crack).
    public let defectMask: [UInt8]
    public let cellType: CellType
    /// Everything painted, real defects first in the order asked for, then benign features.
    public let defects: [PlacedDefect]
    /// The worst real defect's severity (`.none` if there is no real defect).
    public let severity: DefectSeverity
    /// Cell corners in image pixels (clockwise from the cell's own top-left); for mono cells
    /// the cut corners lie inside this square.
    public let cellCorners: [SIMD2<Float>]
    /// Busbar centre lines in image pixels, each as its two end points.
    public let busbars: [[SIMD2<Float>]]
    /// Busbar width in image pixels.
    public let busbarWidth: Float

    /// ELPV-style defect probability: 0, 1/3, 2/3 or 1.
    public var defectProbability: Double { severity.probability }
    /// The binary ELPV task: defective when the probability is above 0.5.
    public var isDefective: Bool { defectProbability > 0.5 }

    /// The cell as a 1-channel 8-bit ``Image`` (for ``ImageEncoder``).
    public func image(name: String = "synthetic cell") throws -> Image {
        try Image(width: width, height: height, channels: 1, pixels: pixels, name: name)
    }
}
