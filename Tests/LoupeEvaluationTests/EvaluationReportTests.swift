import Foundation
import LoupeImaging
import XCTest
@testable import LoupeEvaluation

final class EvaluationReportTests: XCTestCase {
    static let tinyPNG: [UInt8] = try! ImageEncoder.pngData(try! Image(width: 4, height: 3, channels: 1, pixels: [UInt8](repeating: 90, count: 12)))

    private func occurrences(of needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    private func makeEvaluation(_ samples: [EvalSample]) throws -> Evaluation {
        try Evaluation(samples: samples, classes: ["good", "crack <fine>"], defectClasses: [1], threshold: 0.5)
    }

    func testReportHasEverySectionAndIsSelfContained() throws {
        let evaluation = try makeEvaluation(randomSamples(count: 300, classes: 2, seed: 9, groups: ["mono", "poly"]))
        let html = EvaluationReport.html(evaluation, title: "Test split", modelDescription: "demo model",
                                         calibrationTargets: [0.01, 0.02, 0.05], worstCount: 5) { _ in Self.tinyPNG }
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        for id in ["summary-table", "calibration-table", "roc-chart", "operating-point", "binary-confusion", "multiclass-confusion",
                   "group-table", "histogram-0", "histogram-1", "false-passes", "false-rejects"] {
            XCTAssertTrue(html.contains("id=\"\(id)\""), id)
        }
        // Calibration: one row per target, thresholds printed exactly as the calibrator chose them.
        let calibrations = try evaluation.calibrate(targetEscapeRates: [0.01, 0.02, 0.05])
        for calibration in calibrations { XCTAssertTrue(html.contains("<code>\(calibration.threshold)</code>"), "\(calibration.threshold)") }
        XCTAssertEqual(occurrences(of: "<tr>", in: html.components(separatedBy: "id=\"calibration-table\"")[1]
            .components(separatedBy: "</table>")[0]), 1 + 3)
        // Pictures: exactly the worst 5 + 5 mistakes, all inline PNGs.
        let mistakes = evaluation.falsePasses(limit: 5).count + evaluation.falseRejects(limit: 5).count
        XCTAssertEqual(mistakes, 10)
        XCTAssertEqual(occurrences(of: "<img ", in: html), mistakes)
        XCTAssertEqual(occurrences(of: "<img src=\"data:image/png;base64,\(HTMLText.base64(Self.tinyPNG))\"", in: html), mistakes)
        // Self-contained: nothing fetched from anywhere, one (optional) script.
        for external in ["http://", "https://", "<link", "@import", "url(", "<iframe"] {
            XCTAssertFalse(html.contains(external), external)
        }
        XCTAssertEqual(occurrences(of: " src=\"", in: html), occurrences(of: " src=\"data:image/png;base64,", in: html))
        XCTAssertEqual(occurrences(of: "<script", in: html), 1)
        // Balanced containers.
        for tag in ["svg", "table", "figure", "div", "h2"] {
            XCTAssertEqual(occurrences(of: "<\(tag)", in: html), occurrences(of: "</\(tag)>", in: html), tag)
        }
        XCTAssertEqual(occurrences(of: "<svg", in: html), 3)  // ROC + one histogram per class
    }

    /// Paths, class names and error messages are escaped; the gallery survives missing pictures.
    func testEscapingAndMissingPictures() throws {
        let evil = "lot7/<script>alert(\"x\")</script>&'.png"
        let samples = [
            binarySample(0.1, defective: true, path: evil, group: "<mono>"),
            binarySample(0.2, defective: true, path: "lot7/unreadable.png"),
            binarySample(0.3, defective: true, path: "lot7/nil.png"),
            binarySample(0.9, defective: false, path: "lot7/good.png"),
            binarySample(0.05, defective: false, path: "lot7/ok.png"),
        ]
        struct Unreadable: Error, CustomStringConvertible { var description: String { "cannot read <this> & that" } }
        let html = EvaluationReport.html(try makeEvaluation(samples), title: "A <b>title</b>", modelDescription: "m & n") { sample in
            if sample.path.hasSuffix("unreadable.png") { throw Unreadable() }
            if sample.path.hasSuffix("nil.png") { return nil }
            return Self.tinyPNG
        }
        XCTAssertFalse(html.contains("<script>alert"))
        XCTAssertTrue(html.contains("lot7/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;.png"))
        XCTAssertTrue(html.contains("crack &lt;fine&gt;"))
        XCTAssertFalse(html.contains("crack <fine>"))
        XCTAssertTrue(html.contains("&lt;mono&gt;"))
        XCTAssertTrue(html.contains("<title>A &lt;b&gt;title&lt;/b&gt;</title>"))
        XCTAssertTrue(html.contains("m &amp; n"))
        XCTAssertTrue(html.contains("<div class=\"missing\">cannot read &lt;this&gt; &amp; that</div>"))
        XCTAssertTrue(html.contains("<div class=\"missing\">no picture</div>"))
        XCTAssertEqual(occurrences(of: "<img ", in: html), 2)  // the evil path and the good false reject
    }

    func testWithoutGoodsTheReportExplainsWhatIsMissing() throws {
        let html = EvaluationReport.html(try makeEvaluation([binarySample(0.2, defective: true), binarySample(0.8, defective: true)]),
                                         title: "t", modelDescription: "m") { _ in nil }
        XCTAssertTrue(html.contains("No calibration:"))
        XCTAssertTrue(html.contains("overkill is undefined"))
        XCTAssertTrue(html.contains("No ROC curve"))
        XCTAssertFalse(html.contains("id=\"roc-chart\""))
        XCTAssertTrue(html.contains("No good part was rejected."))
    }

    func testHTMLTextHelpers() {
        XCTAssertEqual(HTMLText.escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;")
        XCTAssertEqual(HTMLText.percent(0.01234), "1.23 %")
        XCTAssertEqual(HTMLText.percent(nil), "—")
        XCTAssertEqual(HTMLText.base64([0, 1, 2, 250, 251]), "AAEC+vs=")
        XCTAssertEqual(HTMLText.threshold(0.1), "0.1")
    }
}
