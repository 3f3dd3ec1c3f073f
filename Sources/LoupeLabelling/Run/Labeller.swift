import Dispatch
import Foundation
import LoupeImaging
import LoupeInference
import LoupeInspection
import LoupeModel
import LoupeTensor

/// Labels a set of images with one model on every core: the engine of `loupe label`.
///
/// Work goes out in batches (``Options/batch`` images) to ``Options/threads`` workers; each
/// worker reads, hashes, decodes and converts its batch, runs it through its own inference
/// session (one thread per worker: the images are independent, so nothing is shared) and, if
/// asked, makes occlusion heatmaps. Results are written in input order, whichever worker
/// finishes first, so a run and a resumed run write the same file. A stopped run (Ctrl-C)
/// writes every batch up to the first unfinished one and leaves the rest to the next run.
public final class Labeller {
    public struct Options: Sendable {
        public var threads = 2
        public var batch = 8
        /// Occlusion heatmaps as PNG into this folder (named by content hash), or nil.
        public var heatmapFolder: String?
        /// Heatmaps for every image (true) or for rejects only.
        public var heatmapsForAll = false
        /// Copy or link each labelled image into `folder/<class>/`.
        public var sortInto: (folder: String, mode: FilePlacement.Mode)?
        public init() {}
    }

    /// Progress after each written batch.
    public struct Progress: Sendable {
        public var done: Int
        public var total: Int
        public var seconds: Double
    }

    public let model: Model
    public let modelID: String
    public let options: Options

    public init(model: Model, options: Options) throws {
        guard options.threads >= 1, options.batch >= 1 else { throw LabellingError.badOption("--threads and --batch must be at least 1") }
        let outputs = try Network(model: model).outputCount
        guard outputs == model.spec.classes.count else {
            throw LabellingError.modelDoesNotFit(model: model.spec.name, input: Self.inputText(model.spec.input), image: "any",
                                                 reason: "the network has \(outputs) outputs for \(model.spec.classes.count) classes")
        }
        self.model = model
        self.options = options
        modelID = Inspector.modelID(of: model)
    }

    static func inputText(_ input: InputSpec) -> String { "\(input.channels)x\(input.height)x\(input.width)" }

    /// Labels the inventory's images not yet in `output`, appending to it.
    /// - Throws: ``LabellingError/modelDoesNotFit(model:input:image:reason:)`` when the model
    ///   cannot take the images at all, or a write error; images labelled before it stay written.
    public func run(_ inventory: ImageInventory, into output: LabelsAppender, shouldStop: @escaping @Sendable () -> Bool = { false },
                    progress: @escaping (Progress) -> Void = { _ in }) throws -> LabellingReport {
        let started = MonotonicClock.seconds()
        var report = LabellingReport()
        report.images = inventory.entries.count
        report.unsupported = inventory.unsupported
        report.missing = inventory.missing
        report.model = modelID
        report.labelsFile = output.path
        let done = Set(output.existing.map(\.path))
        let todo = inventory.entries.filter { !done.contains($0.path) }
        report.alreadyDone = inventory.entries.count - todo.count
        let sink = OrderedSink(labeller: self, output: output, report: report, total: todo.count, started: started, progress: progress)
        for r in output.existing { sink.seen[r.sha256] = sink.seen[r.sha256] ?? r.path }
        let chunks = stride(from: 0, to: todo.count, by: options.batch).map { $0..<min($0 + options.batch, todo.count) }
        let next = Counter()
        let workers = max(1, min(options.threads, chunks.count))
        if !chunks.isEmpty {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let worker: Worker
                do { worker = try Worker(model: model, batch: options.batch) } catch { sink.fail(error); return }
                while !shouldStop() && !sink.hasFailed, let c = next.take(below: chunks.count) {
                    let outcome = worker.label(Array(todo[chunks[c]]), options: options, modelID: modelID)
                    sink.deliver(chunk: c, outcome)
                }
            }
        }
        var final = try sink.finish()
        final.interrupted = sink.done < todo.count
        final.seconds = MonotonicClock.seconds() - started
        output.close()
        return final
    }

    /// One image's result inside a worker.
    enum ItemOutcome {
        case labelled(LabelRecord)
        case failed(path: String, reason: String)
    }

    /// A worker's inspector (conversion, heatmaps), batch session and buffers.
    final class Worker {
        let inspector: Inspector
        let session: InferenceSession
        let input: AlignedBuffer
        let output: UnsafeMutablePointer<Float>
        let classes: [String]

        init(model: Model, batch: Int) throws {
            inspector = try Inspector(model: model, threads: 1)
            session = InferenceSession(network: inspector.session.network, maxBatch: batch, threads: 1)
            input = AlignedBuffer(count: batch * inspector.inputCount)
            output = .allocate(capacity: batch * model.spec.classes.count)
            classes = model.spec.classes
        }

        deinit { output.deallocate() }

        /// Labels one batch. A model that cannot take an image at all ends the batch with an error.
        func label(_ entries: [ImageInventory.Entry], options: Options, modelID: String) -> Result<[ItemOutcome], Error> {
            let per = inspector.inputCount, k = classes.count
            var outcomes: [ItemOutcome?] = Array(repeating: nil, count: entries.count)
            var slots: [(entry: Int, sha: String)] = []
            for (i, entry) in entries.enumerated() {
                do {
                    guard let data = FileManager.default.contents(atPath: entry.path) else {
                        throw ImagingError.unreadable(path: entry.path, operation: "read", errno: errno)
                    }
                    let bytes = [UInt8](data)
                    let image = try ImageDecoder.decode(data: bytes, name: entry.path)
                    let slot = UnsafeMutableBufferPointer(start: input.pointer + slots.count * per, count: per)
                    do { try inspector.writeNetworkInput(image, into: slot, name: entry.path) } catch let error as ImagingError {
                        if case .wrongSize(_, let operation, let received, let expected) = error {
                            return .failure(LabellingError.modelDoesNotFit(
                                model: inspector.model.spec.name, input: Labeller.inputText(inspector.input),
                                image: "\(entry.path) (\(image.width)x\(image.height), \(image.channels) channels)",
                                reason: "\(operation): got \(received), expected \(expected)"))
                        }
                        throw error
                    }
                    slots.append((i, SHA256.hex(bytes)))
                } catch {
                    outcomes[i] = .failed(path: entry.path, reason: "\(error)")
                }
            }
            if !slots.isEmpty { session.run(input: input.pointer, batch: slots.count, output: output) }
            let time = LabelRecord.timestamp()
            for (s, slot) in slots.enumerated() {
                let entry = entries[slot.entry]
                let p = UnsafeBufferPointer(start: output + s * k, count: k)
                let decision = inspector.decision(probabilities: p)
                var record = LabelRecord(path: entry.path, sha256: slot.sha, verdict: decision.verdict.rawValue, score: decision.defectScore,
                                         className: classes[decision.classIndex], probabilities: zip(classes, p).map { ($0, $1) },
                                         model: modelID, threshold: decision.threshold, time: time, group: entry.group)
                if let folder = options.heatmapFolder, options.heatmapsForAll || decision.verdict == .reject {
                    do {
                        record.heatmap = try writeHeatmap(input: input.pointer + s * per, sha256: slot.sha, folder: folder)
                    } catch {
                        return .failure(error)
                    }
                }
                outcomes[slot.entry] = .labelled(record)
            }
            return .success(outcomes.map { $0! })
        }

        /// The station's occlusion heatmap of one network input, as `folder/<hash>.png`.
        private func writeHeatmap(input: UnsafePointer<Float>, sha256: String, folder: String) throws -> String {
            let path = (folder as NSString).appendingPathComponent(String(sha256.prefix(20)) + ".png")
            if FileManager.default.fileExists(atPath: path) { return path }
            let heat = OcclusionHeatmap(inspector: inspector, input: input)
            try ImageEncoder.writePNG(try heat.overlay(on: input, spec: inspector.input), to: path)
            return path
        }
    }

    /// Takes finished batches from the workers and writes them in input order.
    final class OrderedSink: @unchecked Sendable {
        let lock = NSLock()
        let labeller: Labeller
        let output: LabelsAppender
        var report: LabellingReport
        let total: Int
        let started: Double
        let progress: (Progress) -> Void
        var pending: [Int: Result<[ItemOutcome], Error>] = [:]
        var next = 0
        var done = 0
        var error: Error?
        /// Content hash → the path labelled with it.
        var seen: [String: String] = [:]

        init(labeller: Labeller, output: LabelsAppender, report: LabellingReport, total: Int, started: Double,
             progress: @escaping (Progress) -> Void) {
            self.labeller = labeller
            self.output = output
            self.report = report
            self.total = total
            self.started = started
            self.progress = progress
        }

        var hasFailed: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }

        func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }

        func deliver(chunk: Int, _ outcome: Result<[ItemOutcome], Error>) {
            lock.lock()
            defer { lock.unlock() }
            pending[chunk] = outcome
            while error == nil, let ready = pending.removeValue(forKey: next) {
                do {
                    try write(try ready.get())
                    next += 1
                } catch {
                    self.error = error
                }
            }
        }

        private func write(_ outcomes: [ItemOutcome]) throws {
            var records: [LabelRecord] = []
            for outcome in outcomes {
                switch outcome {
                case .failed(let path, let reason):
                    report.failures.append(.init(path: path, reason: reason))
                case .labelled(let record):
                    if let first = seen[record.sha256] {
                        report.duplicates.append(.init(path: record.path, sameAs: first, sha256: record.sha256))
                        continue
                    }
                    seen[record.sha256] = record.path
                    if let (folder, mode) = labeller.options.sortInto {
                        let target = (folder as NSString).appendingPathComponent(FilePlacement.folderName(forClass: record.className))
                        let placed = try FilePlacement.place(record.path, sha256: record.sha256, into: target, mode: mode)
                        if placed.alreadyThere { report.sortedBefore += 1 } else { report.sorted += 1 }
                    }
                    if record.heatmap != nil { report.heatmaps += 1 }
                    records.append(record)
                }
            }
            try output.append(records)
            report.labelled += records.count
            done += outcomes.count
            progress(Progress(done: done, total: total, seconds: MonotonicClock.seconds() - started))
        }

        func finish() throws -> LabellingReport {
            lock.lock()
            defer { lock.unlock() }
            if let error { throw error }
            return report
        }
    }

    /// Hands out batch numbers to the workers.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func take(below limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
