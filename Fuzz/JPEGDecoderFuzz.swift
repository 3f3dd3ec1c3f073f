// libFuzzer entry point for the JPEG path: libjpeg-turbo shim → Swift decoder →
// network-input conversion and resize. Compiled into the LoupeImaging module by
// Fuzz/run.sh. A thrown ImagingError is a pass; a crash, ASan report, hang or leak is a finding.

/// Small enough that one input decodes in milliseconds; still covers the too-large path.
private let fuzzMaxPixels = 1 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let image = try? JPEGDecoder.decode(bytes, name: "fuzz.jpg", maxPixels: fuzzMaxPixels) else { return 0 }
    FuzzChecks.exercise(image)
    return 0
}
