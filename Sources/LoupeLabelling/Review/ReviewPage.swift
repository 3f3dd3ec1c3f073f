import Dispatch
import Foundation
import LoupeDataset
import LoupeImaging
import LoupeTensor

/// Builds the review page (`loupe review LABELS`) from a labels file: the items sorted for a
/// person's attention, each with a thumbnail and its heatmap embedded, and a label book.
public struct ReviewPage {
    public enum Order: String, Sendable, CaseIterable {
        /// Suspected label errors first (needs `--find-errors` output), else most uncertain first.
        case auto
        /// The defect score nearest the threshold first.
        case uncertainty
        /// The labels most likely wrong first.
        case errors
        /// As in the labels file.
        case file
    }

    public struct Options: Sendable {
        public var order = Order.auto
        /// Longest side of the embedded thumbnails, in pixels.
        public var thumbnail = 160
        public var reviewer = ""
        /// One line of definition per class for the label book.
        public var definitions: [String: String] = [:]
        public var threads = 2
        public var title: String?
        public init() {}
    }

    /// Images whose thumbnail could not be made (shown without a picture).
    public private(set) var missingPictures: [String] = []
    public let itemCount: Int
    public let html: String

    /// - Parameter labelsPath: the labels file (named in the page; its hash keys the browser's
    ///   saved corrections).
    public init(records: [LabelRecord], labelsPath: String, options: Options) throws {
        let classes = Self.classes(of: records)
        let order = Self.sorted(records, by: options.order)
        let pictures = Self.thumbnails(order, side: options.thumbnail, threads: options.threads)
        var items: [[String: Any]] = []
        for (i, r) in order.enumerated() {
            var item: [String: Any] = [
                "path": r.path, "name": Self.displayName(r.path), "sha256": r.sha256, "verdict": r.verdict,
                "score": Double(r.score), "threshold": Double(r.threshold),
                "modelClass": classes.firstIndex(of: r.className) ?? 0,
                "probabilities": classes.map { Double(r.probability(of: $0) ?? 0) },
                "uncertainty": r.uncertainty,
                "thumb": pictures[i].thumb ?? NSNull(), "heat": pictures[i].heat ?? NSNull(),
                "label": r.label.flatMap { classes.firstIndex(of: $0) } ?? NSNull(),
                "labelSource": r.labelSource?.rawValue ?? NSNull(),
                "suspect": r.suspicion ?? NSNull(), "group": r.group ?? NSNull(),
            ]
            if pictures[i].thumb == nil { missingPictures.append(r.path) }
            if r.suspectedError == true { item["suspected"] = true }
            items.append(item)
        }
        let book: [[String: Any]] = classes.indices.compactMap { c in
            // The most convincing example: labelled c (by a person or the data, else by the model) with the highest probability of c.
            let candidates = order.indices.filter { i in pictures[i].thumb != nil && order[i].effectiveLabel == classes[c] }
            guard let best = candidates.max(by: { (order[$0].probability(of: classes[c]) ?? 0) < (order[$1].probability(of: classes[c]) ?? 0) }) else { return nil }
            return ["class": c, "item": best, "definition": options.definitions[classes[c]] ?? ""]
        }
        let defects = Self.defectClasses(classes)
        let source = ImageInventory.absolute(labelsPath)
        let hash = FileManager.default.contents(atPath: labelsPath).map { SHA256.hex($0) } ?? SHA256.hex(Array(source.utf8))
        let data: [String: Any] = [
            "title": options.title ?? "Review of \((labelsPath as NSString).lastPathComponent)", "source": source, "sourceSha256": hash,
            "generatedAt": LabelRecord.timestamp(), "sort": Self.resolved(options.order, records).rawValue, "classes": classes,
            "defectClasses": defects, "labelBook": book, "items": items,
            "model": Array(Set(records.map(\.model))).sorted().joined(separator: ", "), "reviewer": options.reviewer,
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys]), as: UTF8.self)
            .replacingOccurrences(of: "<", with: "\\u003c")
        html = ReviewPageTemplate.html.replacingOccurrences(of: "/*LOUPE_REVIEW_DATA*/", with: json)
        itemCount = items.count
    }

    /// Writes the page (atomically).
    public func write(to path: String) throws { try AtomicFile.replace(path, with: Data(html.utf8)) }

    /// The classes of a labels file, in training order (good first, numbers ascending).
    public static func classes(of records: [LabelRecord]) -> [String] {
        var names = Set<String>()
        for r in records {
            for p in r.probabilities { names.insert(p.name) }
            if let l = r.label { names.insert(l) }
        }
        return LabeledDataset.orderedClasses(names)
    }

    /// Defect classes by the training rule: numbers above 0.5, else every class but the first.
    static func defectClasses(_ classes: [String]) -> [Int] {
        LabeledDataset(source: "", classes: classes, samples: []).defaultDefectClasses
    }

    static func resolved(_ order: Order, _ records: [LabelRecord]) -> Order {
        guard order == .auto else { return order }
        return records.contains { $0.suspicion != nil } ? .errors : .uncertainty
    }

    static func sorted(_ records: [LabelRecord], by order: Order) -> [LabelRecord] {
        switch resolved(order, records) {
        case .file, .auto: return records
        case .uncertainty: return records.enumerated().sorted { ($0.element.uncertainty, -$0.offset) > ($1.element.uncertainty, -$1.offset) }.map(\.element)
        case .errors:
            return records.enumerated().sorted { a, b in
                let ra = a.element.errorRank ?? Int.max, rb = b.element.errorRank ?? Int.max
                return ra != rb ? ra < rb : a.offset < b.offset
            }.map(\.element)
        }
    }

    static func displayName(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.suffix(2).joined(separator: "/")
    }

    /// JPEG thumbnails (data URIs) of each record's image and heatmap, made on `threads` threads.
    static func thumbnails(_ records: [LabelRecord], side: Int, threads: Int) -> [(thumb: String?, heat: String?)] {
        let out = UnsafeMutablePointer<(thumb: String?, heat: String?)>.allocate(capacity: max(1, records.count))
        out.initialize(repeating: (nil, nil), count: max(1, records.count))
        defer { out.deinitialize(count: max(1, records.count)); out.deallocate() }
        let workers = max(1, min(threads, records.count))
        nonisolated(unsafe) let target = out
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in stride(from: w, to: records.count, by: workers) {
                target[i] = (thumbnail(records[i].path, side: side), records[i].heatmap.flatMap { thumbnail($0, side: side) })
            }
        }
        return Array(UnsafeBufferPointer(start: out, count: records.count))
    }

    /// The image at `path` shrunk to fit `side`, as a `data:image/jpeg;base64,` URI; nil if unreadable.
    static func thumbnail(_ path: String, side: Int) -> String? {
        guard let image = try? ImageDecoder.decode(contentsOf: path),
              let small = try? ImageTransforms.thumbnail(image, maxSide: side, name: path),
              let jpeg = try? ImageEncoder.jpegData(small, quality: 80, name: path) else { return nil }
        return "data:image/jpeg;base64," + Data(jpeg).base64EncodedString()
    }
}
