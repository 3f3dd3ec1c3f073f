import ArgumentParser
import Foundation
import LoupeLabelling

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "The human review loop: a keyboard review page for a labels file, import of its corrections, exports for training.",
        discussion: """
        LABELS is a file written by loupe label (or --find-errors, or --uncertain).

        Page: loupe review LABELS --page review.html writes one self-contained HTML file (no server, no outside \
        assets): a contact sheet sorted by suspected label error or uncertainty, each image with its heatmap, \
        verdict, score and label; keys for confirm, flip, set class, next and previous are shown on the page. \
        Press e on the page to download corrections.csv (every correction says who, when, and which model it overrides).

        Import: loupe review LABELS --import corrections.csv writes the corrections into LABELS (atomically).
        Export: --export-csv FILE (path,label,group: what loupe train reads) and --export-folders DIR \
        (DIR/<class>/<image>, never overwriting); the label is a person's correction, else the given label, \
        else the model's class; --reviewed-only keeps only images a person labelled.

        Example:
          loupe review labels.jsonl --page review.html --reviewer anna
          loupe review labels.jsonl --import ~/Downloads/corrections.csv --export-csv train.csv
          loupe train train.csv --out Models/next
        """
    )

    @Argument(help: "Labels file (.jsonl or .csv).") var labels: String
    @Option(help: "Write the review page here.") var page: String?
    @Option(help: "Page order: auto (suspected errors first if known, else uncertainty), uncertainty, errors or file.")
    var sort: String = "auto"
    @Option(help: "Reviewer name filled in on the page.") var reviewer: String = ""
    @Option(help: "Label book: a text file with one 'class: definition' line per class.") var definitions: String?
    @Option(help: "Thumbnail size on the page (pixels, longest side).") var thumbnail: Int = 160
    @Option(help: "Merge the page's exported corrections into LABELS.") var `import`: String?
    @Option(help: "Write a labels CSV for loupe train.") var exportCsv: String?
    @Option(help: "Copy or link the images into DIR/<class>/.") var exportFolders: String?
    @Option(help: "How --export-folders places images: copy, hardlink or symlink.") var exportMode: String = "copy"
    @Flag(help: "Export only images a person has labelled.") var reviewedOnly = false
    @Option var threads: Int = 2

    func validate() throws {
        guard ReviewPage.Order(rawValue: sort) != nil else { throw ValidationError("--sort must be auto, uncertainty, errors or file, got '\(sort)'") }
        guard FilePlacement.Mode(rawValue: exportMode) != nil else { throw ValidationError("--export-mode must be copy, hardlink or symlink") }
        guard (16...1024).contains(thumbnail) else { throw ValidationError("--thumbnail must be within 16...1024") }
        if page == nil && `import` == nil && exportCsv == nil && exportFolders == nil {
            throw ValidationError("say what to do: --page FILE, --import FILE, --export-csv FILE or --export-folders DIR")
        }
    }

    func run() throws {
        var records = try LabelsFile.read(labels)
        guard !records.isEmpty else { throw LabellingError.malformedLabelsFile(path: labels, line: 1, reason: "no labelled images in it") }
        let classes = ReviewPage.classes(of: records)
        if let file = `import` {
            let corrections = try ReviewCorrections(contentsOf: file)
            let merge = try corrections.merge(into: records, classes: classes)
            try LabelsFile.write(merge.records, classes: classes, to: labels)
            records = merge.records
            print("imported \(merge.applied) corrections from \(file) into \(labels) (\(merge.unchanged) confirmed an existing label)")
            if !merge.unmatched.isEmpty {
                FileHandle.standardError.write(Data("warning: \(merge.unmatched.count) corrections name images not in \(labels), e.g. \(merge.unmatched[0])\n".utf8))
            }
        }
        if let exportCsv {
            let n = try LabelExport.trainingCSV(records, reviewedOnly: reviewedOnly, to: exportCsv)
            print("wrote \(n) labelled images to \(exportCsv) (train with: loupe train \(exportCsv) --out DIR)")
        }
        if let exportFolders {
            let (placed, there) = try LabelExport.classFolders(records, reviewedOnly: reviewedOnly, into: exportFolders,
                                                               mode: FilePlacement.Mode(rawValue: exportMode)!)
            print("class folders in \(exportFolders): \(placed) images placed, \(there) already there")
        }
        if let page {
            var options = ReviewPage.Options()
            options.order = ReviewPage.Order(rawValue: sort)!
            options.reviewer = reviewer
            options.thumbnail = thumbnail
            options.threads = threads
            if let definitions { options.definitions = try Self.definitions(definitions) }
            let built = try ReviewPage(records: records, labelsPath: labels, options: options)
            try built.write(to: page)
            print("review page \(page): \(built.itemCount) images" + (built.missingPictures.isEmpty ? "" : ", \(built.missingPictures.count) without a picture (unreadable)"))
        }
    }

    /// `class: definition` lines.
    static func definitions(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("--definitions \(path) cannot be read") }
        var out: [String: String] = [:]
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw ValidationError("--definitions \(path), line \(i + 1): expected 'class: definition'") }
            out[line[..<colon].trimmingCharacters(in: .whitespaces)] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }
}
