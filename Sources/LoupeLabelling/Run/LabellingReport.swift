import Foundation

/// What a labelling run did, for the summary line, the exit status and the failure report.
public struct LabellingReport: Codable, Sendable {
    public struct Failure: Codable, Sendable, Equatable {
        public var path: String
        public var reason: String
    }
    public struct Duplicate: Codable, Sendable, Equatable {
        public var path: String
        /// The image with the same content that was labelled.
        public var sameAs: String
        public var sha256: String
    }

    /// Images found (PNG/JPEG files, once each).
    public var images = 0
    /// Labelled by this run.
    public var labelled = 0
    /// Already in the labels file (an earlier, interrupted run): not labelled again.
    public var alreadyDone = 0
    /// Same content as an image labelled before: reported, not labelled again.
    public var duplicates: [Duplicate] = []
    /// Unreadable or undecodable images, with the reason.
    public var failures: [Failure] = []
    /// Files in the input folders that are not PNG or JPEG.
    public var unsupported: [String] = []
    /// Inputs that do not exist.
    public var missing: [String] = []
    /// Images copied or linked into class folders (`--sort-into`), and those already there.
    public var sorted = 0
    public var sortedBefore = 0
    public var heatmaps = 0
    /// Whether the run was stopped (Ctrl-C) before the end.
    public var interrupted = false
    public var seconds = 0.0
    public var model = ""
    public var labelsFile = ""

    public init() {}

    /// Images this run did not label and will not: duplicates plus those done before.
    public var skipped: Int { alreadyDone + duplicates.count }
    public var failed: Int { failures.count }
    public var imagesPerSecond: Double { seconds > 0 ? Double(labelled + duplicates.count) / seconds : 0 }

    /// `2000 images: 1990 labelled, 6 skipped (4 done before, 2 duplicates), 4 failed, 3 unsupported files; 512.3 images/s`
    public var summaryLine: String {
        var s = "\(images) images: \(labelled) labelled, \(skipped) skipped (\(alreadyDone) done before, \(duplicates.count) duplicates), \(failed) failed"
        if !unsupported.isEmpty { s += ", \(unsupported.count) unsupported files" }
        if !missing.isEmpty { s += ", \(missing.count) missing inputs" }
        if interrupted { s += "; interrupted: run the same command again to finish" }
        return s + String(format: "; %.1f images/s", imagesPerSecond)
    }

    /// The report's JSON (the failure report written beside the labels file).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Document(report: self))
    }

    private struct Document: Encodable {
        var report: LabellingReport
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(report.images, forKey: .init("images"))
            try c.encode(report.labelled, forKey: .init("labelled"))
            try c.encode(report.skipped, forKey: .init("skipped"))
            try c.encode(report.alreadyDone, forKey: .init("alreadyDone"))
            try c.encode(report.failed, forKey: .init("failed"))
            try c.encode(report.failures, forKey: .init("failures"))
            try c.encode(report.duplicates, forKey: .init("duplicates"))
            try c.encode(report.unsupported, forKey: .init("unsupported"))
            try c.encode(report.missing, forKey: .init("missing"))
            try c.encode(report.sorted, forKey: .init("sorted"))
            try c.encode(report.sortedBefore, forKey: .init("sortedBefore"))
            try c.encode(report.heatmaps, forKey: .init("heatmaps"))
            try c.encode(report.interrupted, forKey: .init("interrupted"))
            try c.encode(report.seconds, forKey: .init("seconds"))
            try c.encode(report.imagesPerSecond, forKey: .init("img_s"))
            try c.encode(report.model, forKey: .init("model"))
            try c.encode(report.labelsFile, forKey: .init("labelsFile"))
        }
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }
}
