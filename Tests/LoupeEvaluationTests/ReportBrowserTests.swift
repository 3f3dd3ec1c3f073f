import Foundation
import LoupeImaging
import XCTest
@testable import LoupeEvaluation
import LoupeTestSupport

/// Opens a generated report in headless Chromium and checks what a real browser shows: every
/// thumbnail decoded and every SVG laid out (read back from the page's self-check `data-`
/// attributes), plus a screenshot that is not blank.
///
/// Needs `chromium` (`make test` installs it via scripts/install-deps.sh); skips otherwise.
/// Set LOUPE_EVAL_REPORT_DIR to keep report.html and report.png there for a look.
final class ReportBrowserTests: XCTestCase {
    /// A gray 200x200 "cell" with a background gradient; defective ones get a dark crack line whose
    /// darkness follows `severity` in [0, 1].
    private func writeCell(to path: String, severity: Float, seed: Int) throws {
        let size = 200
        var pixels = [UInt8](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let busbar = (x % 50 == 25) ? 60 : 0
                pixels[y * size + x] = UInt8(clamping: 150 + (x + y + seed * 13) % 40 - busbar)
            }
        }
        if severity > 0 {
            for t in 0..<size {
                let x = t, y = (seed * 37 + t * (1 + seed % 3) / 2) % size
                for dy in -1...1 where (0..<size).contains(y + dy) {
                    pixels[(y + dy) * size + x] = UInt8(Float(pixels[(y + dy) * size + x]) * (1 - 0.8 * severity))
                }
            }
        }
        try ImageEncoder.writePNG(try Image(width: size, height: size, channels: 1, pixels: pixels), to: path)
    }

    func testReportRendersInChromium() throws {
        let chromium = try headlessChromium()
        let keep = ProcessInfo.processInfo.environment["LOUPE_EVAL_REPORT_DIR"]
        let directory = keep ?? NSTemporaryDirectory() + "loupe-eval-browser-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/images", withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: directory) } }

        // 60 cells, 4 ELPV-like levels; scores overlap so there are mistakes of both kinds.
        var random = SplitMix64(seed: 2024)
        let levels = ["0", "1/3", "2/3", "1"]
        var samples: [EvalSample] = []
        for index in 0..<60 {
            let level = index % 4
            let name = index == 3 ? "cell <3> & 'odd'.png" : "cell-\(index).png"
            let path = directory + "/images/" + name
            try writeCell(to: path, severity: Float(level) / 3, seed: index)
            var probabilities = (0..<4).map { _ in Float.random(in: 0.05...1, using: &random) }
            probabilities[level] += Float.random(in: 0...0.8, using: &random)
            let sum = probabilities.reduce(0, +)
            samples.append(EvalSample(path: path, group: index % 3 == 0 ? "poly" : "mono", trueClass: level,
                                      probabilities: probabilities.map { $0 / sum }, defectClasses: [2, 3]))
        }
        let evaluation = try Evaluation(samples: samples, classes: levels, defectClasses: [2, 3], threshold: 0.5)
        // The worst escape's file goes missing: the report must show the error in its place.
        let vanished = try XCTUnwrap(evaluation.falsePasses(limit: 1).first?.path)
        try FileManager.default.removeItem(atPath: vanished)
        let html = EvaluationReport.html(evaluation, title: "Browser check <ELPV-like>", modelDescription: "synthetic scores", worstCount: 12)
        let reportPath = directory + "/report.html"
        try html.write(toFile: reportPath, atomically: true, encoding: .utf8)
        let expectedImages = html.components(separatedBy: "<img ").count - 1
        let expectedSVGs = html.components(separatedBy: "<svg").count - 1
        XCTAssertGreaterThan(expectedImages, 4, "the data must produce mistakes to show")
        XCTAssertTrue(html.contains("was not found"), "the missing file must show its error in place of a picture")
        XCTAssertEqual(expectedImages, evaluation.falsePasses(limit: 12).count + evaluation.falseRejects(limit: 12).count - 1)

        let (status, dom, errors) = try runHeadlessChromium(chromium, ["--dump-dom", "file://" + reportPath], profile: directory + "/profile-dom")
        XCTAssertEqual(status, 0, errors)
        let body = try XCTUnwrap(DumpedBody(dom: dom), "no <body> in chromium's DOM dump; stderr: \(errors.suffix(2000))")
        let bodyTag = body.tag, attribute = body.attribute
        print("ReportBrowserTests: chromium body \(bodyTag); expected \(expectedImages) images, \(expectedSVGs) SVGs")
        XCTAssertEqual(attribute("data-images-total"), expectedImages, bodyTag)
        XCTAssertEqual(attribute("data-images-decoded"), expectedImages, bodyTag)
        XCTAssertEqual(attribute("data-svg-count"), expectedSVGs, bodyTag)
        XCTAssertEqual(attribute("data-svg-drawn"), expectedSVGs, bodyTag)

        let screenshot = directory + "/report.png"
        let (shotStatus, _, shotErrors) = try runHeadlessChromium(chromium, ["--screenshot=\(screenshot)", "--window-size=1200,3400", "file://" + reportPath],
                                                  profile: directory + "/profile-shot")
        XCTAssertEqual(shotStatus, 0, shotErrors)
        let image = try ImageDecoder.decode(contentsOf: screenshot)
        XCTAssertEqual(image.width, 1200)
        // Not blank: a rendered page has text, colored cells and pictures — many distinct pixel values.
        let distinct = Set((image.pixels8 ?? []).enumerated().filter { $0.offset % 97 == 0 }.map(\.element))
        XCTAssertGreaterThan(distinct.count, 50, "screenshot looks blank")
    }
}
