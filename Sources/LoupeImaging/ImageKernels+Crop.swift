extension ImageKernels {
    /// Copies the region `(x, y, width, height)` out of each of `channels` source planes.
    ///
    /// - Parameters:
    ///   - source: `(channels, sourceHeight, sourceWidth)` floats.
    ///   - destination: `(channels, height, width)` floats; must not overlap `source`.
    /// - Precondition: the region lies inside the source (the API layer throws otherwise).
    public static func crop(source: UnsafePointer<Float>, sourceWidth: Int, sourceHeight: Int, channels: Int,
                            destination: UnsafeMutablePointer<Float>, x: Int, y: Int, width: Int, height: Int) {
        precondition(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= sourceWidth && y + height <= sourceHeight,
                     "crop: region (\(x), \(y), \(width)x\(height)) outside \(sourceWidth)x\(sourceHeight)")
        for channel in 0..<channels {
            let plane = source + channel * sourceWidth * sourceHeight + y * sourceWidth + x
            let output = destination + channel * width * height
            for row in 0..<height {
                let from = plane + row * sourceWidth, to = output + row * width
                var column = 0
                while column + vectorWidth <= width {
                    store(load(from + column), to + column)
                    column += vectorWidth
                }
                while column < width {
                    to[column] = from[column]
                    column += 1
                }
            }
        }
    }

    /// Scalar reference twin of ``crop(source:sourceWidth:sourceHeight:channels:destination:x:y:width:height:)``.
    public static func cropReference(source: UnsafePointer<Float>, sourceWidth: Int, sourceHeight: Int, channels: Int,
                                     destination: UnsafeMutablePointer<Float>, x: Int, y: Int, width: Int, height: Int) {
        precondition(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= sourceWidth && y + height <= sourceHeight,
                     "cropReference: region (\(x), \(y), \(width)x\(height)) outside \(sourceWidth)x\(sourceHeight)")
        for channel in 0..<channels {
            for row in 0..<height {
                for column in 0..<width {
                    destination[(channel * height + row) * width + column] =
                        source[(channel * sourceHeight + y + row) * sourceWidth + x + column]
                }
            }
        }
    }
}
