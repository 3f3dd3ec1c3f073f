import Foundation
import LoupeImaging
import LoupeTensor

/// Writes a folder of synthetic EL cells as PNGs plus an ELPV-style `labels.csv`.
///
/// `labels.csv` has a header and one row per cell: `path,probability,type,defect`, e.g.
/// `cell0001.png,1.0,mono,crack`. `path` is relative to the folder, `probability` is 0.0,
/// 0.3333333333333333, 0.6666666666666666 or 1.0 (as in ELPV), `type` is mono or poly and `defect`
/// lists the painted kinds joined by `+` (`none`, `crack`, `finger`, `dark`, `material`,
/// e.g. `crack+material`). The plan is exact, not sampled: the label and type fractions are
/// rounded to counts and shuffled with the seed, so two runs with one seed write identical files.
public struct SynthDataset: Sendable {
    /// Where the PNGs go inside the output folder.
    public enum Layout: String, Sendable {
        /// All cells in the folder itself.
        case flat
        /// `good/` (probability ≤ 0.5) and `defective/` (probability > 0.5).
        case byClass
    }

    /// One planned cell.
    public struct Entry: Sendable, Equatable {
        /// Generator index (0-based); the file is numbered `index + 1`, like ELPV's `cell0001.png`.
        public let index: Int
        /// Relative path inside the output folder.
        public let path: String
        public let cellType: CellType
        /// Kinds painted, real defects first.
        public let defects: [DefectKind]
        public let severity: DefectSeverity

        public var probability: Double { severity.probability }
        public var isDefective: Bool { probability > 0.5 }
        /// The `defect` column: kinds joined by `+`, or `none`.
        public var defectColumn: String { defects.isEmpty ? "none" : defects.map(\.rawValue).joined(separator: "+") }
        /// The `labels.csv` row (no newline).
        public var csvRow: String { "\(path),\(probability),\(cellType.rawValue),\(defectColumn)" }
    }

    public var count: Int
    public var seed: UInt64
    /// Image side in pixels.
    public var size: Int = 300
    /// Fraction of cells labelled defective (probability 2/3 or 1); ELPV has 0.313.
    public var defectiveFraction: Double = 0.313
    /// Fraction labelled 1/3 (faint crack or finger interruption); ELPV has 0.112.
    public var faintFraction: Double = 0.112
    /// Fraction of mono cells, the rest poly; ELPV has 0.409.
    public var monoFraction: Double = 0.409
    /// Chance that any cell also gets a benign ``DefectKind/materialDefect``.
    public var benignFeatureRate: Double = 0.3
    public var layout: Layout = .flat
    /// zlib level for the PNGs, 0 … 9.
    public var compressionLevel: Int = 9

    public init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
    }

    /// The 24 cells bundled in `Images/samples/`: half defective, half mono, three faint.
    public static var demoSamples: SynthDataset {
        var dataset = SynthDataset(count: 24, seed: 2024)
        dataset.defectiveFraction = 0.5
        dataset.faintFraction = 0.125
        dataset.monoFraction = 0.5
        dataset.benignFeatureRate = 0.35
        return dataset
    }

    /// Checks every setting.
    ///
    /// - Throws: ``SynthError/invalidConfiguration(field:received:expected:)`` naming the setting.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ value: Any, _ expected: String) throws {
            if !ok { throw SynthError.invalidConfiguration(field: field, received: "\(value)", expected: expected) }
        }
        try check(count >= 0 && count <= 9_999_999, "count", count, "0 … 9,999,999")
        try check(size >= 32 && size <= 4096, "size", size, "32 … 4096 pixels")
        for (name, value) in [("defectiveFraction", defectiveFraction), ("faintFraction", faintFraction),
                              ("monoFraction", monoFraction), ("benignFeatureRate", benignFeatureRate)] {
            try check(value >= 0 && value <= 1, name, value, "a fraction in 0 … 1")
        }
        try check(defectiveFraction + faintFraction <= 1, "defectiveFraction + faintFraction",
                  defectiveFraction + faintFraction, "at most 1")
        try check((0...9).contains(compressionLevel), "compressionLevel", compressionLevel, "0 … 9")
    }

    /// The cells this data set holds, in file order; deterministic for the settings.
    public func plan() -> [Entry] {
        var rng = SplitMix64.stream(seed: seed, index: -1, stream: 2)
        let defectiveCount = Int((Double(count) * defectiveFraction).rounded())
        let faintCount = min(Int((Double(count) * faintFraction).rounded()), count - defectiveCount)
        let monoCount = Int((Double(count) * monoFraction).rounded())
        var severities = [DefectSeverity](repeating: .none, count: count)
        for i in 0..<defectiveCount { severities[i] = rng.chance(0.2) ? .medium : .clear }
        for i in defectiveCount..<(defectiveCount + faintCount) { severities[i] = .faint }
        severities.shuffle(using: &rng)
        var types = (0..<count).map { $0 < monoCount ? CellType.mono : .poly }
        types.shuffle(using: &rng)
        let digits = max(4, String(count).count)
        return (0..<count).map { i in
            var kinds: [DefectKind]
            let u = rng.uniform()
            switch severities[i] {
            case .none: kinds = []
            case .faint: kinds = u < 0.55 ? [.crack] : [.fingerInterruption]
            case .medium, .clear:
                kinds = u < 0.45 ? [.crack] : u < 0.7 ? [.inactiveArea] : u < 0.8 ? [.crack, .fingerInterruption]
                    : u < 0.9 ? [.fingerInterruption] : [.crack, .inactiveArea]
            }
            if rng.uniform() < Float(benignFeatureRate) { kinds.append(.materialDefect) }
            let number = String(i + 1)
            let name = "cell" + String(repeating: "0", count: max(digits - number.count, 0)) + number + ".png"
            let folder: String
            switch layout {
            case .flat: folder = ""
            case .byClass: folder = severities[i].probability > 0.5 ? "defective/" : "good/"
            }
            return Entry(index: i, path: folder + name, cellType: types[i], defects: kinds, severity: severities[i])
        }
    }

    /// Renders one planned cell.
    public func cell(for entry: Entry) -> SyntheticCell {
        let cell = CellSynthesizer(size: size, seed: seed)
            .make(index: entry.index, kind: entry.cellType, defects: entry.defects,
                  severity: entry.severity == .none ? nil : entry.severity)
        assert(cell.severity == entry.severity, "planned and painted severity differ for \(entry.path)")
        return cell
    }

    /// The whole `labels.csv` text for `entries`, header included.
    public static func labelsCSV(_ entries: [Entry]) -> String {
        (["path,probability,type,defect"] + entries.map(\.csvRow)).joined(separator: "\n") + "\n"
    }

    /// Writes every planned cell and `labels.csv` into `directory` (created if missing).
    ///
    /// - Returns: The entries written.
    /// - Throws: ``SynthError`` for a bad setting, a folder that cannot be created or a file that
    ///   cannot be written.
    @discardableResult
    public func write(to directory: String) throws -> [Entry] {
        try validate()
        let entries = plan()
        let folders = layout == .byClass ? [directory, directory + "/good", directory + "/defective"] : [directory]
        for folder in folders {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw SynthError.cannotCreateDirectory(path: folder, detail: "\(error)")
            }
        }
        for entry in entries {
            let path = directory + "/" + entry.path
            do {
                try ImageEncoder.writePNG(try cell(for: entry).image(name: path), to: path, compressionLevel: compressionLevel)
            } catch let error as ImagingError {
                throw SynthError.writeFailed(path: path, detail: error.description)
            }
        }
        let labelsPath = directory + "/labels.csv"
        do {
            try Self.labelsCSV(entries).write(toFile: labelsPath, atomically: true, encoding: .utf8)
        } catch {
            throw SynthError.writeFailed(path: labelsPath, detail: "\(error)")
        }
        return entries
    }
}
