import Foundation
import LoupeInspection
import LoupeTensor
import LoupeTestSupport
import XCTest

/// One binary on every kind of x86-64: the same `loupe` executable, forced to each kernel
/// variant with `LOUPE_KERNELS`, gives the same verdicts on the bundled samples, and a variant
/// the CPU lacks is refused at start with the reason instead of dying of an illegal instruction.
final class KernelVariantPortabilityTests: XCTestCase {
    struct Report: Decodable { var results: [Inspection] }

    func loupe() throws -> String {
        if let path = builtExecutable("loupe", override: "LOUPE_CLI") { return path }
        throw XCTSkip("no loupe executable beside the test bundle: build with `swift build --build-tests` (scripts/test.sh does)")
    }

    func run(_ variant: String, _ arguments: [String]) throws -> (Int32, Data, String) {
        try runProcess("/usr/bin/env", ["LOUPE_KERNELS=\(variant)", try loupe()] + arguments)
    }

    func testEveryVariantGivesTheSameVerdictsAndTheOthersAreRefused() throws {
        let folder = repositoryRoot + "/Images/samples", model = repositoryRoot + "/Models/demo"
        let samples = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".png") }.sorted().map { folder + "/" + $0 }
        var reports: [(KernelVariant, [Inspection])] = []
        for variant in KernelVariant.allCases {
            let (status, output, errors) = try run(variant.rawValue, ["predict"] + samples + ["-m", model, "--json"])
            guard variant.isSupported else {
                XCTAssertEqual(status, 2, "LOUPE_KERNELS=\(variant.rawValue) on a CPU without it: \(errors)")
                XCTAssertTrue(errors.contains("LOUPE_KERNELS=\(variant.rawValue), but this CPU lacks"), errors)
                print("kernel variant \(variant.rawValue) refused as expected: \(CPUDescription.current.summary) lacks \(variant.instructionSet)")
                continue
            }
            XCTAssertEqual(status, 0, "\(variant.rawValue): \(errors)")
            let results = try JSONDecoder().decode(Report.self, from: output).results
            XCTAssertEqual(results.count, samples.count, variant.rawValue)
            reports.append((variant, results))
        }
        let (firstVariant, first) = try XCTUnwrap(reports.first)
        for (variant, results) in reports.dropFirst() {
            for (a, b) in zip(first, results) {
                XCTAssertEqual(a.source, b.source)
                XCTAssertEqual(a.verdict, b.verdict, "\(a.source): \(firstVariant.rawValue) and \(variant.rawValue) disagree")
                XCTAssertEqual(a.defectScore, b.defectScore, accuracy: 1e-4, "\(a.source): \(firstVariant.rawValue) vs \(variant.rawValue)")
            }
        }
    }

    func testUnknownVariantIsRefusedWithTheChoices() throws {
        let (status, _, errors) = try run("sse9", ["model", "info", repositoryRoot + "/Models/demo"])
        XCTAssertEqual(status, 2)
        XCTAssertTrue(errors.contains("LOUPE_KERNELS=sse9 is not a kernel variant; use one of: portable, avx2, avx512"), errors)
    }

    func testModelInfoNamesTheVariantAndTheCPU() throws {
        let (status, output, errors) = try run("portable", ["model", "info", repositoryRoot + "/Models/demo"])
        XCTAssertEqual(status, 0, errors)
        let text = String(decoding: output, as: UTF8.self)
        XCTAssertTrue(text.contains("kernel variant portable"), text)
        XCTAssertTrue(text.contains("(forced by LOUPE_KERNELS)"), text)
        XCTAssertTrue(text.contains(CPUDescription.current.modelName), text)
    }
}
