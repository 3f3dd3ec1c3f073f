import Foundation
@testable import LoupeLabelling
import LoupeTestSupport
import XCTest

/// The pieces of the error search that need no training: folds and the test-time views.
final class LabelErrorSearchTests: XCTestCase {
    func testFoldsAreStratifiedSeededAndBalanced() {
        let labels = (0..<103).map { $0 % 5 == 0 ? 1 : 0 }
        let folds = LabelErrorSearch.foldAssignment(labels: labels, folds: 4, seed: 9)
        XCTAssertEqual(folds, LabelErrorSearch.foldAssignment(labels: labels, folds: 4, seed: 9))
        XCTAssertNotEqual(folds, LabelErrorSearch.foldAssignment(labels: labels, folds: 4, seed: 10))
        for c in 0...1 {
            let counts = (0..<4).map { f in labels.indices.filter { labels[$0] == c && folds[$0] == f }.count }
            XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1, "class \(c): \(counts)")
        }
    }

    func testTheEightViewsAreTheDistinctSymmetriesOfTheSquare() {
        let side = 3
        let image = (0..<(side * side)).map(Float.init)
        var views: [[Float]] = []
        for v in 0..<8 {
            var out = [Float](repeating: -1, count: side * side)
            image.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { LabelErrorSearch.writeView(v, from: src.baseAddress!, to: $0.baseAddress!, channels: 1, height: side, width: side) } }
            XCTAssertEqual(out.sorted(), image, "view \(v) is a permutation")
            XCTAssertEqual(out[4], 4, "the centre stays")
            views.append(out)
        }
        XCTAssertEqual(views[0], image)
        XCTAssertEqual(views[1], [2, 1, 0, 5, 4, 3, 8, 7, 6], "mirrored left to right")
        XCTAssertEqual(Set(views.map { $0.map(Int.init) }).count, 8)
    }
}
