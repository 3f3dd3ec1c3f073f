// loupe-capture-bench: per-frame cost of turning a raw frame buffer into network input
// (ROI + bilinear resize to 300x300 + colour conversion + normalise, FrameConverter's SIMD
// path) beside a plain memcpy of the same frame — the floor any consumer of the frame pays.
// Usage: loupe-capture-bench [OUTPUT.json] [ITERATIONS]   (run by Benchmarks/bench-capture.sh)
import Foundation
import LoupeCapture
import LoupeImaging
import LoupeTensor

let arguments = CommandLine.arguments
let outputPath = arguments.count > 1 ? arguments[1] : "Benchmarks/results/capture.json"
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 300 : 300

/// Median of `iterations` timed runs of `body`, in microseconds, after a warm-up.
func medianMicroseconds(_ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<max(10, iterations / 10) { try body() }
    var samples: [Double] = []
    samples.reserveCapacity(iterations)
    for _ in 0..<iterations {
        let start = MonotonicClock.seconds()
        try body()
        samples.append((MonotonicClock.seconds() - start) * 1e6)
    }
    samples.sort()
    return samples[samples.count / 2]
}

struct Case { var format: PixelFormat; var width: Int; var height: Int; var channels: Int }
let cases = [Case(format: .grey, width: 640, height: 480, channels: 1), Case(format: .yuyv, width: 640, height: 480, channels: 1),
             Case(format: .yuyv, width: 640, height: 480, channels: 3), Case(format: .grey, width: 1920, height: 1080, channels: 1),
             Case(format: .yuyv, width: 1920, height: 1080, channels: 1), Case(format: .yuyv, width: 1920, height: 1080, channels: 3)]

var rows: [String] = []
var worst = 0.0
// The one list of kernel variants: the active one (the best this CPU runs, or LOUPE_KERNELS) is
// the headline; every supported one is timed beside it.
let active = KernelVariant.active
let variants = KernelVariant.supported
let cpu = CPUDescription.current.summary
print("CPU: \(cpu); kernel variant: \(active)")
print("format  size        out      convert µs   memcpy µs   ratio   " + variants.map { "\($0.rawValue) µs".padding(toLength: 13, withPad: " ", startingAt: 0) }.joined())
for c in cases {
    let format = FrameFormat(pixelFormat: c.format, width: c.width, height: c.height)
    let bytes = format.imageSize
    // Page-aligned like a driver's mmap'd buffer, filled with a seeded pattern.
    let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 4096)
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 4096)
    var state: UInt32 = 12345
    for i in 0..<bytes { state = state &* 1_664_525 &+ 1_013_904_223; frame[i] = UInt8(truncatingIfNeeded: state >> 24) }
    copy.initializeMemory(as: UInt8.self, repeating: 0)
    // A centred square region of interest (the part under inspection), resized to 300x300.
    let side = c.height
    let region = PixelRegion(x: (c.width - side) / 2, y: 0, width: side, height: side)
    let normalization: NormalizationParameters = c.channels == 1 ? NormalizationParameters(mean: [0.5], std: [0.25]) : .imageNet
    let converter = try FrameConverter(format: format, region: region, outputWidth: 300, outputHeight: 300,
                                       channels: c.channels, normalization: normalization)
    let output = UnsafeMutablePointer<Float>.allocate(capacity: converter.outputCount)
    let source = UnsafeRawBufferPointer(frame)
    var byVariant: [KernelVariant: Double] = [:]
    for variant in variants {
        converter.kernelVariant = variant
        byVariant[variant] = try medianMicroseconds { try converter.convert(source, into: output, capacity: converter.outputCount) }
    }
    let convert = byVariant[active]!
    let memcpyTime = medianMicroseconds { memcpy(copy.baseAddress!, frame.baseAddress!, bytes) }
    let ratio = convert / memcpyTime
    worst = max(worst, ratio)
    let out = c.channels == 1 ? "300x300x1" : "300x300x3"
    print("\(c.format)    \("\(c.width)x\(c.height)".padding(toLength: 10, withPad: " ", startingAt: 0))  \(out)  "
          + "\(String(format: "%10.1f", convert))  \(String(format: "%10.1f", memcpyTime))  \(String(format: "%6.2f", ratio))  "
          + variants.map { String(format: "%10.1f   ", byVariant[$0]!) }.joined())
    rows.append("""
        {"format": "\(c.format)", "width": \(c.width), "height": \(c.height), "frame_bytes": \(bytes), \
    "roi": "\(region.width)x\(region.height)+\(region.x)+\(region.y)", "output": "\(out)", \
    "convert_us": \(String(format: "%.2f", convert)), \
    "convert_us_by_variant": {\(variants.map { "\"\($0.rawValue)\": \(String(format: "%.2f", byVariant[$0]!))" }.joined(separator: ", "))}, "memcpy_us": \(String(format: "%.2f", memcpyTime)), \
    "ratio_to_memcpy": \(String(format: "%.3f", ratio))}
    """)
    frame.deallocate(); copy.deallocate(); output.deallocate()
}
let json = """
{
  "benchmark": "frame buffer -> network input (ROI + bilinear resize to 300x300 + normalise), FrameConverter SIMD path, vs memcpy of the same frame",
  "iterations": \(iterations),
  "statistic": "median per-frame microseconds, single thread; memcpy is cache-hot (same buffer each run), as is the frame the conversion reads",
  "kernel_variant": "\(active.rawValue)",
  "cpu_model": "\(cpu)",
  "target_ratio": 3.0,
  "worst_ratio_to_memcpy": \(String(format: "%.3f", worst)),
  "cases": [
\(rows.joined(separator: ",\n"))
  ]
}

"""
guard let file = fopen(outputPath, "w") else { fatalError("cannot write \(outputPath): errno \(errno)") }
fputs(json, file)
fclose(file)
print("worst ratio to memcpy \(String(format: "%.2f", worst)) (target 3.0); wrote \(outputPath)")
