import LoupeTensor

/// The validating layer over ``ImageKernels`` for tensors of planes: shapes are checked
/// once here and reported as ``ImagingError``; the kernels then only assert.
///
/// Accepted shapes: `[C, H, W]` or `[1, C, H, W]`; results keep the input's rank.
public enum ImageTransforms {
    /// Crops every plane of `planes` to `region`.
    ///
    /// - Throws: ``ImagingError/wrongSize(name:operation:received:expected:)`` if the
    ///   tensor is not CHW/NCHW with N = 1, or the region is empty or reaches outside.
    public static func crop(_ planes: Tensor, to region: PixelRegion, name: String = "image") throws -> Tensor {
        let (channels, height, width) = try planeShape(planes, name: name, operation: "crop")
        guard region.fits(width: width, height: height) else {
            throw ImagingError.wrongSize(name: name, operation: "crop", received: "region \(region)",
                                         expected: "a non-empty region inside the \(width)x\(height) image")
        }
        let output = Tensor(shape: outputShape(planes, channels: channels, height: region.height, width: region.width))
        ImageKernels.crop(source: planes.pointer, sourceWidth: width, sourceHeight: height, channels: channels,
                          destination: output.pointer, x: region.x, y: region.y, width: region.width, height: region.height)
        return output
    }

    /// Resizes `planes` into `destination` with bilinear half-pixel sampling, using a
    /// plan built once for this size pair (no allocation).
    ///
    /// - Throws: ``ImagingError/wrongSize(name:operation:received:expected:)`` if either
    ///   tensor's shape does not match `plan` or their channel counts differ.
    public static func resize(_ planes: Tensor, into destination: Tensor, plan: ResizePlan, name: String = "image") throws {
        let (channels, height, width) = try planeShape(planes, name: name, operation: "resize")
        let (outChannels, outHeight, outWidth) = try planeShape(destination, name: name, operation: "resize (destination)")
        guard width == plan.sourceWidth, height == plan.sourceHeight, outWidth == plan.destinationWidth,
              outHeight == plan.destinationHeight, channels == outChannels else {
            throw ImagingError.wrongSize(name: name, operation: "resize",
                                         received: "\(planes.shape) -> \(destination.shape)",
                                         expected: "\(plan.sourceWidth)x\(plan.sourceHeight) -> \(plan.destinationWidth)x\(plan.destinationHeight) with equal channels, as planned")
        }
        ImageKernels.resizeBilinear(source: planes.pointer, destination: destination.pointer, channels: channels, plan: plan)
    }

    /// Allocating convenience: `planes` resized to `width` x `height`.
    public static func resized(_ planes: Tensor, width: Int, height: Int, name: String = "image") throws -> Tensor {
        let (channels, sourceHeight, sourceWidth) = try planeShape(planes, name: name, operation: "resize")
        guard width > 0, height > 0 else {
            throw ImagingError.wrongSize(name: name, operation: "resize", received: "target \(width)x\(height)",
                                         expected: "a positive target size")
        }
        let plan = ResizePlan(sourceWidth: sourceWidth, sourceHeight: sourceHeight, destinationWidth: width, destinationHeight: height)
        let output = Tensor(shape: outputShape(planes, channels: channels, height: height, width: width))
        ImageKernels.resizeBilinear(source: planes.pointer, destination: output.pointer, channels: channels, plan: plan)
        return output
    }

    private static func planeShape(_ tensor: Tensor, name: String, operation: String) throws -> (Int, Int, Int) {
        let shape = tensor.shape
        let chw: [Int]
        if shape.count == 3 { chw = shape } else if shape.count == 4 && shape[0] == 1 { chw = Array(shape[1...]) } else {
            throw ImagingError.wrongSize(name: name, operation: operation, received: "tensor of shape \(shape)",
                                         expected: "[C, H, W] or [1, C, H, W]")
        }
        guard chw.allSatisfy({ $0 > 0 }) else {
            throw ImagingError.wrongSize(name: name, operation: operation, received: "tensor of shape \(shape)",
                                         expected: "positive channels, height and width")
        }
        return (chw[0], chw[1], chw[2])
    }

    private static func outputShape(_ input: Tensor, channels: Int, height: Int, width: Int) -> [Int] {
        input.shape.count == 4 ? [1, channels, height, width] : [channels, height, width]
    }
}
