import Foundation
import LoupeDataset

/// Labels out of Loupe, in the two forms trainers read: a labels CSV (`path,label,group`, what
/// `loupe train` reads) and ImageNet-style class folders (`DIR/<class>/<image>`).
///
/// The label of each image is a person's correction if there is one, else the data set's given
/// label, else the model's class (``LabelRecord/effectiveLabel``); `reviewedOnly` keeps only
/// images a person has labelled.
public enum LabelExport {
    public static func selected(_ records: [LabelRecord], reviewedOnly: Bool) -> [LabelRecord] {
        reviewedOnly ? records.filter { $0.labelSource == .human } : records
    }

    /// Writes `path,label,group,label_source` (absolute image paths, RFC 4180 quoting), atomically.
    /// - Returns: rows written.
    public static func trainingCSV(_ records: [LabelRecord], reviewedOnly: Bool, to path: String) throws -> Int {
        let rows = selected(records, reviewedOnly: reviewedOnly)
        var text = CSVText.line(["path", "label", "group", "label_source"])
        for r in rows { text += CSVText.line([r.path, r.effectiveLabel, r.group ?? "", r.labelSource?.rawValue ?? "model"]) }
        try AtomicFile.replace(path, with: Data(text.utf8))
        return rows.count
    }

    /// Copies or links every image into `folder/<label>/`, never replacing a file.
    /// - Returns: images placed now and images already there.
    public static func classFolders(_ records: [LabelRecord], reviewedOnly: Bool, into folder: String,
                                    mode: FilePlacement.Mode) throws -> (placed: Int, alreadyThere: Int) {
        var placed = 0, there = 0
        for r in selected(records, reviewedOnly: reviewedOnly) {
            let target = (folder as NSString).appendingPathComponent(FilePlacement.folderName(forClass: r.effectiveLabel))
            let outcome = try FilePlacement.place(r.path, sha256: r.sha256, into: target, mode: mode)
            if outcome.alreadyThere { there += 1 } else { placed += 1 }
        }
        return (placed, there)
    }
}
