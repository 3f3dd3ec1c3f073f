/// The archive's retention rule, as a pure function of what the archive holds: images older
/// than the day limit go, then the oldest go until the rest fit the byte limit. Oldest first.
public enum ArchiveRetention {
    /// One archived image.
    public struct File: Equatable, Sendable {
        /// Relative to the archive folder: `day/name.png`.
        public var ref: String
        public var bytes: Int64
        /// Wall-clock seconds it was written.
        public var writtenAt: Double

        public init(ref: String, bytes: Int64, writtenAt: Double) {
            self.ref = ref
            self.bytes = bytes
            self.writtenAt = writtenAt
        }
    }

    /// How many of `files` (oldest first) must be deleted at `now`.
    /// - Parameters:
    ///   - files: every archived image, oldest first.
    ///   - maxBytes: the most the archive may hold.
    ///   - maxAge: the oldest an image may be, seconds.
    public static func expiredCount(_ files: some Collection<File>, totalBytes: Int64, maxBytes: Int64, maxAge: Double, now: Double) -> Int {
        var count = 0, remaining = totalBytes
        for file in files {
            guard now - file.writtenAt > maxAge || remaining > maxBytes else { break }
            remaining -= file.bytes
            count += 1
        }
        return count
    }
}
