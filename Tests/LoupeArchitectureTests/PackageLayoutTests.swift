import Foundation
import LoupeTestSupport
import XCTest

/// The package reads like its architecture: the module-graph comment at the top of
/// Package.swift names every target, every source folder is a target, and no work-item
/// markers are left in the code, the Makefile or the scripts.
final class PackageLayoutTests: XCTestCase {
    private func packageText() throws -> String {
        try String(contentsOfFile: repositoryRoot + "/Package.swift", encoding: .utf8)
    }

    /// Target names declared with `name: "…"` in a `.target`, `.executableTarget`,
    /// `.testTarget` or `.systemLibrary` call.
    private func declaredTargets(_ text: String) throws -> [String] {
        let pattern = try NSRegularExpression(pattern: #"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)""#)
        let range = NSRange(text.startIndex..., in: text)
        return pattern.matches(in: text, range: range).map { String(text[Range($0.range(at: 2), in: text)!]) }
    }

    func testModuleGraphCommentNamesEveryTarget() throws {
        let text = try packageText()
        let header = text.components(separatedBy: "\n").prefix { $0.hasPrefix("//") }.joined(separator: "\n")
        let targets = try declaredTargets(text)
        XCTAssertGreaterThan(targets.count, 20, "found too few targets in Package.swift: \(targets)")
        // Test targets are listed by what they test; the product targets, test support and
        // executables must appear in the graph itself.
        let executableNames = ["LoupeBench": "loupe-bench"]
        for target in targets where !target.hasSuffix("Tests") {
            let shown = executableNames[target] ?? target
            XCTAssertTrue(header.range(of: "\\b\(NSRegularExpression.escapedPattern(for: shown))\\b", options: .regularExpression) != nil,
                          "target \(target) is not in the module-graph comment of Package.swift")
        }
    }

    func testEverySourceFolderIsATarget() throws {
        let targets = Set(try declaredTargets(try packageText()))
        for folder in ["Sources", "Tests"] {
            let entries = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/" + folder)
            for entry in entries where folder == "Sources" || entry.hasSuffix("Tests") {
                XCTAssertTrue(targets.contains(entry), "\(folder)/\(entry) is not a target in Package.swift")
            }
        }
    }

    /// Code speaks of the product: no "issue-N" (or similar work-item) markers anywhere it lives.
    func testNoWorkItemMarkers() throws {
        let pattern = try NSRegularExpression(pattern: "issue-[0-9]", options: .caseInsensitive)
        var offenders: [String] = []
        let roots = ["Package.swift", "Makefile", "Sources", "Tests", "Benchmarks", "scripts"]
        for root in roots {
            let path = repositoryRoot + "/" + root
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let files = isDirectory.boolValue
                ? (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String }.map { path + "/" + $0 } ?? [])
                : [path]
            for file in files where !file.contains("/results/") && !file.hasSuffix(".bin") && !file.hasSuffix(".onnx") {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
                if pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil { offenders.append(file) }
            }
        }
        XCTAssertEqual(offenders, [], "work-item markers left in: \(offenders)")
    }

    /// No committed file over 5 MB (the repository carries code, docs, small models and samples;
    /// data sets and results stay outside). Reads the files git tracks, when git is there.
    func testNoTrackedFileIsOver5MB() throws {
        guard let git = executableOnPath("git") else { throw XCTSkip("git is not installed") }
        let (status, out, errors) = try runProcess(git, ["-C", repositoryRoot, "ls-files", "-z"])
        guard status == 0 else { throw XCTSkip("not a git checkout: \(errors)") }
        let files = out.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        XCTAssertGreaterThan(files.count, 100)
        let large = files.filter { file in
            ((try? FileManager.default.attributesOfItem(atPath: repositoryRoot + "/" + file))?[.size] as? Int ?? 0) > 5 << 20
        }
        XCTAssertEqual(large, [], "files over 5 MB")
    }
}
