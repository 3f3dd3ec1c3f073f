/// The report's tables: summary, calibration, per-group and the two confusion matrices.
enum ReportTables {
    /// Metric | value | what it means on the line.
    static func summary(_ evaluation: Evaluation) -> String {
        let b = evaluation.binary
        let rows: [(String, String, String)] = [
            ("Escape rate", HTMLText.percent(b.escapeRate), "defective parts passed as good (\(b.confusion.falseNegatives) of \(b.confusion.defects))"),
            ("Overkill", HTMLText.percent(b.overkill), "good parts rejected (\(b.confusion.falsePositives) of \(b.confusion.goods))"),
            ("Accuracy", HTMLText.percent(b.accuracy), "parts with the right pass/reject verdict"),
            ("Precision", HTMLText.percent(b.precision), "rejected parts that really are defective"),
            ("Recall", HTMLText.percent(b.recall), "defective parts caught (1 − escape rate)"),
            ("Specificity", HTMLText.percent(b.specificity), "good parts passed (1 − overkill)"),
            ("F1", HTMLText.decimal(b.f1), "harmonic mean of precision and recall"),
            ("ROC AUC", HTMLText.decimal(evaluation.auc), "chance a defective part scores above a good one (threshold-free)"),
            ("\(evaluation.classes.count)-class accuracy", HTMLText.percent(evaluation.multiClass.accuracy), "argmax class equals the true class"),
        ]
        var html = "<table id=\"summary-table\"><tr><th class=\"label\">metric</th><th>value</th><th class=\"label\">meaning</th></tr>\n"
        for (name, value, meaning) in rows {
            html += "<tr><td class=\"label\">\(name)</td><td>\(value)</td><td class=\"meaning\">\(HTMLText.escape(meaning))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// Target escape → threshold → overkill, or the reason there is none.
    static func calibration(_ calibrations: Result<[ThresholdCalibration], Error>) -> String {
        let rows: [ThresholdCalibration]
        switch calibrations {
        case .failure(let error):
            return "<p class=\"bad\">No calibration: \(HTMLText.escape("\(error)"))</p>\n"
        case .success(let list):
            rows = list
        }
        var html = """
        <table id="calibration-table"><tr><th>target escape rate</th><th>threshold</th><th>escape rate reached</th>\
        <th>overkill</th><th>escapes</th><th>good parts rejected</th></tr>\n
        """
        for row in rows {
            html += "<tr><td>≤ \(HTMLText.percent(row.targetEscapeRate, digits: 1))</td><td><code>\(HTMLText.threshold(row.threshold))</code></td>"
            html += "<td>\(HTMLText.percent(row.escapeRate))</td><td>\(HTMLText.percent(row.overkill))</td>"
            html += "<td>\(row.escapes) / \(row.defects)</td><td>\(row.overkills) / \(row.goods)</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// One row per group with the binary metrics, AUC and multi-class accuracy.
    static func perGroup(_ evaluation: Evaluation) -> String {
        guard !evaluation.perGroup.isEmpty else { return "<p class=\"note\">No sample has a group.</p>\n" }
        var html = """
        <table id="group-table"><tr><th class="label">group</th><th>parts</th><th>defective</th><th>escape rate</th><th>overkill</th>\
        <th>accuracy</th><th>precision</th><th>recall</th><th>F1</th><th>AUC</th><th>\(evaluation.classes.count)-class accuracy</th></tr>\n
        """
        for group in evaluation.perGroup {
            let b = group.binary
            html += "<tr><td class=\"label\">\(HTMLText.escape(group.group))</td><td>\(group.count)</td><td>\(b.confusion.defects)</td>"
            html += "<td>\(HTMLText.percent(b.escapeRate))</td><td>\(HTMLText.percent(b.overkill))</td><td>\(HTMLText.percent(b.accuracy))</td>"
            html += "<td>\(HTMLText.percent(b.precision))</td><td>\(HTMLText.percent(b.recall))</td><td>\(HTMLText.decimal(b.f1))</td>"
            html += "<td>\(HTMLText.decimal(group.auc))</td><td>\(HTMLText.percent(group.multiClass.accuracy))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// Pass/reject against good/defective, cells shaded by their share of the row.
    static func binaryConfusion(_ confusion: BinaryConfusion) -> String {
        let goods = confusion.goods, defects = confusion.defects
        var html = "<table class=\"matrix\" id=\"binary-confusion\"><tr><th class=\"label\">true \\ verdict</th><th>pass</th><th>reject</th></tr>\n"
        html += "<tr><th class=\"label\">good</th>\(cell(confusion.trueNegatives, of: goods, correct: true, note: "correct pass"))"
        html += "\(cell(confusion.falsePositives, of: goods, correct: false, note: "overkill"))</tr>\n"
        html += "<tr><th class=\"label\">defective</th>\(cell(confusion.falseNegatives, of: defects, correct: false, note: "escape"))"
        html += "\(cell(confusion.truePositives, of: defects, correct: true, note: "caught"))</tr>\n"
        return html + "</table>\n"
    }

    /// True class (rows) against argmax class (columns), with each row's recall.
    static func multiClassConfusion(_ confusion: MultiClassConfusion) -> String {
        var html = "<table class=\"matrix\" id=\"multiclass-confusion\"><tr><th class=\"label\">true \\ predicted</th>"
        for name in confusion.classes { html += "<th>\(HTMLText.escape(name))</th>" }
        html += "<th>recall</th></tr>\n"
        for (truth, row) in confusion.counts.enumerated() {
            let rowTotal = row.reduce(0, +)
            html += "<tr><th class=\"label\">\(HTMLText.escape(confusion.classes[truth]))</th>"
            for (prediction, count) in row.enumerated() {
                html += cell(count, of: rowTotal, correct: truth == prediction, note: nil)
            }
            html += "<td>\(HTMLText.percent(confusion.recall(ofClass: truth), digits: 1))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// A count shaded green (correct) or red (error) by its share of `total`.
    private static func cell(_ count: Int, of total: Int, correct: Bool, note: String?) -> String {
        let share = total == 0 ? 0 : Double(count) / Double(total)
        let color = correct ? "26,127,55" : "207,34,46"
        let alpha = count == 0 ? 0 : 0.12 + 0.6 * share
        let detail = total == 0 ? "" : HTMLText.percent(share, digits: 1)
        let noteText = note.map { " · \($0)" } ?? ""
        return "<td style=\"background: rgba(\(color),\(HTMLText.decimal(alpha, digits: 2)))\">\(count)<small>\(detail)\(noteText)</small></td>"
    }
}
