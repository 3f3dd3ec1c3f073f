import Foundation
import XCTest

/// One HTTP request with curl, the client the station tests talk to its API with: (HTTP status,
/// body). `token` goes as a bearer token; `json` as the body with its content type. A curl that
/// fails to run the request fails the test.
public func curl(_ method: String, _ url: String, token: String? = nil, json: String? = nil, timeout: Int = 20,
                 file: StaticString = #filePath, line: UInt = #line) throws -> (Int, String) {
    var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "\(timeout)", "-X", method, url]
    if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
    if let json { arguments += ["-H", "Content-Type: application/json", "--data", json] }
    let (status, out, err) = try runProcess("/usr/bin/curl", arguments)
    XCTAssertEqual(status, 0, err, file: file, line: line)
    let text = String(decoding: out, as: UTF8.self)
    let cut = text.lastIndex(of: "\n") ?? text.startIndex
    return (Int(text[text.index(after: cut)...]) ?? 0, String(text[..<cut]))
}
