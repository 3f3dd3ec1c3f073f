import LoupeTensor

extension Image {
    /// Writes the image as normalised float CHW planes for a network, without allocating.
    ///
    /// Samples are scaled to [0, 1] (÷255 or ÷65535), converted to the requested channel
    /// count — gray → RGB repeats the gray plane, RGB → gray uses
    /// ``ImageKernels/lumaWeights`` — then each plane `c` becomes `(x - mean[c]) / std[c]`.
    /// An alpha channel is dropped.
    ///
    /// - Parameters:
    ///   - destination: Receives `channels` planes of `height * width` floats, `(C, H, W)`.
    ///   - capacity: Floats available at `destination`; at least `channels * height * width`.
    ///   - channels: 1 (gray network) or 3 (RGB network).
    ///   - normalization: `channels` means and non-zero stds.
    ///   - name: Image name for error messages.
    /// - Throws: ``ImagingError/wrongSize(name:operation:received:expected:)`` if any of the above is off.
    public func writeNetworkInput(into destination: UnsafeMutablePointer<Float>, capacity: Int, channels: Int,
                                  normalization: NormalizationParameters, name: String = "image") throws {
        let operation = "conversion to network input"
        guard channels == 1 || channels == 3 else {
            throw ImagingError.wrongSize(name: name, operation: operation, received: "\(channels) channels requested",
                                         expected: "1 (gray) or 3 (RGB)")
        }
        guard normalization.mean.count == channels, normalization.std.count == channels,
              normalization.std.allSatisfy({ $0 != 0 && $0.isFinite }) else {
            throw ImagingError.wrongSize(name: name, operation: operation,
                                         received: "mean \(normalization.mean), std \(normalization.std)",
                                         expected: "\(channels) means and \(channels) finite non-zero stds")
        }
        let pixelCount = width * height
        guard capacity >= channels * pixelCount else {
            throw ImagingError.wrongSize(name: name, operation: operation, received: "a buffer of \(capacity) floats",
                                         expected: "at least \(channels)x\(height)x\(width) = \(channels * pixelCount) floats")
        }
        switch samples {
        case .eightBit(let values):
            values.withUnsafeBufferPointer { source in
                writePlanes(source.baseAddress!, scale: 1 / 255, into: destination, channels: channels, normalization: normalization,
                            luma: ImageKernels.lumaPlaneFromInterleaved(_:pixelCount:stride:destination:scale:mean:std:),
                            plane: ImageKernels.planeFromInterleaved(_:pixelCount:stride:channel:destination:scale:mean:std:))
            }
        case .sixteenBit(let values):
            values.withUnsafeBufferPointer { source in
                writePlanes(source.baseAddress!, scale: 1 / 65535, into: destination, channels: channels, normalization: normalization,
                            luma: ImageKernels.lumaPlaneFromInterleaved(_:pixelCount:stride:destination:scale:mean:std:),
                            plane: ImageKernels.planeFromInterleaved(_:pixelCount:stride:channel:destination:scale:mean:std:))
            }
        }
    }

    /// Allocating convenience: the network input as a `[1, channels, height, width]` tensor.
    ///
    /// - Throws: as ``writeNetworkInput(into:capacity:channels:normalization:name:)``.
    public func networkInput(channels: Int, normalization: NormalizationParameters, name: String = "image") throws -> Tensor {
        let tensor = Tensor(shape: [1, channels, height, width])
        try writeNetworkInput(into: tensor.pointer, capacity: tensor.count, channels: channels,
                              normalization: normalization, name: name)
        return tensor
    }

    /// One normalised float plane per output channel from interleaved 8- or 16-bit samples: gray
    /// from colour by luma weights, otherwise channel by channel (gray replicated). The two
    /// kernels are passed in so one loop serves both sample types.
    private func writePlanes<Sample>(
        _ source: UnsafePointer<Sample>, scale: Float, into destination: UnsafeMutablePointer<Float>,
        channels outputChannels: Int, normalization: NormalizationParameters,
        luma: (UnsafePointer<Sample>, Int, Int, UnsafeMutablePointer<Float>, Float, Float, Float) -> Void,
        plane: (UnsafePointer<Sample>, Int, Int, Int, UnsafeMutablePointer<Float>, Float, Float, Float) -> Void
    ) {
        let pixelCount = width * height
        for index in 0..<outputChannels {
            let output = destination + index * pixelCount
            let mean = normalization.mean[index], std = normalization.std[index]
            if outputChannels == 1 && channels >= 3 {
                luma(source, pixelCount, channels, output, scale, mean, std)
            } else {
                plane(source, pixelCount, channels, channels == 1 ? 0 : index, output, scale, mean, std)
            }
        }
    }
}
