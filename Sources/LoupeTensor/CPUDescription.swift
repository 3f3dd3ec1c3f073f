import Foundation

/// The CPU a benchmark ran on, as /proc/cpuinfo describes it: results from different machines
/// are not comparable, and a virtual machine often names its CPU only "AMD EPYC", so the family,
/// model and stepping numbers, the micro-architecture they identify and the widest vector ISA
/// are recorded beside every figure.
public struct CPUDescription: Sendable, Equatable {
    public var modelName: String
    public var family: Int?
    public var model: Int?
    public var stepping: Int?
    /// "AVX-512", "AVX2+FMA" or "no AVX2".
    public var isa: String

    /// The CPU of this machine (the first processor listed).
    public static var current: CPUDescription { CPUDescription(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "") }

    public init(cpuinfo: String) {
        let lines = cpuinfo.split(separator: "\n")
        func field(_ name: String) -> String? {
            lines.first { $0.split(separator: ":", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces) == name }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        modelName = field("model name") ?? "unknown"
        family = field("cpu family").flatMap { Int($0) }
        model = field("model").flatMap { Int($0) }
        stepping = field("stepping").flatMap { Int($0) }
        let flags = Set((field("flags") ?? "").split(separator: " "))
        isa = flags.contains("avx512f") ? "AVX-512" : (flags.contains("avx2") && flags.contains("fma") ? "AVX2+FMA" : "no AVX2")
    }

    /// AMD's Zen generation from family and model, where the numbers say it.
    public var microarchitecture: String? {
        guard modelName.hasPrefix("AMD"), let family, let model else { return nil }
        switch (family, model) {
        case (23, 0x00...0x2F): return "Zen/Zen+"
        case (23, 0x30...0xFF): return "Zen 2"
        case (25, 0x00...0x0F), (25, 0x20...0x5F): return "Zen 3"
        case (25, 0x10...0x1F), (25, 0x60...0xAF): return "Zen 4"
        case (26, _): return "Zen 5"
        default: return nil
        }
    }

    /// E.g. "AMD EPYC (family 25 model 17 stepping 1: Zen 4; AVX-512)".
    public var summary: String {
        let numbers = [family.map { "family \($0)" }, model.map { "model \($0)" }, stepping.map { "stepping \($0)" }].compactMap { $0 }.joined(separator: " ")
        let detail = [numbers.isEmpty ? nil : numbers + (microarchitecture.map { ": \($0)" } ?? ""), isa].compactMap { $0 }.joined(separator: "; ")
        return "\(modelName) (\(detail))"
    }

    /// The fields for a benchmark's JSON.
    public var json: [String: Any] {
        ["model_name": modelName, "family": family as Any, "model": model as Any, "stepping": stepping as Any,
         "microarchitecture": microarchitecture as Any, "isa": isa, "summary": summary]
    }
}
