import Foundation
import LoupeImaging

/// Reads a labels CSV: a header row, then one image per row.
///
/// Columns are found by name (case-insensitive): the image path (`path`, `file`, `image`,
/// `filename`), its label (`label`, `class`, `probability`) and an optional group (`group`,
/// `type`). Other columns are ignored. Relative paths are relative to the CSV's folder.
/// Fields follow RFC 4180 (``CSVText``): a path with a comma or quote is enclosed in quotes.
enum LabelsCSV {
    static let pathColumns = ["path", "file", "image", "filename"]
    static let labelColumns = ["label", "class", "probability"]
    static let groupColumns = ["group", "type"]

    static func read(_ csvPath: String, classes given: [String]?) throws -> LabeledDataset {
        guard let data = FileManager.default.contents(atPath: csvPath) else { throw DatasetError.fileMissing(path: csvPath) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError.malformedCSV(path: csvPath, line: 1, reason: "the file is not UTF-8 text")
        }
        let records: [CSVText.Record]
        do { records = try CSVText.records(text) } catch let error as CSVText.SyntaxError {
            throw DatasetError.malformedCSV(path: csvPath, line: error.line, reason: error.reason)
        }
        guard let headerRecord = records.first else { throw DatasetError.malformedCSV(path: csvPath, line: 1, reason: "the file is empty") }
        let header = headerRecord.fields.map { $0.lowercased() }
        func column(_ names: [String], required: Bool) throws -> Int? {
            if let i = header.firstIndex(where: names.contains) { return i }
            if required {
                throw DatasetError.malformedCSV(path: csvPath, line: headerRecord.line, reason:
                    "the header \(header) needs a column named one of \(names) (e.g. 'path,label,group')")
            }
            return nil
        }
        let pathColumn = try column(pathColumns, required: true)!, labelColumn = try column(labelColumns, required: true)!
        let groupColumn = try column(groupColumns, required: false)
        let folder = (csvPath as NSString).deletingLastPathComponent
        var rows: [(path: String, label: String, group: String?, line: Int)] = []
        for record in records.dropFirst() {
            let f = record.fields, line = record.line
            guard f.count == header.count else {
                throw DatasetError.malformedCSV(path: csvPath, line: line, reason: "\(f.count) fields, the header has \(header.count)")
            }
            let path = f[pathColumn], label = f[labelColumn]
            guard !path.isEmpty else { throw DatasetError.malformedCSV(path: csvPath, line: line, reason: "empty path") }
            guard !label.isEmpty else { throw DatasetError.malformedCSV(path: csvPath, line: line, reason: "empty label for \(path)") }
            let resolved = path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
            rows.append((resolved, label, groupColumn.map { f[$0] }.flatMap { $0.isEmpty ? nil : $0 }, line))
        }
        let missing = rows.map(\.path).filter { !FileManager.default.fileExists(atPath: $0) }
        if !missing.isEmpty { throw DatasetError.missingImages(labels: csvPath, first: Array(missing.prefix(5)), total: missing.count) }
        let classes = given ?? LabeledDataset.orderedClasses(Set(rows.map(\.label)))
        let samples = try rows.map { row -> LabeledSample in
            guard let index = LabeledDataset.classIndex(of: row.label, in: classes) else {
                throw DatasetError.unknownLabel(path: csvPath, line: row.line, label: row.label, known: classes)
            }
            return LabeledSample(path: row.path, classIndex: index, group: row.group)
        }
        return LabeledDataset(source: csvPath, classes: classes, samples: samples)
    }
}

/// Reads a folder with one subfolder of images per class (`good/`, `crack/`, …), recursively.
enum ClassFolders {
    static func read(_ root: String, classes given: [String]?) throws -> LabeledDataset {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).filter { name in
            var isDir: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: (root as NSString).appendingPathComponent(name), isDirectory: &isDir) && isDir.boolValue
        }
        let classes = given ?? LabeledDataset.orderedClasses(Set(names))
        var samples: [LabeledSample] = []
        for name in names.sorted() {
            let folder = (root as NSString).appendingPathComponent(name)
            guard let index = LabeledDataset.classIndex(of: name, in: classes) else {
                throw DatasetError.unknownLabel(path: folder, line: 0, label: name, known: classes)
            }
            samples += ImageFiles.expand([folder], recursive: true).files.map { LabeledSample(path: $0, classIndex: index) }
        }
        return LabeledDataset(source: root, classes: classes, samples: samples)
    }
}
