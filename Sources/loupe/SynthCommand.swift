import ArgumentParser
import LoupeSynth

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate synthetic electroluminescence solar-cell images with labelled defects.",
        discussion: """
        Writes PNG cells and a labels.csv (path,probability,type,defect — ELPV's columns plus the defect kind) into OUT. \
        The same seed always gives the same images. \
        Defects: cracks, finger interruptions, dark (inactive) areas, plus benign material features that are not defects. \
        The label is the defect probability 0, 1/3, 2/3 or 1; a cell is defective when p > 0.5.
        """
    )

    @Option(name: .shortAndLong, help: "Output folder.")
    var out: String

    @Option(name: .shortAndLong, help: "Number of cells.")
    var count: Int = 100

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @Option(help: "Image size in pixels (square).")
    var size: Int = 300

    @Option(help: "Fraction of clearly defective cells (p > 0.5).")
    var defectiveFraction: Double = 0.313

    @Option(help: "Fraction of mono cells (the rest are poly).")
    var monoFraction: Double = 0.409

    @Option(help: "Fraction of faint (hairline, p = 1/3, labelled good) defects.")
    var faintFraction: Double = 0.112

    @Option(help: "Rate of benign material features (not defects) per cell.")
    var benignRate: Double = 0.3

    @Flag(help: "Write good/ and defective/ subfolders instead of one flat folder.")
    var byClass = false

    func run() throws {
        var dataset = SynthDataset(count: count, seed: seed)
        dataset.size = size
        dataset.defectiveFraction = defectiveFraction
        dataset.monoFraction = monoFraction
        dataset.faintFraction = faintFraction
        dataset.benignFeatureRate = benignRate
        dataset.layout = byClass ? .byClass : .flat
        try dataset.validate()
        let entries = try dataset.write(to: out)
        let defective = entries.filter(\.isDefective).count
        print("wrote \(entries.count) cells (\(defective) defective, \(entries.filter { $0.cellType == .mono }.count) mono) and labels.csv to \(out)")
    }
}
