import CCaptureKernels
import LoupeImaging
import LoupeTensor

extension FrameConverter {

    /// Converts one frame into `(channels, outputHeight, outputWidth)` normalised floats (SIMD path).
    ///
    /// Per output row: (1) vertical lerp of the two source rows over the region's byte span,
    /// contiguous 16-byte loads widened to floats — no gathers; (2) per component, the
    /// horizontal lerp, gathering by the column tables from that float row; (3) colour map,
    /// clamp to 0...1 and `(v - mean) / std`, 16 lanes at a time, into the output planes.
    ///
    /// - Parameters:
    ///   - bytes: The frame buffer, laid out as ``format`` (for a camera: the mmap'd buffer itself).
    ///   - destination: At least ``outputCount`` floats.
    /// - Throws: ``CaptureError/badFrame(device:detail:)`` if the buffer is shorter than the
    ///   format needs, or an MJPEG frame does not decode to the expected size.
    public func convert(_ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutablePointer<Float>, capacity: Int) throws {
        let source = try prepare(bytes, capacity: capacity)
        let width = outputWidth, planeSize = outputWidth * outputHeight
        let k = components.count
        let m = folded, o = foldedOffset, s = foldedScale, b = foldedBias
        let horizontal = resampled
        // YUYV/UYVY with the C kernels: de-interleaved rows and their tables; otherwise the plane spans.
        let variant = kernelVariant
        let usePacked = variant != .portable && packed != nil
        let components = usePacked ? packed!.components : self.components
        let componentRows = usePacked ? packed!.rows : planeRows
        for y in 0..<outputHeight {
            let wy = rowWeight[y]
            for (index, plane) in planes.enumerated() {
                let top = source + plane.offset + (Int(rowTop[y]) >> plane.rowShift) * plane.bytesPerLine + plane.spanStart
                let bottom = source + plane.offset + (Int(rowBottom[y]) >> plane.rowShift) * plane.bytesPerLine + plane.spanStart
                if usePacked, let packed {
                    let rows = packed.rows, chroma = k == 3
                    let packedTop = top + packed.pairStart * 4 - plane.spanStart
                    let packedBottom = bottom + packed.pairStart * 4 - plane.spanStart
                    let done = variant == .avx512
                        ? Int(loupe_lerp_packed_yuv_avx512(packedTop, packedBottom, wy, Int32(packed.pairs), Int32(packed.yFirst),
                                                           rows[0], chroma ? rows[1] : nil, chroma ? rows[2] : nil))
                        : Int(loupe_lerp_packed_yuv_avx2(packedTop, packedBottom, wy, Int32(packed.pairs), Int32(packed.yFirst),
                                                         rows[0], chroma ? rows[1] : nil, chroma ? rows[2] : nil))
                    Self.lerpPackedYUV(packedTop, packedBottom, weight: wy, pairs: done..<packed.pairs, yFirst: packed.yFirst, chroma: chroma,
                                       y: rows[0], u: rows[1], v: rows[2])
                } else {
                    Self.lerpRows(top, bottom, weight: wy, into: planeRows[index], count: plane.spanLength)
                }
            }
            let row = destination + y * width
            if variant != .portable {
                let resample = variant == .avx512 ? loupe_resample_row_avx512 : loupe_resample_row_avx2
                // Resample straight into the output planes (gray), or into scratch then colour-map.
                if k == 1 {
                    let component = components[0]
                    for c in 0..<channels {
                        resample(componentRows[component.plane], component.blocks, Int32(component.blockCount),
                                 component.blockLeft, component.blockRight, component.blockWeight,
                                 row + c * planeSize, 1, m[c * 3], o[c], s[c], b[c])
                    }
                    continue
                }
                for (j, component) in components.enumerated() {
                    resample(componentRows[component.plane], component.blocks, Int32(component.blockCount),
                             component.blockLeft, component.blockRight, component.blockWeight,
                             horizontal + j * width, 0, 1, 0, 1, 0)
                }
            } else {
                for (j, component) in components.enumerated() {
                    Self.resampleRow(componentRows[component.plane], left: component.left, right: component.right,
                                     weights: columnWeight, into: horizontal + j * width, count: width)
                }
            }
            if k == 1 {
                for c in 0..<channels {
                    Self.mapGray(horizontal, into: row + c * planeSize, count: width, m: m[c * 3], o: o[c], s: s[c], b: b[c])
                }
            } else if channels == 3 && variant != .portable {
                let map = variant == .avx512 ? loupe_map_colour3_avx512 : loupe_map_colour3_avx2
                map(horizontal, horizontal + width, horizontal + 2 * width, row, Int64(planeSize), Int32(width), m, o, s, b)
            } else if channels == 3 {
                Self.mapColour3(horizontal, horizontal + width, horizontal + 2 * width, into: row, planeSize: planeSize,
                                count: width, m: m, o: o, s: s, b: b)
            } else {
                Self.mapColour(horizontal, horizontal + width, horizontal + 2 * width, into: row, count: width,
                               m0: m[0], m1: m[1], m2: m[2], o: o[0], s: s[0], b: b[0])
            }
        }
    }

    /// `out[i] = top[i] + (bottom[i] - top[i]) * weight` over bytes widened to floats.
    /// Written as a plain loop: LLVM vectorises it (byte widen, convert, FMA) for the target CPU.
    @inline(__always)
    static func lerpRows(_ top: UnsafePointer<UInt8>, _ bottom: UnsafePointer<UInt8>, weight: Float,
                         into out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let t = Float(top[i])
            out[i] = t + (Float(bottom[i]) - t) * weight
        }
    }

    /// Vertical lerp of packed 4:2:2 pairs `pairs`, de-interleaved into Y, U, V rows (Y only
    /// when `chroma` is false). One loop per component with a constant stride, so LLVM can
    /// vectorise each.
    @inline(__always)
    static func lerpPackedYUV(_ top: UnsafePointer<UInt8>, _ bottom: UnsafePointer<UInt8>, weight: Float, pairs: Range<Int>,
                              yFirst: Int, chroma: Bool, y: UnsafeMutablePointer<Float>, u: UnsafeMutablePointer<Float>,
                              v: UnsafeMutablePointer<Float>) {
        let lumaTop = top + yFirst, lumaBottom = bottom + yFirst
        for i in (2 * pairs.lowerBound)..<(2 * pairs.upperBound) {
            let t = Float(lumaTop[2 * i])
            y[i] = t + (Float(lumaBottom[2 * i]) - t) * weight
        }
        guard chroma else { return }
        let uTop = top + 1 - yFirst, uBottom = bottom + 1 - yFirst, vTop = top + 3 - yFirst, vBottom = bottom + 3 - yFirst
        for p in pairs {
            let t = Float(uTop[4 * p])
            u[p] = t + (Float(uBottom[4 * p]) - t) * weight
        }
        for p in pairs {
            let t = Float(vTop[4 * p])
            v[p] = t + (Float(vBottom[4 * p]) - t) * weight
        }
    }

    /// `out[x] = row[left[x]] + (row[right[x]] - row[left[x]]) * weights[x]`.
    @inline(__always)
    static func resampleRow(_ row: UnsafePointer<Float>, left: UnsafePointer<Int32>, right: UnsafePointer<Int32>,
                            weights: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        for x in 0..<count {
            let a = row[Int(left[x])]
            out[x] = a + (row[Int(right[x])] - a) * weights[x]
        }
    }

    /// `out = clamp(v * m + o, 0, 1) * s + b`.
    @inline(__always)
    static func mapGray(_ v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int, m: Float, o: Float, s: Float, b: Float) {
        for x in 0..<count {
            let value = v[x] * m + o
            out[x] = b + (value < 0 ? 0 : value > 1 ? 1 : value) * s
        }
    }

    /// `out = clamp(v0 * m0 + v1 * m1 + v2 * m2 + o, 0, 1) * s + b`.
    @inline(__always)
    static func mapColour(_ v0: UnsafePointer<Float>, _ v1: UnsafePointer<Float>, _ v2: UnsafePointer<Float>,
                          into out: UnsafeMutablePointer<Float>, count: Int, m0: Float, m1: Float, m2: Float, o: Float, s: Float, b: Float) {
        for x in 0..<count {
            let value = v0[x] * m0 + v1[x] * m1 + v2[x] * m2 + o
            out[x] = b + (value < 0 ? 0 : value > 1 ? 1 : value) * s
        }
    }

    /// Three output planes from three components in one pass (each component read once):
    /// `out_c = clamp(sum_j v_j * m[3c+j] + o[c], 0, 1) * s[c] + b[c]`.
    @inline(__always)
    static func mapColour3(_ v0: UnsafePointer<Float>, _ v1: UnsafePointer<Float>, _ v2: UnsafePointer<Float>,
                           into out: UnsafeMutablePointer<Float>, planeSize: Int, count: Int,
                           m: [Float], o: [Float], s: [Float], b: [Float]) {
        let m00 = m[0], m01 = m[1], m02 = m[2], m10 = m[3], m11 = m[4], m12 = m[5], m20 = m[6], m21 = m[7], m22 = m[8]
        let o0 = o[0], o1 = o[1], o2 = o[2], s0 = s[0], s1 = s[1], s2 = s[2], b0 = b[0], b1 = b[1], b2 = b[2]
        let out0 = out, out1 = out + planeSize, out2 = out + 2 * planeSize
        for x in 0..<count {
            let y = v0[x], u = v1[x], v = v2[x]
            let r = y * m00 + u * m01 + v * m02 + o0
            let g = y * m10 + u * m11 + v * m12 + o1
            let bl = y * m20 + u * m21 + v * m22 + o2
            out0[x] = b0 + (r < 0 ? 0 : r > 1 ? 1 : r) * s0
            out1[x] = b1 + (g < 0 ? 0 : g > 1 ? 1 : g) * s1
            out2[x] = b2 + (bl < 0 ? 0 : bl > 1 ? 1 : bl) * s2
        }
    }

    /// Checks the buffer size, decodes MJPEG, and returns the bytes the tables address.
    func prepare(_ bytes: UnsafeRawBufferPointer, capacity: Int) throws -> UnsafePointer<UInt8> {
        precondition(capacity >= outputCount, "FrameConverter: destination holds \(capacity) floats, needs \(outputCount)")
        if let jpeg {
            do {
                return try jpeg.decode(bytes, source: "MJPEG frame")
            } catch let error as ImagingError {
                throw CaptureError.badFrame(device: "MJPEG frame", detail: "\(error)")
            }
        }
        let needed = format.pixelFormat.minimumImageSize(bytesPerLine: format.bytesPerLine, height: format.height) ?? 0
        guard bytes.count >= needed, let base = bytes.baseAddress else {
            throw CaptureError.badFrame(device: "frame", detail: "\(bytes.count) bytes, expected \(needed) for \(format)")
        }
        return base.assumingMemoryBound(to: UInt8.self)
    }
}
