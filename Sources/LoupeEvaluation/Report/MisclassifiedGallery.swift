/// The worst mistakes as pictures: one figure per image with its path, truth, prediction and score.
enum MisclassifiedGallery {
    /// A `<div class="gallery">` of figures, or a note when `samples` is empty.
    ///
    /// - Parameter thumbnail: PNG bytes for a sample; `nil` or a thrown error shows a text box
    ///   instead (with the error's message), so one unreadable file does not lose the report.
    static func html(_ samples: [EvalSample], evaluation: Evaluation, emptyNote: String, id: String,
                     thumbnail: (EvalSample) throws -> [UInt8]?) -> String {
        guard !samples.isEmpty else { return "<p class=\"note\" id=\"\(id)\">\(HTMLText.escape(emptyNote))</p>\n" }
        var html = "<div class=\"gallery\" id=\"\(id)\">\n"
        for sample in samples {
            let path = HTMLText.escape(sample.path)
            html += "<figure>"
            do {
                if let png = try thumbnail(sample) {
                    html += "<img src=\"data:image/png;base64,\(HTMLText.base64(png))\" alt=\"\(path)\">"
                } else {
                    html += "<div class=\"missing\">no picture</div>"
                }
            } catch {
                html += "<div class=\"missing\">\(HTMLText.escape("\(error)"))</div>"
            }
            html += "<figcaption><div class=\"path\">\(path)</div>"
            html += "true <b>\(HTMLText.escape(evaluation.className(sample.trueClass)))</b>"
            html += " · predicted \(HTMLText.escape(evaluation.className(sample.predictedClass)))<br>"
            html += "score <b>\(HTMLText.decimal(Double(sample.defectScore)))</b>"
            if let group = sample.group { html += " · \(HTMLText.escape(group))" }
            html += "</figcaption></figure>\n"
        }
        return html + "</div>\n"
    }
}
