import ArgumentParser
import Foundation
import LoupeProcess

struct ProcessSelectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "select",
        abstract: "Rank candidate tags for a target (correlation, mutual information, L1 path, permutation importance, stability selection), near-copies kept together.")
    @Argument(help: "CSV with the target and the candidate tags.") var data: String
    @Option(help: "The tag to explain.") var target: String
    @Option(help: "Candidate tags (default: every other numeric tag).") var candidates: String?
    @Option(help: "Tags never to consider (e.g. other outputs), comma-separated.") var exclude: String?
    @Option(help: "|Spearman| at which tags are grouped as near-copies.") var groupThreshold = 0.8
    @Option(help: "Complementary pairs of half-samples for stability selection.") var pairs = 50
    @Option(help: "Selection probability a group needs to be selected.") var cutoff = 0.6
    @Option(help: "Seed of the resamples.") var seed: UInt64 = 1
    @Option(help: "HTML report path.") var html: String?
    @Option(help: "Ranking as CSV.") var csv: String?

    func run() throws {
        try runProcessCommand {
            var settings = KeyParameterSelection.Settings()
            settings.groupThreshold = groupThreshold
            settings.halfSamplePairs = pairs
            settings.cutoff = cutoff
            settings.seed = seed
            let table = try ProcessTable.load(contentsOf: data)
            let outcome = try SelectWorkflow.run(table, target: target, candidates: ProcessArguments.names(candidates),
                                                 exclude: ProcessArguments.names(exclude), settings: settings)
            let r = outcome.result
            print("\(target): \(r.selected.count) of \(r.groups.count) groups selected (\(String(format: "%.1f", r.seconds)) s)")
            for (k, g) in r.groups.prefix(15).enumerated() {
                print(String(format: "%3d  %@  stability %.2f  importance %.3g  ρ %+.2f", k + 1, g.members.joined(separator: ", ") as NSString,
                             g.selectionProbability, g.permutationImportance, g.spearman) + (g.selected ? "  selected" : ""))
            }
            for n in outcome.notes { print("note: \(n)") }
            if let csv {
                // One row per tag: its own Spearman ρ, then the group's scores (shared by its near-copies).
                var lines = ["rank,group,tag,tag_spearman,group_mutual_information,group_lasso_entry,group_permutation_importance,group_stability,selected"]
                for (k, g) in r.groups.enumerated() { for (m, rho) in zip(g.members, g.memberSpearman) {
                    lines.append("\(k + 1),\(g.representative),\(m),\(rho),\(g.mutualInformation),\(g.lassoEntry.map(String.init) ?? ""),\(g.permutationImportance),\(g.selectionProbability),\(g.selected)")
                } }
                try OutputFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: csv)
            }
            try ProcessArguments.write(SelectWorkflow.report(outcome, settings: settings), to: html)
        }
    }
}
