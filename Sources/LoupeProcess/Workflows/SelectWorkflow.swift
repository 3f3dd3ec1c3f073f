import Foundation

/// `loupe process select`: candidates from a table, tags too empty to use set aside (and said),
/// the selection run, and its report.
public enum SelectWorkflow {
    public struct Outcome: Sendable {
        public var result: KeyParameterSelection.Result
        public var notes: [String]
    }

    /// - Parameters:
    ///   - candidates: tags to rank (empty: every numeric tag but the target).
    ///   - maxMissingShare: tags missing more than this share of rows are left out.
    public static func run(_ table: ProcessTable, target: String, candidates: [String] = [], exclude: [String] = [],
                           maxMissingShare: Double = 0.2, settings: KeyParameterSelection.Settings = .init()) throws -> Outcome {
        let t = try table.index(of: target)
        var pool = try (candidates.isEmpty ? table.names.indices.filter { $0 != t } : candidates.map { try table.index(of: $0) })
        let excluded = try Set(exclude.map { try table.index(of: $0) })
        pool.removeAll { excluded.contains($0) }
        var notes: [String] = []
        let sparse = pool.filter { j in Double(table.columns[j].filter { !$0.isFinite }.count) > maxMissingShare * Double(table.rowCount) }
        if !sparse.isEmpty {
            notes.append("left out \(sparse.count) tags missing in more than \(Int(100 * maxMissingShare)) % of rows: \(sparse.prefix(10).map { table.names[$0] }.joined(separator: ", "))\(sparse.count > 10 ? ", …" : "")")
        }
        pool.removeAll { sparse.contains($0) }
        guard !pool.isEmpty else { throw ModelFitError("select: no candidate tags left for \(target)") }
        let (rows, m) = table.completeRows(pool + [t])
        if rows.count < table.rowCount { notes.append("\(table.rowCount - rows.count) of \(table.rowCount) rows left out: a missing value in the target or a candidate") }
        let result = try KeyParameterSelection.run(x: m.selectingColumns(Array(0..<pool.count)), y: m.column(pool.count),
                                                   names: pool.map { table.names[$0] }, target: target, settings: settings)
        if !result.constantTags.isEmpty { notes.append("constant tags left out: \(result.constantTags.joined(separator: ", "))") }
        return Outcome(result: result, notes: notes)
    }

    public static func report(_ outcome: Outcome, settings: KeyParameterSelection.Settings = .init()) -> HTMLReport {
        let r0 = outcome.result
        var r = HTMLReport(title: "Key parameters for \(r0.target)", subtitle: "\(r0.groups.count) groups of near-copy tags ranked five ways; stability selection decides")
        r.addKeyValues([
            ("selected", "\(r0.selected.count) groups: \(r0.selected.map { $0.members.count > 1 ? "{\($0.members.joined(separator: ", "))}" : $0.members[0] }.joined(separator: ", "))"),
            ("rows", "\(r0.rows)"), ("groups", "|Spearman| ≥ \(settings.groupThreshold), single linkage"),
            ("stability selection", "\(settings.halfSamplePairs) complementary pairs of half-samples, adaptive lasso at \(ReportFormat.number(r0.lambdaFraction, digits: 3))·λmax (5-fold CV, one-SE rule), cut-off \(settings.cutoff)"),
            ("time", String(format: "%.1f s", r0.seconds)),
        ])
        for n in outcome.notes { r.addAlert(n, level: .info) }
        let top = Array(r0.groups.prefix(40))
        r.addFigure(BarChart.horizontal(labels: top.map { $0.members.count > 1 ? "\($0.representative) +\($0.members.count - 1)" : $0.representative },
                                        values: top.map(\.selectionProbability), title: "Selection probability", valueLabel: "share of half-samples",
                                        highlight: Set(top.indices.filter { top[$0].selected }), highlightLabel: "selected",
                                        groupLabels: top.map { "ρ \(ReportFormat.number($0.spearman, digits: 2))" }),
                    caption: "The 40 best groups; a group's bar is labelled by its representative (+ how many near-copies it stands for).")
        r.addFigure(BarChart.horizontal(labels: top.map(\.representative), values: top.map(\.permutationImportance), title: "Permutation importance",
                                        valueLabel: "increase in held-out MSE (standardised)", highlight: Set(top.indices.filter { top[$0].selected })),
                    caption: "Whole groups permuted at once on the held-out half, so near-copies share their importance.")
        r.addHeading("Ranking")
        r.addTable(headers: ["rank", "group", "Spearman ρ", "mutual information", "L1 entry", "permutation importance", "stability", "selected"],
                   rows: top.enumerated().map { k, g in
                       ["\(k + 1)", g.members.joined(separator: ", "), ReportFormat.number(g.spearman, digits: 3), ReportFormat.number(g.mutualInformation, digits: 3),
                        g.lassoEntry.map { "\($0)" } ?? "–", ReportFormat.number(g.permutationImportance, digits: 3),
                        ReportFormat.number(g.selectionProbability, digits: 2), g.selected ? "yes" : ""]
                   }, numericColumns: [0, 2, 3, 4, 5, 6])
        return r
    }
}
