import LoupeImaging

extension FrameConverter {
    /// Scalar reference twin of ``convert(_:into:capacity:)``: per output pixel, the four
    /// neighbours' components read with a per-format formula written out here (not the
    /// tables), blended, converted, clamped and normalised — the oracle in tests.
    public func convertReference(_ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutablePointer<Float>, capacity: Int) throws {
        let source = try prepare(bytes, capacity: capacity)
        let f = sampledFormat, line = f.bytesPerLine
        func components(_ x: Int, _ y: Int) -> [Float] {
            let row = source + y * line
            switch f.pixelFormat {
            case .grey: return [Float(row[x])]
            case .yuyv: let pair = row + (x / 2) * 4; return [Float(row[2 * x]), Float(pair[1]), Float(pair[3])]
            case .uyvy: let pair = row + (x / 2) * 4; return [Float(row[2 * x + 1]), Float(pair[0]), Float(pair[2])]
            case .nv12:
                let uv = source + line * f.height + (y / 2) * line + (x / 2) * 2
                return [Float(row[x]), Float(uv[0]), Float(uv[1])]
            default: return [Float(row[3 * x]), Float(row[3 * x + 1]), Float(row[3 * x + 2])]
            }
        }
        let isYUV = [PixelFormat.yuyv, .uyvy, .nv12].contains(f.pixelFormat)
        for y in 0..<outputHeight {
            let rowSample = ResizePlan.sourceSample(index: y, source: region.height, destination: outputHeight)
            for x in 0..<outputWidth {
                let colSample = ResizePlan.sourceSample(index: x, source: region.width, destination: outputWidth)
                let x0 = region.x + colSample.low, x1 = region.x + colSample.high
                let y0 = region.y + rowSample.low, y1 = region.y + rowSample.high
                let wx = x0 == x1 ? 0 : colSample.weight, wy = y0 == y1 ? 0 : rowSample.weight
                let a = components(x0, y0), b = components(x1, y0), c = components(x0, y1), d = components(x1, y1)
                var v = [Float]()
                for k in 0..<a.count {
                    let topValue = a[k] + (b[k] - a[k]) * wx, bottomValue = c[k] + (d[k] - c[k]) * wx
                    v.append(topValue + (bottomValue - topValue) * wy)
                }
                var out: [Float]
                if f.pixelFormat == .grey {
                    out = Array(repeating: v[0] / 255, count: channels)
                } else if isYUV {
                    let luma = (v[0] - 16) * 255 / 219 / 255, u = (v[1] - 128) * 255 / 224 / 255, vv = (v[2] - 128) * 255 / 224 / 255
                    out = channels == 1 ? [luma] : [luma + 1.402 * vv, luma - 0.344136 * u - 0.714136 * vv, luma + 1.772 * u]
                } else {
                    let w = ImageKernels.lumaWeights
                    out = channels == 1 ? [(w.red * v[0] + w.green * v[1] + w.blue * v[2]) / 255] : [v[0] / 255, v[1] / 255, v[2] / 255]
                }
                for ch in 0..<channels {
                    let clamped = min(max(out[ch], 0), 1)
                    destination[(ch * outputHeight + y) * outputWidth + x] = (clamped - normalization.mean[ch]) / normalization.std[ch]
                }
            }
        }
    }
}
