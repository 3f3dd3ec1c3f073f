import Foundation
import XCTest

/// The headless Chromium (Debian package) the real-browser tests use; skips the test when it is
/// not installed (`make test` installs it via scripts/install-deps.sh).
public func headlessChromium() throws -> String {
    for name in ["chromium", "chromium-browser"] {
        if let path = executableOnPath(name) { return path }
    }
    throw XCTSkip("chromium is not installed: run `scripts/install-deps.sh chromium` (make test does) for the real-browser tests")
}

/// Runs headless Chromium with its own profile folder and a virtual-time budget (milliseconds of
/// page time before it dumps or screenshots): (exit status, stdout, stderr). For static pages; a
/// page holding a live connection (server-sent events) never lets virtual time end, so the
/// station's dashboard is driven over the DevTools pipe instead (Peers/browser_check.py).
public func runHeadlessChromium(_ chromium: String, _ arguments: [String], profile: String, virtualTimeMs: Int = 5000) throws -> (Int32, Data, String) {
    try runProcess(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                              "--user-data-dir=\(profile)", "--virtual-time-budget=\(virtualTimeMs)"] + arguments, timeout: 120)
}

/// The `<body …>` tag of a DOM dump and its integer `data-` attributes.
public struct DumpedBody {
    public let tag: String

    public init?(dom: Data) {
        let page = String(decoding: dom, as: UTF8.self)
        guard let range = page.range(of: "<body[^>]*>", options: .regularExpression) else { return nil }
        tag = String(page[range])
    }

    public func attribute(_ name: String) -> Int? {
        guard let range = tag.range(of: "\(name)=\"[0-9]+\"", options: .regularExpression) else { return nil }
        return Int(tag[range].dropFirst(name.count + 2).dropLast())
    }
}
