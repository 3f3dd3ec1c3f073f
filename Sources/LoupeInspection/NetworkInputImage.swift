import LoupeImaging
import LoupeModel

/// The picture a network input shows: `(C, H, W)` floats normalised as an ``InputSpec`` says,
/// turned back into an 8-bit gray or RGB ``Image`` (the station's "last image", its archive).
public enum NetworkInputImage {
    /// Undoes the normalisation (`x * std + mean`, then × 255) and clamps to 0…255.
    /// - Throws: ``ImagingError`` if the spec has neither 1 nor 3 channels.
    public static func image(_ input: UnsafePointer<Float>, spec: InputSpec, name: String = "network input") throws -> Image {
        let plane = spec.height * spec.width
        var pixels = [UInt8](repeating: 0, count: plane * spec.channels)
        for c in 0..<spec.channels {
            let mean = spec.mean[c], std = spec.std[c]
            for i in 0..<plane {
                let v = (input[c * plane + i] * std + mean) * 255
                pixels[i * spec.channels + c] = UInt8(max(0, min(255, v.isFinite ? v.rounded() : 0)))
            }
        }
        return try Image(width: spec.width, height: spec.height, channels: spec.channels, pixels: pixels, name: name)
    }
}
