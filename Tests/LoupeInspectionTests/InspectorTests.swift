import Foundation
import LoupeImaging
import LoupeInference
import LoupeInspection
import LoupeModel
import XCTest

final class InspectorTests: XCTestCase {
    /// A 1x32x32 gray model with three classes; class 0 is good.
    static func model(threshold: Float = 0.5) throws -> Model {
        var spec = ModelSpec(name: "inspector-test", input: InputSpec(channels: 1, height: 32, width: 32, mean: [0.5], std: [0.25]),
                             classes: ["good", "crack", "dark"], threshold: threshold, layers: [
                                 LayerSpec(name: "c1", op: .conv, outChannels: 8, kernel: 3, stride: 2, padding: 1, bias: true),
                                 LayerSpec(name: "r1", op: .relu),
                                 LayerSpec(name: "gap", op: .globalavgpool),
                                 LayerSpec(name: "fc", op: .dense, outFeatures: 3),
                                 LayerSpec(name: "prob", op: .softmax),
                             ])
        spec.defectClasses = [1, 2]
        return try Model(spec: spec, weights: ReferenceArchitectures.initialWeights(for: spec, seed: 9, randomStatistics: false))
    }

    static func gradientImage(width: Int, height: Int, channels: Int = 1) throws -> Image {
        let pixels = (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: ($0 * 7) % 251) }
        return try Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    func testVerdictFollowsDefectScoreAndThreshold() throws {
        let image = try Self.gradientImage(width: 32, height: 32)
        let result = try Inspector(model: Self.model(), threads: 1).inspect(image, source: "part-1")
        XCTAssertEqual(result.probabilities.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(result.defectScore, result.probabilities[1] + result.probabilities[2], accuracy: 1e-6)
        XCTAssertEqual(result.className, ["good", "crack", "dark"][result.classIndex])
        // Moving the threshold across the score flips the verdict.
        let below = try Inspector(model: Self.model(threshold: max(0, result.defectScore - 0.01)), threads: 1).inspect(image, source: "p")
        let above = try Inspector(model: Self.model(threshold: min(1, result.defectScore + 0.01)), threads: 1).inspect(image, source: "p")
        XCTAssertEqual(below.verdict, .reject)
        XCTAssertEqual(above.verdict, .pass)
    }

    func testMatchesReferenceNetworkOnPreparedInput() throws {
        let model = try Self.model()
        let image = try Self.gradientImage(width: 32, height: 32)
        let result = try Inspector(model: model, threads: 2).inspect(image, source: "x")
        let input = try image.networkInput(channels: 1, normalization: NormalizationParameters(mean: [0.5], std: [0.25]))
        let expected = ReferenceNetwork(model: model).run(input.values)
        for (a, b) in zip(result.probabilities, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testOtherSizesAndRGBAreResizedAndConverted() throws {
        let inspector = try Inspector(model: Self.model(), threads: 1)
        for (w, h, c) in [(300, 300, 1), (64, 48, 3), (17, 90, 4), (32, 32, 3)] {
            let r = try inspector.inspect(try Self.gradientImage(width: w, height: h, channels: c), source: "\(w)x\(h)x\(c)")
            XCTAssertEqual(r.probabilities.count, 3)
            XCTAssertTrue(r.probabilities.allSatisfy { $0.isFinite && $0 >= 0 })
        }
        // Resizing happens: a 64x64 image whose 2x2 blocks are constant gives the same input as its 32x32 version.
        let small = try Self.gradientImage(width: 32, height: 32)
        let big = try Image(width: 64, height: 64, channels: 1, pixels: (0..<(64 * 64)).map { i in small.pixels8![(i / 64 / 2) * 32 + (i % 64) / 2] })
        let a = try inspector.inspect(small, source: "small").probabilities
        let b = try inspector.inspect(big, source: "big").probabilities
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 0.05) }
    }

    func testUnreadableFileIsAnErrorNamingTheFile() throws {
        let path = NSTemporaryDirectory() + "loupe-inspector-\(getpid())-broken.png"
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try Inspector(model: Self.model(), threads: 1).inspect(file: path)) { error in
            XCTAssertTrue("\(error)".contains("broken.png"), "\(error)")
        }
    }

    func testFolderExpansionFindsImagesAndReportsMissingPaths() throws {
        let dir = NSTemporaryDirectory() + "loupe-inspector-\(getpid())-folder"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        for name in ["b.png", "a.JPG", "notes.txt", "sub/c.png"] { FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data()) }
        let flat = ImageFiles.expand([dir, dir + "/missing.png"], recursive: false)
        XCTAssertEqual(flat.files.map { ($0 as NSString).lastPathComponent }, ["a.JPG", "b.png"])
        XCTAssertEqual(flat.missing, [dir + "/missing.png"])
        XCTAssertEqual(ImageFiles.expand([dir], recursive: true).files.count, 3)
    }
}
