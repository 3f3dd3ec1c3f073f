import CLoupeSystem
#if canImport(Glibc)
import Glibc
#endif

/// Which instruction set the hot kernels run on: the GEMM and weight-gradient register tiles
/// and the FMA-peak probe (LoupeKernels), and the frame conversion (LoupeCapture). Every build
/// carries all three; the best one this CPU supports is chosen once at start-up from CPUID,
/// and `LOUPE_KERNELS=portable|avx2|avx512` forces one (for tests, benchmarks and checking a
/// fleet's slowest CPU on a fast one).
///
/// `allCases` is the one list of variants: the tests run each supported one against the scalar
/// twins, and the benchmarks report and time each. docs/kernels.md explains the tiles.
public enum KernelVariant: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Swift SIMD code compiled for the build's target CPU (the fallback and the only variant on
    /// CPUs without AVX2; the scalar twins remain the oracle for all three).
    case portable
    /// AVX2 + FMA (C with target attributes): 16 ymm registers; the GEMM's 8x32 tile in three
    /// register blocks (6x16, 6x16, 2x32).
    case avx2
    /// AVX-512 F (C with target attributes): 32 zmm registers; the whole 8x32 tile in 16 accumulators.
    case avx512

    /// Whether this CPU can run the variant.
    public var isSupported: Bool {
        switch self {
        case .portable: return true
        case .avx2: return KernelVariant.cpuHasAVX2FMA
        case .avx512: return KernelVariant.cpuHasAVX512
        }
    }

    /// The fastest variant this CPU supports.
    public static var best: KernelVariant { cpuHasAVX512 ? .avx512 : (cpuHasAVX2FMA ? .avx2 : .portable) }

    /// The variants this CPU can run, fastest last.
    public static var supported: [KernelVariant] { allCases.filter(\.isSupported) }

    /// The variant in use: `LOUPE_KERNELS` if set, else ``best``. Stops the process with a
    /// message naming the variable if it names an unknown variant or one this CPU lacks
    /// (running on would die of an illegal instruction later, with no hint why).
    public static var active: KernelVariant {
        get { selected }
        set {
            precondition(newValue.isSupported, "KernelVariant: \(newValue) is not supported by this CPU")
            selected = newValue
        }
    }

    /// Runs `body` with `variant` active, then restores the previous one (tests and benchmarks;
    /// not while other threads run kernels).
    public static func withActive<T>(_ variant: KernelVariant, _ body: () throws -> T) rethrows -> T {
        let previous = active
        active = variant
        defer { active = previous }
        return try body()
    }

    /// Resolves a `LOUPE_KERNELS` value; nil means "not set".
    public static func resolve(environment value: String?) -> Result<KernelVariant, KernelVariantError> {
        guard let value, !value.isEmpty else { return .success(best) }
        guard let variant = KernelVariant(rawValue: value.lowercased()) else {
            return .failure(KernelVariantError(message: "LOUPE_KERNELS=\(value) is not a kernel variant; use one of: \(allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        guard variant.isSupported else {
            return .failure(KernelVariantError(message: "LOUPE_KERNELS=\(value), but this CPU lacks \(variant.instructionSet); it supports: \(supported.map(\.rawValue).joined(separator: ", "))"))
        }
        return .success(variant)
    }

    /// E.g. "avx2 (AVX2+FMA, 8x32 tile as 6x16+6x16+2x32 ymm blocks)".
    public var description: String { "\(rawValue) (\(instructionSet), \(tile))" }

    public var instructionSet: String {
        switch self {
        case .portable: return "Swift SIMD for the build's target CPU"
        case .avx2: return "AVX2+FMA"
        case .avx512: return "AVX-512"
        }
    }

    /// How the variant lays out the GEMM's 8x32 register tile.
    public var tile: String {
        switch self {
        case .portable: return "8x32 tile of SIMD16"
        case .avx2: return "8x32 tile as 6x16+6x16+2x32 ymm blocks"
        case .avx512: return "8x32 tile in 16 zmm"
        }
    }

    static let cpuHasAVX2FMA = loupe_cpu_has_avx2_fma() != 0
    static let cpuHasAVX512 = loupe_cpu_has_avx512() != 0

    nonisolated(unsafe) private static var selected: KernelVariant = {
        switch resolve(environment: getenv("LOUPE_KERNELS").map { String(cString: $0) }) {
        case .success(let variant): return variant
        case .failure(let error):
            fputs("loupe: \(error.message)\n", stderr)
            exit(2)
        }
    }()
}

public struct KernelVariantError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
