// Shared by both fuzz targets: checks a decoded image is self-consistent and pushes it
// through the float conversion and resize kernels, so fuzzed shapes reach them too.
import LoupeTensor

enum FuzzChecks {
    static func exercise(_ image: Image) {
        precondition(image.width > 0 && image.height > 0 && [1, 3, 4].contains(image.channels),
                     "decoder returned an impossible image \(image.width)x\(image.height)x\(image.channels)")
        precondition(image.samples.count == image.width * image.height * image.channels, "sample count mismatch")
        guard image.width * image.height <= 1 << 16 else { return }
        for channels in [1, 3] {
            guard let planes = try? image.networkInput(channels: channels, normalization: .unit(channels: channels)) else {
                preconditionFailure("network input failed for a valid image")
            }
            _ = try? ImageTransforms.resized(planes, width: 7, height: 5)
        }
    }
}
