import Foundation
import XCTest

/// The repository root (this file is Tests/Support/TestSupport/Files.swift).
public let repositoryRoot: String = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// A new empty directory under the system temp folder, named after `tag`.
public func makeTemporaryDirectory(_ tag: String) throws -> String {
    let path = NSTemporaryDirectory() + "loupe-\(tag)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A new empty directory that is removed when `test` ends.
public func makeTemporaryDirectory(_ test: XCTestCase, _ tag: String = "test") throws -> String {
    let path = try makeTemporaryDirectory(tag)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

public func writeFile(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
