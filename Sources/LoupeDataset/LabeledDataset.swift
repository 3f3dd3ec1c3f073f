import Foundation

/// One labelled image.
public struct LabeledSample: Sendable, Equatable {
    /// Path as given (relative paths resolved against the labels file's folder).
    public var path: String
    /// Index into ``LabeledDataset/classes``.
    public var classIndex: Int
    /// Optional group for per-group results, e.g. the cell type "mono" or "poly".
    public var group: String?

    public init(path: String, classIndex: Int, group: String? = nil) {
        self.path = path
        self.classIndex = classIndex
        self.group = group
    }
}

/// A set of labelled images: from a labels CSV or from a folder with one subfolder per class.
///
/// Classes are ordered so that index 0 is the good class: numeric labels (ELPV's defect
/// probabilities 0, ⅓, ⅔, 1) ascending; names with a good-sounding class first
/// (`good`, `ok`, `pass`, `normal`), the rest alphabetically.
public struct LabeledDataset: Sendable {
    /// The labels file or folder the set came from (for messages and provenance).
    public var source: String
    public var classes: [String]
    public var samples: [LabeledSample]

    public init(source: String, classes: [String], samples: [LabeledSample]) {
        self.source = source
        self.classes = classes
        self.samples = samples
    }

    /// Where the labels come from.
    public enum Layout: String, CaseIterable, Sendable {
        /// A CSV file, or `labels.csv` in the folder if there is one, else class folders.
        case auto
        /// The CSV file, or the folder's `labels.csv`.
        case csv
        /// One subfolder per class, even if a `labels.csv` is present.
        case folders
    }

    /// Names accepted as the good class of a named-label set.
    public static let goodClassNames = ["good", "ok", "pass", "normal"]

    /// Images per class.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classes.count)
        for s in samples { counts[s.classIndex] += 1 }
        return counts
    }

    /// The classes that count as defects: numeric labels above 0.5 (ELPV's "defective when
    /// p > 0.5"), otherwise every class but the good one at index 0.
    public var defaultDefectClasses: [Int] {
        let values = classes.compactMap(Double.init)
        if values.count == classes.count { return classes.indices.filter { values[$0] > 0.5 } }
        return Array(classes.indices.dropFirst())
    }

    /// Groups present, sorted.
    public var groups: [String] { Array(Set(samples.compactMap(\.group))).sorted() }

    /// Loads a labelled set.
    ///
    /// - `path` is a CSV file, or a folder holding `labels.csv`, or a folder with one subfolder
    ///   of images per class (the subfolder name is the class); `layout` picks when both exist.
    /// - `classes`: the classes to map labels onto (evaluating a model: its classes); a label
    ///   matches by name or, for numbers, by value. Nil: the classes found in the data.
    /// - Throws: ``DatasetError`` naming the file and line at fault, every missing image (first
    ///   few), or an empty set.
    public static func load(_ path: String, classes: [String]? = nil, layout: Layout = .auto) throws -> LabeledDataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw DatasetError.fileMissing(path: path) }
        let dataset: LabeledDataset
        let csv = isDir.boolValue ? (path as NSString).appendingPathComponent("labels.csv") : path
        switch layout {
        case .folders:
            guard isDir.boolValue else { throw DatasetError.fileMissing(path: path + "/ (a folder of class folders)") }
            dataset = try ClassFolders.read(path, classes: classes)
        case .csv:
            dataset = try LabelsCSV.read(csv, classes: classes)
        case .auto:
            dataset = !isDir.boolValue || FileManager.default.fileExists(atPath: csv) ? try LabelsCSV.read(csv, classes: classes)
                                                                                     : try ClassFolders.read(path, classes: classes)
        }
        guard !dataset.samples.isEmpty else { throw DatasetError.empty(source: path) }
        return dataset
    }

    /// Throws ``DatasetError/oneClassOnly(source:classes:)`` unless two or more classes have images.
    public func requireTwoClasses() throws {
        let counts = classCounts
        if counts.filter({ $0 > 0 }).count < 2 {
            var found: [String: Int] = [:]
            for (i, c) in counts.enumerated() where c > 0 { found[classes[i]] = c }
            throw DatasetError.oneClassOnly(source: source, classes: found)
        }
    }

    /// Orders class names: numbers ascending; else good-sounding first, the rest alphabetically.
    public static func orderedClasses(_ names: Set<String>) -> [String] {
        let all = Array(names)
        if all.allSatisfy({ Double($0) != nil }) { return all.sorted { Double($0)! < Double($1)! } }
        let good = all.filter { goodClassNames.contains($0.lowercased()) }.sorted()
        return good + all.filter { !goodClassNames.contains($0.lowercased()) }.sorted()
    }

    /// Index of `label` in `classes`: by name, or by numeric value. A defect probability in
    /// [0, 1] (ELPV-style labels) maps onto a named two-class model (good first) as
    /// "defective when p > 0.5".
    public static func classIndex(of label: String, in classes: [String]) -> Int? {
        if let i = classes.firstIndex(of: label) { return i }
        guard let v = Double(label) else { return nil }
        if let i = classes.firstIndex(where: { Double($0).map { abs($0 - v) < 1e-6 } ?? false }) { return i }
        if classes.count == 2, classes.allSatisfy({ Double($0) == nil }), (0...1).contains(v) { return v > 0.5 ? 1 : 0 }
        return nil
    }
}
