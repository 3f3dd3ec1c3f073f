import Foundation
import LoupeImaging
import LoupeInspection
import LoupeModel
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The occlusion heatmap the station draws for rejects: each position's drop is exactly the
/// score change of the input covered there, and the heat sits on the defect.
final class OcclusionHeatmapTests: XCTestCase {
    func testDropsAreTheScoreChangeOfTheCoveredInput() throws {
        let inspector = try Inspector(model: try Model.load(from: repositoryRoot + "/Models/demo"), threads: 1)
        let decision = try inspector.inspect(file: repositoryRoot + "/Images/samples/cell0001.png")
        XCTAssertEqual(decision.verdict, .reject, "cell0001 is a defective sample")
        // The network input for that image, made as the inspector makes it (300 px → 128 px).
        let image = try ImageDecoder.decode(contentsOf: repositoryRoot + "/Images/samples/cell0001.png")
        let spec = inspector.input
        let planes = Tensor(shape: [1, spec.channels, image.height, image.width])
        try image.writeNetworkInput(into: planes.pointer, capacity: planes.count, channels: spec.channels,
                                    normalization: NormalizationParameters(mean: spec.mean, std: spec.std), name: "cell0001")
        let resized = Tensor(shape: [1, spec.channels, spec.height, spec.width])
        try ImageTransforms.resize(planes, into: resized, plan: ResizePlan(sourceWidth: image.width, sourceHeight: image.height,
                                                                           destinationWidth: spec.width, destinationHeight: spec.height), name: "cell0001")
        let input = Array(UnsafeBufferPointer(start: resized.pointer, count: resized.count))
        let map = input.withUnsafeBufferPointer { OcclusionHeatmap(inspector: inspector, input: $0.baseAddress!, patch: 16, stride: 8) }
        XCTAssertEqual(map.columns, (128 - 16) / 8 + 1)
        XCTAssertEqual(map.score, decision.defectScore, accuracy: 1e-5)
        // Independent recomputation of one position: cover it by hand and decide.
        let (row, column) = (3, 5)
        var covered = input
        for y in (row * 8)..<(row * 8 + 16) { for x in (column * 8)..<(column * 8 + 16) { covered[y * 128 + x] = 0 } }
        let coveredScore = covered.withUnsafeBufferPointer { inspector.decide(input: $0.baseAddress!).defectScore }
        XCTAssertEqual(map.drops[row * map.columns + column], max(0, map.score - coveredScore), accuracy: 1e-5)
        XCTAssertGreaterThan(map.drops.max() ?? 0, 0.05, "covering some region must lower a reject's score")
        let overlay = try input.withUnsafeBufferPointer { try map.overlay(on: $0.baseAddress!, spec: inspector.input) }
        XCTAssertEqual([overlay.width, overlay.height, overlay.channels], [128, 128, 3])
    }
}
