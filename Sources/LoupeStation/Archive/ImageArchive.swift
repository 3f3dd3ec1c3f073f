#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoupeImaging
import LoupeInspection
import LoupeMES
import LoupeModel
import LoupeTensor

/// The image archive: the network input of every rejected and fail-safe part, and a sample of
/// passed ones, as PNG files in day folders (`2026-12-01/<point>-<part>-<ms>.png`, local date).
///
/// - The decision thread hands an image over with ``submit(_:spec:name:)``: one copy into a
///   free slot, no disk access, no allocation but the reference; a writer thread encodes and
///   writes it (atomically, via a temporary file).
/// - Retention (``ArchiveRetention``): past `maxDays`, or over `maxBytes`, the oldest images are
///   deleted and their results marked expired in the outbox. Reaching the byte limit raises an
///   alarm; so does a file system with less than `minFreeBytes` free, and then no image is kept
///   (and no reference given) until space returns: the archive never fills the disk.
/// - Consistency with the outbox: a result's `imageRef` names a file that exists, or the result
///   is marked expired (an image that failed to write is marked at once; at start, references
///   whose file is gone are marked too).
public final class ImageArchive: @unchecked Sendable {
    public let configuration: StationConfiguration.Archive
    private let outbox: Outbox
    private let alarm: @Sendable (String) -> Void
    private let condition = NSCondition()
    private var slots: [Slot]
    /// Filled slots in submission order (a ring of slot indices).
    private var queue: [Int]
    private var queueHead = 0, queueCount = 0
    private var files: [ArchiveRetention.File] = []
    private var filesHead = 0
    private var totalBytes: Int64 = 0
    private var diskLow = false
    private var limitAlarmRaised = false
    /// The writer-behind alarm is raised once per episode (until an image is taken again).
    private var behindAlarmRaised = false
    private var stopping = false
    private var writer: Thread?
    private let writerDone = DispatchSemaphore(value: 0)
    /// Images written, deleted by retention, and not kept (no free slot, disk low, write failed).
    public private(set) var written = 0
    public private(set) var deleted = 0
    public private(set) var notKept = 0

    private struct Slot {
        let buffer: UnsafeMutablePointer<Float>
        let capacity: Int
        var spec: InputSpec?
        var ref = ""
        var busy = false
    }

    /// Opens (creating) the archive folder and takes stock of what it holds.
    /// - Parameter maxInputCount: the largest network input of the station's points, in floats.
    /// - Throws: ``ConfigurationError`` (key `archive.folder`) when the folder cannot be made.
    public init(configuration: StationConfiguration.Archive, maxInputCount: Int, outbox: Outbox, slots slotCount: Int = 8,
                alarm: @escaping @Sendable (String) -> Void) throws {
        self.configuration = configuration
        self.outbox = outbox
        self.alarm = alarm
        do {
            try FileManager.default.createDirectory(atPath: configuration.folder, withIntermediateDirectories: true)
        } catch {
            throw ConfigurationError(file: "configuration", keyPath: "archive.folder", found: "'\(configuration.folder)': \(error.localizedDescription)",
                                     expected: "a folder the station can create and write")
        }
        slots = (0..<slotCount).map { _ in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: maxInputCount)
            buffer.initialize(repeating: 0, count: maxInputCount)
            return Slot(buffer: buffer, capacity: maxInputCount)
        }
        queue = Array(repeating: 0, count: slotCount)
        files = Self.scan(configuration.folder)
        totalBytes = files.reduce(0) { $0 + $1.bytes }
        try reconcile()
        diskLow = freeBytes() < configuration.minFreeBytes
        if diskLow { alarm(diskLowMessage) }
    }

    deinit { for slot in slots { slot.buffer.deallocate() } }

    /// Starts the writer thread.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard writer == nil else { return }
        stopping = false
        let thread = Thread { [self] in writeLoop(); writerDone.signal() }
        thread.name = "loupe-archive"
        writer = thread
        thread.start()
    }

    /// Writes what is queued, then stops the writer.
    public func stop() {
        condition.lock()
        guard writer != nil else { return condition.unlock() }
        stopping = true
        condition.broadcast()
        condition.unlock()
        writerDone.wait()
        condition.lock()
        writer = nil
        condition.unlock()
    }

    /// Hands `input` (the network input, `spec`'s layout) over for archiving as `<day>/<name>.png`.
    /// - Returns: the reference the result should carry, or nil when the image is not kept (no
    ///   free slot: the writer is behind; or the disk is low). An alarm says which.
    public func submit(_ input: UnsafePointer<Float>, spec: InputSpec, name: String) -> String? {
        let count = spec.channels * spec.height * spec.width
        condition.lock()
        defer { condition.unlock() }
        guard !diskLow, writer != nil, !stopping, let index = slots.firstIndex(where: { !$0.busy }), slots[index].capacity >= count else {
            notKept += 1
            if !diskLow && !behindAlarmRaised {
                behindAlarmRaised = true
                alarm("archive: image \(name) not kept: the archive writer is behind (images are dropped until it catches up)")
            }
            return nil
        }
        behindAlarmRaised = false
        slots[index].buffer.update(from: input, count: count)
        let ref = Self.dayFolder(WallClock.seconds()) + "/" + name + ".png"
        slots[index].spec = spec
        slots[index].ref = ref
        slots[index].busy = true
        queue[(queueHead + queueCount) % queue.count] = index
        queueCount += 1
        condition.signal()
        return ref
    }

    /// The file behind a reference, if it is in the archive (refuses anything outside it).
    public func path(of ref: String) -> String? {
        let parts = ref.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") }), ref.hasSuffix(".png") else { return nil }
        let path = configuration.folder + "/" + ref
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Bytes the archive holds.
    public var bytes: Int64 {
        condition.lock()
        defer { condition.unlock() }
        return totalBytes
    }

    // MARK: Writer thread

    private func writeLoop() {
        while true {
            condition.lock()
            while queueCount == 0 && !stopping { condition.wait() }
            if queueCount == 0 { return condition.unlock() }
            let index = queue[queueHead]
            let slot = slots[index]
            condition.unlock()
            write(slot)
            condition.lock()
            queueHead = (queueHead + 1) % queue.count
            queueCount -= 1
            slots[index].busy = false
            condition.unlock()
            enforceLimits()
        }
    }

    private func write(_ slot: Slot) {
        let path = configuration.folder + "/" + slot.ref
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try ImageEncoder.writePNG(try NetworkInputImage.image(slot.buffer, spec: slot.spec!, name: path), to: path, compressionLevel: 3)
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int64) ?? 0
            condition.lock()
            files.append(ArchiveRetention.File(ref: slot.ref, bytes: bytes, writtenAt: WallClock.seconds()))
            totalBytes += bytes
            written += 1
            condition.unlock()
        } catch {
            condition.lock()
            notKept += 1
            condition.unlock()
            alarm("archive: \(path) could not be written (\(error)); its result is marked expired")
            expire([slot.ref], afterFlush: true)
        }
    }

    /// Applies the retention rule and checks the disk's free space.
    private func enforceLimits() {
        condition.lock()
        let live = files[filesHead...]
        let count = ArchiveRetention.expiredCount(live, totalBytes: totalBytes, maxBytes: configuration.maxBytes,
                                                  maxAge: Double(configuration.maxDays) * 86_400, now: WallClock.seconds())
        let doomed = Array(live.prefix(count))
        filesHead += count
        if filesHead > 4096 && filesHead * 2 > files.count { files.removeFirst(filesHead); filesHead = 0 }
        let overLimit = totalBytes > configuration.maxBytes
        condition.unlock()
        if !doomed.isEmpty {
            var freed: Int64 = 0
            for file in doomed {
                unlink(configuration.folder + "/" + file.ref)
                freed += file.bytes
            }
            condition.lock()
            totalBytes -= freed
            deleted += doomed.count
            let alarmNow = overLimit && !limitAlarmRaised
            if overLimit { limitAlarmRaised = true }
            condition.unlock()
            if alarmNow {
                alarm(String(format: "archive: reached its limit of %.0f MB; the oldest images are deleted to stay under it (%d just now)",
                             Double(configuration.maxBytes) / 1_048_576, doomed.count))
            }
            expire(doomed.map(\.ref), afterFlush: false)
            removeEmptyDayFolders()
        }
        let free = freeBytes()
        condition.lock()
        if totalBytes < configuration.maxBytes * 9 / 10 { limitAlarmRaised = false }
        let wasLow = diskLow
        diskLow = free < configuration.minFreeBytes
        let nowLow = diskLow && !wasLow
        condition.unlock()
        if nowLow { alarm(diskLowMessage) }
    }

    private var diskLowMessage: String {
        String(format: "archive: the disk holding %@ has %.0f MB free, under archive.min_free_mb (%.0f MB); no image is kept until space returns",
               configuration.folder, Double(freeBytes()) / 1_048_576, Double(configuration.minFreeBytes) / 1_048_576)
    }

    private func expire(_ refs: [String], afterFlush: Bool) {
        do {
            // A result still in the group commit is written first, so the mark finds it.
            if afterFlush { try outbox.flush() }
            try outbox.markImagesExpired(refs)
        } catch {
            alarm("archive: could not mark \(refs.count) expired images in the outbox: \(error)")
        }
    }

    private func removeEmptyDayFolders() {
        guard let days = try? FileManager.default.contentsOfDirectory(atPath: configuration.folder) else { return }
        for day in days where (try? FileManager.default.contentsOfDirectory(atPath: configuration.folder + "/" + day))?.isEmpty == true {
            rmdir(configuration.folder + "/" + day)
        }
    }

    private func freeBytes() -> Int64 {
        var stats = statvfs()
        guard statvfs(configuration.folder, &stats) == 0 else { return 0 }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    // MARK: Start

    /// The PNG files in the day folders, oldest first.
    static func scan(_ folder: String) -> [ArchiveRetention.File] {
        let fm = FileManager.default
        var files: [ArchiveRetention.File] = []
        for day in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where !day.hasPrefix(".") {
            for name in (try? fm.contentsOfDirectory(atPath: folder + "/" + day)) ?? [] where name.hasSuffix(".png") {
                guard let attributes = try? fm.attributesOfItem(atPath: folder + "/" + day + "/" + name) else { continue }
                files.append(ArchiveRetention.File(ref: day + "/" + name, bytes: (attributes[.size] as? Int64) ?? 0,
                                                   writtenAt: (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0))
            }
        }
        return files.sorted { ($0.writtenAt, $0.ref) < ($1.writtenAt, $1.ref) }
    }

    /// Marks results whose image file is gone (deleted by hand, lost in a crash) as expired.
    private func reconcile() throws {
        let present = Set(files.map(\.ref))
        let missing = try outbox.liveImageRefs().filter { !present.contains($0) }
        if !missing.isEmpty {
            try outbox.markImagesExpired(missing)
            alarm("archive: \(missing.count) archived images were missing at start; their results are marked expired")
        }
    }

    /// `YYYY-MM-DD` of `time`, local date.
    static func dayFolder(_ time: Double) -> String {
        var seconds = time_t(time), local = tm()
        localtime_r(&seconds, &local)
        return String(format: "%04d-%02d-%02d", Int(local.tm_year) + 1900, Int(local.tm_mon) + 1, Int(local.tm_mday))
    }
}
