import Foundation
import LoupeDataset

/// The review page's exported `corrections.csv`, read back and merged into a labels file
/// (`loupe review LABELS --import corrections.csv`).
public struct ReviewCorrections: Sendable {
    public struct Correction: Sendable, Equatable {
        public var path: String
        public var label: String
        public var review: LabelRecord.Review
        public var line: Int
    }

    public static let header = ["path", "label", "group", "reviewer", "reviewed_at", "model", "model_class", "previous_label", "action"]

    public let source: String
    public let corrections: [Correction]

    /// - Throws: ``LabellingError`` naming the file and line: a header that is not the page's,
    ///   a wrong field count, an empty path, label or reviewer.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LabellingError.malformedLabelsFile(path: path, line: 1, reason: "cannot be read as UTF-8 text")
        }
        let rows: [CSVText.Record]
        do { rows = try CSVText.records(text) } catch let e as CSVText.SyntaxError {
            throw LabellingError.malformedLabelsFile(path: path, line: e.line, reason: e.reason)
        }
        guard let head = rows.first, head.fields == Self.header else {
            throw LabellingError.malformedLabelsFile(path: path, line: 1, reason: "the header must be \(Self.header.joined(separator: ",")) (the review page's export)")
        }
        corrections = try rows.dropFirst().map { row in
            let f = row.fields
            func fail(_ reason: String) -> LabellingError { .malformedLabelsFile(path: path, line: row.line, reason: reason) }
            guard f.count == Self.header.count else { throw fail("\(f.count) fields, the header has \(Self.header.count)") }
            guard !f[0].isEmpty else { throw fail("empty path") }
            guard !f[1].isEmpty else { throw fail("empty label for \(f[0])") }
            guard !f[3].isEmpty else { throw fail("no reviewer for \(f[0]): every correction must say who made it") }
            return Correction(path: f[0], label: f[1],
                              review: .init(reviewer: f[3], at: f[4], action: f[8].isEmpty ? "set" : f[8], model: f[5],
                                            modelClass: f[6].isEmpty ? nil : f[6], previousLabel: f[7].isEmpty ? nil : f[7]),
                              line: row.line)
        }
        source = path
    }

    /// What a merge changed.
    public struct Merge: Sendable {
        public var records: [LabelRecord]
        public var applied = 0
        /// Corrections that equal the label already there (confirmations count as applied too).
        public var unchanged = 0
        /// Paths in the corrections that the labels file does not hold.
        public var unmatched: [String] = []
    }

    /// Applies the corrections to `records` (latest per path wins): label, `human` source, review provenance.
    /// - Throws: ``LabellingError/unknownClass(path:line:label:known:)`` for a label outside `classes`.
    public func merge(into records: [LabelRecord], classes: [String]) throws -> Merge {
        var index: [String: Int] = [:]
        for (i, r) in records.enumerated() { index[r.path] = i }
        var merge = Merge(records: records)
        for c in corrections {
            guard classes.contains(c.label) else { throw LabellingError.unknownClass(path: source, line: c.line, label: c.label, known: classes) }
            guard let i = index[c.path] else { merge.unmatched.append(c.path); continue }
            if merge.records[i].label == c.label { merge.unchanged += 1 }
            merge.records[i].label = c.label
            merge.records[i].labelSource = .human
            merge.records[i].review = c.review
            merge.applied += 1
        }
        return merge
    }
}
