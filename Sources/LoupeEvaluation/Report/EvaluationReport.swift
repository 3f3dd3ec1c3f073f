/// The `loupe eval` HTML report: one self-contained file (styles, charts and pictures inline, no
/// external resources, readable without JavaScript) a QC engineer can open or mail.
public enum EvaluationReport {
    /// The report page.
    ///
    /// Sections: summary at the evaluation's threshold, reject-threshold calibration table, ROC curve
    /// (operating point and calibrated points marked), binary and multi-class confusion matrices,
    /// per-group table, score histogram per true class, and the worst mistakes as thumbnails —
    /// false passes (escapes) lowest score first, false rejects (overkill) highest score first.
    ///
    /// - Parameters:
    ///   - evaluation: The computed evaluation.
    ///   - title: Page heading, e.g. "ELPV test split".
    ///   - modelDescription: One line about the model (name, checksum, training data).
    ///   - calibrationTargets: Target escape rates for the calibration table.
    ///   - worstCount: Pictures per mistake kind (false passes, false rejects).
    ///   - thumbnail: PNG bytes for a sample, e.g. ``ReportThumbnail/png(contentsOf:maxSide:)`` of its path;
    ///     `nil` or an error shows a text box instead of the picture.
    public static func html(_ evaluation: Evaluation, title: String, modelDescription: String,
                            calibrationTargets: [Double] = Evaluation.defaultCalibrationTargets, worstCount: Int = 12,
                            thumbnail: (EvalSample) throws -> [UInt8]? = { try ReportThumbnail.png(contentsOf: $0.path) }) -> String {
        let calibrations = Result { try evaluation.calibrate(targetEscapeRates: calibrationTargets) }
        let threshold = HTMLText.threshold(evaluation.threshold)
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escape(title))</title><style>\n\(ReportStyle.css)\n</style></head>
        <body>
        <h1>\(HTMLText.escape(title))</h1>
        <p class="sub">\(HTMLText.escape(modelDescription))</p>
        <p class="sub">\(evaluation.samples.count) images: \(evaluation.defects) defective, \(evaluation.goods) good.
        Verdict rule: reject when defect score &gt; threshold; this report's threshold is <code>\(threshold)</code>.</p>\n
        """
        html += "<h2 id=\"summary\">Summary at threshold \(threshold)</h2>\n" + ReportTables.summary(evaluation)
        html += "<h2 id=\"calibration\">Reject-threshold calibration</h2>\n"
        html += """
        <p class="note">For each acceptable escape rate: the highest threshold that passes no more defective parts than that
        (so the fewest good parts are rejected), and the overkill it costs on this data.
        The threshold sits midway between the lowest rejected and the highest passed score.</p>\n
        """
        html += ReportTables.calibration(calibrations)
        html += "<h2 id=\"roc\">ROC curve</h2>\n<div class=\"row\">"
        if evaluation.roc.points.isEmpty {
            html += "<p class=\"note\">No ROC curve: it needs both defective and good parts.</p>"
        } else {
            html += ReportCharts.roc(evaluation, calibrations: (try? calibrations.get()) ?? [])
        }
        html += """
        <p class="note">Each point is one threshold: across, the good parts it rejects; up, the defective parts it catches.
        Red dot: threshold \(threshold). Blue diamonds: the calibrated thresholds above. AUC \(HTMLText.decimal(evaluation.auc)).</p></div>\n
        """
        html += "<h2 id=\"confusion\">Confusion matrices</h2>\n<div class=\"row\"><div><h3>Pass / reject at threshold \(threshold)</h3>\n"
        html += ReportTables.binaryConfusion(evaluation.binary.confusion)
        html += "</div><div><h3>Class (argmax)</h3>\n" + ReportTables.multiClassConfusion(evaluation.multiClass) + "</div></div>\n"
        html += "<h2 id=\"groups\">Per group</h2>\n" + ReportTables.perGroup(evaluation)
        html += "<h2 id=\"histograms\">Defect score per true class</h2>\n<div class=\"row\">\n"
        for (index, name) in evaluation.classes.enumerated() {
            let scores = evaluation.samples.filter { $0.trueClass == index }.map(\.defectScore)
            guard !scores.isEmpty else { continue }
            html += ReportCharts.scoreHistogram(scores: scores, className: name, isDefectClass: evaluation.defectClasses.contains(index),
                                                threshold: evaluation.threshold, id: "histogram-\(index)")
        }
        html += "</div>\n<h2 id=\"worst\">Worst mistakes</h2>\n"
        let passes = evaluation.falsePasses(limit: worstCount), rejects = evaluation.falseRejects(limit: worstCount)
        html += "<h3>False passes (escapes), lowest score first: \(passes.count) of \(evaluation.binary.confusion.falseNegatives)</h3>\n"
        html += MisclassifiedGallery.html(passes, evaluation: evaluation, emptyNote: "No defective part passed.",
                                          id: "false-passes", thumbnail: thumbnail)
        html += "<h3>False rejects (overkill), highest score first: \(rejects.count) of \(evaluation.binary.confusion.falsePositives)</h3>\n"
        html += MisclassifiedGallery.html(rejects, evaluation: evaluation, emptyNote: "No good part was rejected.",
                                          id: "false-rejects", thumbnail: thumbnail)
        html += "<script>\n\(ReportStyle.selfCheckScript)\n</script>\n</body></html>\n"
        return html
    }
}
