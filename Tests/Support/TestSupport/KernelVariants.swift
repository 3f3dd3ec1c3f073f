import LoupeKernels
import LoupeTensor

/// Runs `body` once under every ``KernelVariant`` this CPU supports (the variant active during
/// each call), so a kernel test checks every per-ISA tile against its scalar twin. Variants the
/// CPU lacks are named on standard output as skipped, with the CPU that lacks them.
public func forEachKernelVariant(_ body: (KernelVariant) throws -> Void) rethrows {
    for variant in KernelVariant.allCases {
        guard variant.isSupported else {
            print("skipped kernel variant \(variant.rawValue): \(CPUDescription.current.summary) lacks \(variant.instructionSet)")
            continue
        }
        try KernelVariant.withActive(variant) { try body(variant) }
    }
}
