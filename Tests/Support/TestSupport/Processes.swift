import Foundation
import XCTest

/// Peers are required in CI (`CI=true`): a missing broker, venv or browser fails loudly
/// there, and skips elsewhere.
public func requirePeer<T>(_ make: () throws -> T) throws -> T {
    do { return try make() } catch let e as PeerError {
        if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("\(e) — `make test` must install it"); throw e }
        throw XCTSkip("\(e)")
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass; returns the last answer.
public func waitUntil(_ timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let until = MonotonicClock.seconds() + timeout
    while MonotonicClock.seconds() < until { if try condition() { return true }; usleep(10_000) }
    return try condition()
}

/// Runs `executable` with `arguments`, feeding `input`; returns (exit status, stdout, stderr).
/// Terminates the process after `timeout` seconds. Stderr goes through a temporary file, so a
/// chatty child cannot block on a full pipe while we read stdout.
public func runProcess(_ executable: String, _ arguments: [String], input: Data? = nil,
                       timeout: TimeInterval = 120) throws -> (Int32, Data, String) {
    let errorPath = NSTemporaryDirectory() + "loupe-stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe(), stdin = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    process.standardInput = stdin
    try process.run()
    let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    if let input { stdin.fileHandleForWriting.write(input) }
    try stdin.fileHandleForWriting.close()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
    return (process.terminationStatus, outputData, errors)
}

/// The first executable named `name` on $PATH.
public func executableOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// An executable of this package built beside the test bundle (`swift build --build-tests`
/// builds them all), or the path in the environment variable `override`; nil if neither.
public func builtExecutable(_ name: String, override: String) -> String? {
    if let path = ProcessInfo.processInfo.environment[override] { return path }
    var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}
