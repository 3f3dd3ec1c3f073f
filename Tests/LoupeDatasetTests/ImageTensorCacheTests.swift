import Foundation
import LoupeImaging
import LoupeModel
import XCTest
import LoupeTestSupport
@testable import LoupeDataset

final class ImageTensorCacheTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try makeTemporaryDirectory(self, "cache") }

    func makeSet(count: Int, corrupt: Int? = nil) throws -> LabeledDataset {
        var samples: [LabeledSample] = []
        for i in 0..<count {
            let path = (dir as NSString).appendingPathComponent("c\(i).png")
            if i == corrupt {
                try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0]).write(to: URL(fileURLWithPath: path))
            } else {
                let pixels = (0..<(10 * 8)).map { UInt8(truncatingIfNeeded: $0 * 3 + i * 17) }
                try ImageEncoder.writePNG(try Image(width: 10, height: 8, channels: 1, pixels: pixels), to: path)
            }
            samples.append(LabeledSample(path: path, classIndex: i % 2, group: nil))
        }
        return LabeledDataset(source: dir, classes: ["good", "bad"], samples: samples)
    }

    func testPixelsMatchTheInspectorPreprocessing() throws {
        let set = try makeSet(count: 5)
        let input = InputSpec(channels: 1, height: 4, width: 5, mean: [0.5], std: [0.25])
        let cache = try ImageTensorCache(dataset: set, input: input, threads: 2)
        XCTAssertEqual(cache.count, 5)
        for i in 0..<5 {
            // What a station does: decode, [0,1] planes, resize with the shared plan.
            let image = try ImageDecoder.decode(contentsOf: set.samples[i].path)
            let planes = try image.networkInput(channels: 1, normalization: .unit(channels: 1))
            let expected = try ImageTransforms.resized(planes, width: 5, height: 4)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: cache.image(i), count: 20)), expected.storage.array, "image \(i)")
        }
        XCTAssertEqual(cache.sha256.count, 64)
        // Single-threaded decoding gives the same bytes and hash.
        let one = try ImageTensorCache(dataset: set, input: input, threads: 1)
        XCTAssertEqual(one.sha256, cache.sha256)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: one.pixels, count: 100)), Array(UnsafeBufferPointer(start: cache.pixels, count: 100)))
    }

    func testUnreadableImageIsNamedOrSkipped() throws {
        let set = try makeSet(count: 4, corrupt: 2)
        let input = InputSpec(channels: 1, height: 8, width: 10)
        XCTAssertThrowsError(try ImageTensorCache(dataset: set, input: input)) { error in
            guard case let .unreadableImages(first, total) = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(total, 1)
            XCTAssertTrue(first[0].contains("c2.png"), first[0])
        }
        let cache = try ImageTensorCache(dataset: set, input: input, skipUnreadable: true)
        XCTAssertEqual(cache.count, 3)
        XCTAssertEqual(cache.dataset.samples.map { ($0.path as NSString).lastPathComponent }, ["c0.png", "c1.png", "c3.png"])
        XCTAssertEqual(cache.skipped.count, 1)
        // The compacted slot 2 holds image c3.
        let c3 = try ImageDecoder.decode(contentsOf: set.samples[3].path).networkInput(channels: 1, normalization: .unit(channels: 1))
        XCTAssertEqual(Array(UnsafeBufferPointer(start: cache.image(2), count: 80)), c3.storage.array)
    }

    func testHashFollowsContentAndLabels() throws {
        let set = try makeSet(count: 3)
        let input = InputSpec(channels: 1, height: 8, width: 10)
        let h1 = try ImageTensorCache(dataset: set, input: input).sha256
        var relabelled = set
        relabelled.samples[0].classIndex = 1
        XCTAssertNotEqual(try ImageTensorCache(dataset: relabelled, input: input).sha256, h1)
        let pixels = [UInt8](repeating: 9, count: 80)
        try ImageEncoder.writePNG(try Image(width: 10, height: 8, channels: 1, pixels: pixels), to: set.samples[1].path)
        XCTAssertNotEqual(try ImageTensorCache(dataset: set, input: input).sha256, h1)
    }
}
