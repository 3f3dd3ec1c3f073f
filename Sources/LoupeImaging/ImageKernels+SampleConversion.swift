extension ImageKernels {
    /// ITU-R BT.601 luma weights for RGB → gray: 0.299 R + 0.587 G + 0.114 B.
    public static let lumaWeights: (red: Float, green: Float, blue: Float) = (0.299, 0.587, 0.114)

    /// One float plane from one channel of interleaved 8-bit samples, scaled and normalised:
    /// `destination[i] = (Float(source[i * stride + channel]) * scale - mean) / std`.
    ///
    /// - Parameters:
    ///   - source: `pixelCount * stride` interleaved samples (HWC).
    ///   - stride: Samples per pixel in `source` (1, 3 or 4).
    ///   - channel: Which sample of each pixel to read, `0..<stride`.
    ///   - destination: `pixelCount` floats.
    ///   - scale: `1/255` for 8-bit, `1/65535` for 16-bit, to reach [0, 1].
    public static func planeFromInterleaved(_ source: UnsafePointer<UInt8>, pixelCount: Int, stride: Int, channel: Int,
                                            destination: UnsafeMutablePointer<Float>, scale: Float, mean: Float, std: Float) {
        convertPlane(source, pixelCount: pixelCount, stride: stride, channel: channel, destination: destination,
                     scale: scale, mean: mean, std: std)
    }

    /// 16-bit variant of ``planeFromInterleaved(_:pixelCount:stride:channel:destination:scale:mean:std:)-(UnsafePointer<UInt8>,_,_,_,_,_,_,_)``.
    public static func planeFromInterleaved(_ source: UnsafePointer<UInt16>, pixelCount: Int, stride: Int, channel: Int,
                                            destination: UnsafeMutablePointer<Float>, scale: Float, mean: Float, std: Float) {
        convertPlane(source, pixelCount: pixelCount, stride: stride, channel: channel, destination: destination,
                     scale: scale, mean: mean, std: std)
    }

    /// Scalar reference twin of `planeFromInterleaved`, for either sample depth.
    public static func planeFromInterleavedReference<Sample: BinaryInteger>(
        _ source: UnsafePointer<Sample>, pixelCount: Int, stride: Int, channel: Int,
        destination: UnsafeMutablePointer<Float>, scale: Float, mean: Float, std: Float
    ) {
        precondition(channel >= 0 && channel < stride && std != 0, "planeFromInterleavedReference: bad channel or std")
        for i in 0..<pixelCount { destination[i] = (Float(source[i * stride + channel]) * scale - mean) / std }
    }

    /// One gray float plane from interleaved 8-bit RGB(A) (`stride` 3 or 4) using
    /// ``lumaWeights``, scaled and normalised like `planeFromInterleaved`.
    public static func lumaPlaneFromInterleaved(_ source: UnsafePointer<UInt8>, pixelCount: Int, stride: Int,
                                                destination: UnsafeMutablePointer<Float>, scale: Float, mean: Float, std: Float) {
        convertLuma(source, pixelCount: pixelCount, stride: stride, destination: destination, scale: scale, mean: mean, std: std)
    }

    /// 16-bit variant of `lumaPlaneFromInterleaved`.
    public static func lumaPlaneFromInterleaved(_ source: UnsafePointer<UInt16>, pixelCount: Int, stride: Int,
                                                destination: UnsafeMutablePointer<Float>, scale: Float, mean: Float, std: Float) {
        convertLuma(source, pixelCount: pixelCount, stride: stride, destination: destination, scale: scale, mean: mean, std: std)
    }

    /// Scalar reference twin of `lumaPlaneFromInterleaved`, for either sample depth.
    public static func lumaPlaneFromInterleavedReference<Sample: BinaryInteger>(
        _ source: UnsafePointer<Sample>, pixelCount: Int, stride: Int,
        destination: UnsafeMutablePointer<Float>, scale: Float, mean: Float, std: Float
    ) {
        precondition(stride >= 3 && std != 0, "lumaPlaneFromInterleavedReference: needs RGB(A) and non-zero std")
        for i in 0..<pixelCount {
            let pixel = source + i * stride
            let luma = lumaWeights.red * Float(pixel[0]) + lumaWeights.green * Float(pixel[1]) + lumaWeights.blue * Float(pixel[2])
            destination[i] = (luma * scale - mean) / std
        }
    }

    @inline(__always)
    static func convertPlane<Sample: BinaryInteger>(_ source: UnsafePointer<Sample>, pixelCount: Int, stride: Int, channel: Int,
                                                    destination: UnsafeMutablePointer<Float>, scale: Float, mean: Float, std: Float) {
        precondition(channel >= 0 && channel < stride && std != 0, "planeFromInterleaved: bad channel \(channel) of \(stride) or zero std")
        let factor = scale / std, offset = -mean / std
        let factorVector = Vector(repeating: factor), offsetVector = Vector(repeating: offset)
        let start = source + channel
        var i = 0
        while i + vectorWidth <= pixelCount {
            var samples = Vector()
            for lane in 0..<vectorWidth { samples[lane] = Float(start[(i + lane) * stride]) }
            store(offsetVector.addingProduct(samples, factorVector), destination + i)
            i += vectorWidth
        }
        while i < pixelCount {
            destination[i] = offset.addingProduct(Float(start[i * stride]), factor)
            i += 1
        }
    }

    @inline(__always)
    static func convertLuma<Sample: BinaryInteger>(_ source: UnsafePointer<Sample>, pixelCount: Int, stride: Int,
                                                   destination: UnsafeMutablePointer<Float>, scale: Float, mean: Float, std: Float) {
        precondition(stride >= 3 && std != 0, "lumaPlaneFromInterleaved: needs RGB(A) (stride \(stride)) and non-zero std")
        let factor = scale / std, offset = -mean / std
        let red = Vector(repeating: lumaWeights.red * factor)
        let green = Vector(repeating: lumaWeights.green * factor)
        let blue = Vector(repeating: lumaWeights.blue * factor)
        let offsetVector = Vector(repeating: offset)
        var i = 0
        while i + vectorWidth <= pixelCount {
            var r = Vector(), g = Vector(), b = Vector()
            for lane in 0..<vectorWidth {
                let pixel = source + (i + lane) * stride
                r[lane] = Float(pixel[0]); g[lane] = Float(pixel[1]); b[lane] = Float(pixel[2])
            }
            store(offsetVector.addingProduct(r, red).addingProduct(g, green).addingProduct(b, blue), destination + i)
            i += vectorWidth
        }
        while i < pixelCount {
            let pixel = source + i * stride
            let luma = lumaWeights.red * Float(pixel[0]) + lumaWeights.green * Float(pixel[1]) + lumaWeights.blue * Float(pixel[2])
            destination[i] = offset.addingProduct(luma, factor)
            i += 1
        }
    }
}
