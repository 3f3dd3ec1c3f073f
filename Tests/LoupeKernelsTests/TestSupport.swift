import XCTest

/// SplitMix64: a tiny seeded generator so every test sees the same data on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in nextFloat() } }
}

/// 64-byte aligned float buffer for kernels that ask for aligned scratch.
final class AlignedBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    init(count: Int, fill: Float = .nan) {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: fill, count: max(count, 1))
    }
    deinit { pointer.deallocate() }
}

/// Asserts `|a - b| <= atol + rtol * |b|` elementwise (b is the reference) and reports the worst element.
func assertClose(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-4, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "count mismatch " + message(), file: file, line: line)
    var worst = -1
    var worstExcess: Float = 0
    for i in 0..<min(a.count, b.count) {
        let excess = abs(a[i] - b[i]) - (atol + rtol * abs(b[i]))
        if !(excess <= 0) && (worst < 0 || !(excess <= worstExcess)) {
            worst = i
            worstExcess = excess
        }
    }
    if worst >= 0 {
        XCTFail("mismatch at \(worst): got \(a[worst]) expected \(b[worst]) (atol \(atol), rtol \(rtol)) " + message(),
                file: file, line: line)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Bytes glibc malloc has handed out and not freed (`uordblks + hblkhd` of `mallinfo2()`), or -1.
///
/// `<malloc.h>` is not in Swift's Glibc module, so mallinfo2 is looked up with dlsym. On x86-64
/// SysV a function returning a 10-word struct takes a hidden result pointer in rdi, which is
/// exactly `void f(struct mallinfo2 *)`: that is the signature it is called through.
func heapBytesInUse() -> Int {
    #if canImport(Glibc) && arch(x86_64)
    typealias MallInfo2 = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer?
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallinfo2") else { return -1 }
    let fn = unsafeBitCast(symbol, to: MallInfo2.self)
    var info = [Int](repeating: 0, count: 10)  // arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost
    info.withUnsafeMutableBytes { _ = fn($0.baseAddress!) }
    return info[7] + info[4]
    #else
    return -1
    #endif
}
