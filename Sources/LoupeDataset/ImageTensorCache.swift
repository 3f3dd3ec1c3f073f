import Dispatch
import Foundation
import LoupeImaging
import LoupeModel
import LoupeTensor

/// Every image of a ``LabeledDataset`` decoded once and resized to a model's input size, as
/// float planes in [0, 1] before mean/std normalisation: `(N, C, H, W)`, one allocation.
///
/// Conversion matches ``Inspector``'s (same channel conversion and resize rule), so training
/// sees what the station sees. Memory is `N·C·H·W·4` bytes (2,000 images of 1x300x300: 720 MB).
/// Decoding runs on `threads` threads. Also hashes the data (labels, groups and file bytes in
/// sample order) for the trained model's provenance.
public final class ImageTensorCache: @unchecked Sendable {
    public let channels: Int
    public let height: Int
    public let width: Int
    /// The samples held, in order (unreadable ones dropped when asked to skip them).
    public let dataset: LabeledDataset
    /// `(N, C, H, W)`.
    public let pixels: UnsafeMutablePointer<Float>
    /// SHA-256 (hex) over every sample's class, group and file bytes, in order.
    public let sha256: String
    /// `path: reason` for each image skipped (only with `skipUnreadable`).
    public let skipped: [String]
    /// SHA-256 (hex) of each held sample's file bytes, in sample order.
    public let fileSHA256: [String]

    public var count: Int { dataset.samples.count }
    public var imageCount: Int { channels * height * width }
    public func image(_ index: Int) -> UnsafeMutablePointer<Float> { pixels + index * imageCount }

    /// - Throws: ``DatasetError/unreadableImages(first:total:)`` listing what could not be
    ///   decoded (unless `skipUnreadable`), ``DatasetError/empty(source:)`` if nothing is left.
    public init(dataset: LabeledDataset, input: InputSpec, threads: Int = 2, skipUnreadable: Bool = false) throws {
        let n = dataset.samples.count, c = input.channels, h = input.height, w = input.width, per = c * h * w
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n * per))
        let fileHashes = UnsafeMutablePointer<String?>.allocate(capacity: max(1, n))
        fileHashes.initialize(repeating: nil, count: max(1, n))
        defer { fileHashes.deinitialize(count: max(1, n)); fileHashes.deallocate() }
        let failures = Failures()
        let workers = max(1, min(threads, n))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: n, by: workers) {
                let path = dataset.samples[i].path
                do {
                    guard let data = FileManager.default.contents(atPath: path) else { throw DatasetError.fileMissing(path: path) }
                    let bytes = [UInt8](data)
                    let image = try ImageDecoder.decode(data: bytes, name: path)
                    let planes = try image.networkInput(channels: c, normalization: .unit(channels: c), name: path)
                    let sized = (image.width == w && image.height == h) ? planes : try ImageTransforms.resized(planes, width: w, height: h, name: path)
                    (buffer + i * per).update(from: sized.pointer, count: per)
                    fileHashes[i] = SHA256.hex(bytes)
                } catch {
                    failures.add(index: i, "\(path): \(error)")
                }
            }
        }
        let failed = failures.sorted
        if !failed.isEmpty && !skipUnreadable {
            buffer.deallocate()
            throw DatasetError.unreadableImages(first: failed.prefix(10).map(\.message), total: failed.count)
        }
        // Compact: drop failed samples.
        let failedSet = Set(failed.map(\.index))
        var kept: [LabeledSample] = [], keptHashes: [String] = []
        var hasher = SHA256()
        for i in 0..<n where !failedSet.contains(i) {
            if kept.count != i { (buffer + kept.count * per).update(from: buffer + i * per, count: per) }
            let s = dataset.samples[i]
            hasher.update(Array("\(dataset.classes[s.classIndex])\t\(s.group ?? "")\t\(fileHashes[i]!)\n".utf8))
            kept.append(s)
            keptHashes.append(fileHashes[i]!)
        }
        guard !kept.isEmpty else {
            buffer.deallocate()
            throw DatasetError.empty(source: dataset.source)
        }
        channels = c
        height = h
        width = w
        pixels = buffer
        sha256 = hasher.finalizeHex()
        skipped = failed.map(\.message)
        fileSHA256 = keptHashes
        self.dataset = LabeledDataset(source: dataset.source, classes: dataset.classes, samples: kept)
    }

    /// The images at `indices` of `cache` (copied, in that order): a fold of a k-fold split.
    /// Its hash covers the parent's and the indices.
    public init(subsetOf cache: ImageTensorCache, indices: [Int]) {
        let per = cache.imageCount
        channels = cache.channels
        height = cache.height
        width = cache.width
        pixels = .allocate(capacity: max(1, indices.count * per))
        for (j, i) in indices.enumerated() { (pixels + j * per).update(from: cache.image(i), count: per) }
        var hasher = SHA256()
        hasher.update(Array((cache.sha256 + "\n" + indices.map(String.init).joined(separator: ",")).utf8))
        sha256 = hasher.finalizeHex()
        skipped = []
        fileSHA256 = indices.map { cache.fileSHA256[$0] }
        dataset = LabeledDataset(source: cache.dataset.source, classes: cache.dataset.classes, samples: indices.map { cache.dataset.samples[$0] })
    }

    deinit { pixels.deallocate() }

    /// Collects decode failures from the worker threads.
    private final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [(index: Int, message: String)] = []
        func add(index: Int, _ message: String) { lock.lock(); items.append((index, message)); lock.unlock() }
        var sorted: [(index: Int, message: String)] { items.sorted { $0.index < $1.index } }
    }
}
