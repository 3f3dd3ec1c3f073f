import LoupeImaging

extension Frame {
    /// The frame as an 8-bit ``Image`` at full size — gray for GREY, RGB otherwise — for
    /// saving to PNG (`loupe capture`). Goes through ``FrameConverter`` at scale 1, so it
    /// shows exactly the colours the network sees. Allocates: not for the per-frame path.
    ///
    /// - Throws: ``CaptureError`` for an unsupported format or a bad (short, undecodable) frame.
    public func image() throws -> Image {
        let channels = format.pixelFormat == .grey ? 1 : 3
        let converter = try FrameConverter(format: format, outputWidth: format.width, outputHeight: format.height,
                                           channels: channels, normalization: .unit(channels: channels))
        var planes = [Float](repeating: 0, count: converter.outputCount)
        try planes.withUnsafeMutableBufferPointer { try converter.convert(bytes, into: $0.baseAddress!, capacity: $0.count) }
        let plane = format.width * format.height
        var pixels = [UInt8](repeating: 0, count: plane * channels)
        for i in 0..<plane {
            for c in 0..<channels { pixels[i * channels + c] = UInt8((planes[c * plane + i] * 255).rounded()) }
        }
        return try Image(width: format.width, height: format.height, channels: channels, pixels: pixels, name: "frame \(sequence)")
    }
}
