/// Winograd F(4x4,3x3) input transform read along input rows (`f32-winograd4x4-input-rows-avx512-16`).
///
/// The lane = tile layout of ``Conv2D/winogradInputTransform(input:firstTile:tileCount:tilesX:v:d:)``
/// needs, per input row of a 6x6 window and per column j, the vector `row[x0 + 4*lane + j]` over 16
/// consecutive tiles. The scalar twin gathers those 36 x 16 floats one at a time; here 16 tiles of
/// one tile row are 68 contiguous floats per input row, and a two-level even/odd deinterleave
/// (``evenLanes(_:_:)``/``oddLanes(_:_:)``, one `vpermt2ps` each) turns them into the 6 column vectors:
/// 4 vector loads + 10 shuffles per input row instead of 96 scalar moves.
///
/// Halves (16 tiles) that wrap from one tile row to the next are built twice — once from each
/// row — and blended by lane. Padding comes from an 80-float row buffer written with aligned
/// whole-vector stores (see ``winogradRowColumns`` on store forwarding). Needs `tilesX >= 16` (a half spans at most two tile rows); smaller images use
/// the scalar twin.
extension Conv2D {
    /// Floats of per-worker work space ``winogradInputTransformRows`` needs for its row buffer.
    static let winogradRowBufferCount = 96

    /// V = Bᵀ d B for tiles `firstTile ..< firstTile+32` of every input channel, written as B panels
    /// `v[ξ][c][32]`; same contract as the scalar twin except that lanes past `tileCount` hold
    /// transformed zero padding rather than 0 (their GEMM columns are never read back).
    @inline(__always)
    func winogradInputTransformRows(input: UnsafePointer<Float>, firstTile: Int, tileCount: Int, tilesX: Int,
                                    v: UnsafeMutablePointer<Float>, d: UnsafeMutablePointer<SIMD16<Float>>,
                                    rowBuffer: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let g = geometry
        let h = g.inHeight, w = g.inWidth, pad = g.padding, cin = g.inChannels
        precondition(tilesX >= 16, "winogradInputTransformRows: tilesX \(tilesX) < 16")
        let laneIndex = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        for half in 0..<2 {
            let t0 = firstTile + half * 16
            let ty = t0 / tilesX, tx0 = t0 % tilesX
            // Lanes 0..<split come from tile row ty (tiles tx0...), lanes split..<16 from row ty+1 (tiles 0...).
            let split = min(16, tilesX - tx0)
            let xA = tx0 * 4 - pad, yA = ty * 4 - pad
            let xB = -pad - 4 * split, yB = yA + 4
            let fromB = laneIndex .>= Int32(split)
            for c in 0..<cin {
                let plane = input + c * h * w
                for i in 0..<6 {
                    var (d0, d1, d2, d3, d4, d5) = winogradRowColumns(plane, y: yA + i, x: xA, h: h, w: w, buffer: rowBuffer)
                    if split < 16 {
                        let b = winogradRowColumns(plane, y: yB + i, x: xB, h: h, w: w, buffer: rowBuffer)
                        d0 = d0.replacing(with: b.0, where: fromB)
                        d1 = d1.replacing(with: b.1, where: fromB)
                        d2 = d2.replacing(with: b.2, where: fromB)
                        d3 = d3.replacing(with: b.3, where: fromB)
                        d4 = d4.replacing(with: b.4, where: fromB)
                        d5 = d5.replacing(with: b.5, where: fromB)
                    }
                    // Row transform (along x) while the 6 vectors are in registers: (d B) for row i.
                    let four = V(repeating: 4), five = V(repeating: 5), two = V(repeating: 2)
                    let row = d + 6 * i
                    row[0] = (d4 - five * d2).addingProduct(four, d0)
                    row[1] = (d3 + d4) - four * (d1 + d2)
                    row[2] = (d4 - d3).addingProduct(four, d1 - d2)
                    row[3] = (d4 - d2).addingProduct(two, d3 - d1)
                    row[4] = (d4 - d2) - two * (d3 - d1)
                    row[5] = (d5 - five * d3).addingProduct(four, d1)
                }
                // Column transform (along y) and store into the B panels.
                let dst = UnsafeMutableRawPointer(v + c * 32 + half * 16)
                let panelBytes = cin * 32 * 4
                let four = V(repeating: 4), five = V(repeating: 5), two = V(repeating: 2)
                for j in 0..<6 {
                    let d0 = d[j], d1 = d[6 + j], d2 = d[12 + j], d3 = d[18 + j], d4 = d[24 + j], d5 = d[30 + j]
                    dst.storeBytes(of: (d4 - five * d2).addingProduct(four, d0), toByteOffset: j * panelBytes, as: V.self)
                    dst.storeBytes(of: (d3 + d4) - four * (d1 + d2), toByteOffset: (6 + j) * panelBytes, as: V.self)
                    dst.storeBytes(of: (d4 - d3).addingProduct(four, d1 - d2), toByteOffset: (12 + j) * panelBytes, as: V.self)
                    dst.storeBytes(of: (d4 - d2).addingProduct(two, d3 - d1), toByteOffset: (18 + j) * panelBytes, as: V.self)
                    dst.storeBytes(of: (d4 - d2) - two * (d3 - d1), toByteOffset: (24 + j) * panelBytes, as: V.self)
                    dst.storeBytes(of: (d5 - five * d3).addingProduct(four, d1), toByteOffset: (30 + j) * panelBytes, as: V.self)
                }
            }
        }
    }
}

/// For 16 tiles whose windows start at column `x` (tile k at `x + 4k`) on input row `y`: the six
/// window columns `row[x + 4*lane + j]`, j = 0..<6, zero outside the image.
@inline(__always)
func winogradRowColumns(_ plane: UnsafePointer<Float>, y: Int, x: Int, h: Int, w: Int, buffer: UnsafeMutablePointer<Float>)
    -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
    typealias V = SIMD16<Float>
    if y < 0 || y >= h { return (V(), V(), V(), V(), V(), V()) }
    let src = plane + y * w
    let p: UnsafeRawPointer
    let s4: Float, s5: Float  // columns 64 and 65 (window columns 4 and 5 of the last tile)
    if x >= 0 && x + 66 <= w {
        p = UnsafeRawPointer(src + x)
        s4 = src[x + 64]
        s5 = src[x + 65]
    } else {
        // 80 floats with zero padding, written as five 64-byte-aligned vector stores (per-float
        // only for a chunk that straddles an image edge). Every later vector load of the buffer
        // is one of those aligned stores exactly, so it is store-forwarded; loads that straddled
        // two stores (the old `+4 floats` loads) stalled ~20 cycles each and made this transform
        // slower than the scalar gather at image edges.
        let out = UnsafeMutableRawPointer(buffer)
        for q in 0..<5 {
            let x0 = x + 16 * q
            if x0 >= 0 && x0 + 16 <= w {
                out.storeBytes(of: UnsafeRawPointer(src + x0).loadUnaligned(as: V.self), toByteOffset: 64 * q, as: V.self)
            } else if x0 + 16 <= 0 || x0 >= w {
                out.storeBytes(of: V(), toByteOffset: 64 * q, as: V.self)
            } else {
                for k in 0..<16 {
                    let xk = x0 + k
                    buffer[16 * q + k] = xk >= 0 && xk < w ? src[xk] : 0
                }
            }
        }
        p = UnsafeRawPointer(buffer)
        s4 = buffer[64]
        s5 = buffer[65]
    }
    // Columns x + 4*lane + j: phases 0..3 of 64 floats; columns 4 and 5 of each window are
    // phases 0 and 1 moved down one lane, with columns 64 and 65 shifted in.
    typealias L = SIMD16<Float>
    let a0 = p.loadUnaligned(as: L.self), a1 = p.loadUnaligned(fromByteOffset: 64, as: L.self)
    let a2 = p.loadUnaligned(fromByteOffset: 128, as: L.self), a3 = p.loadUnaligned(fromByteOffset: 192, as: L.self)
    let e01 = evenLanes(a0, a1), o01 = oddLanes(a0, a1), e23 = evenLanes(a2, a3), o23 = oddLanes(a2, a3)
    let d0 = evenLanes(e01, e23), d1 = evenLanes(o01, o23), d2 = oddLanes(e01, e23), d3 = oddLanes(o01, o23)
    return (d0, d1, d2, d3, slideDown(d0, s4), slideDown(d1, s5))
}

/// Lanes 1..<16 of `v` followed by `last` (one `valignd`/`vpermt2ps`).
@inline(__always)
func slideDown(_ v: SIMD16<Float>, _ last: Float) -> SIMD16<Float> {
    SIMD16(v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], last)
}

extension Conv2D {
    /// Y = Aᵀ M A + bias (+ residual, ReLU) for output channels `channels` and tiles
    /// `firstTile ..< firstTile+32`, stored into `output [Cout, OH, OW]` (partial edge tiles clipped).
    ///
    /// After the transform the 16 outputs of each tile are 16 vectors with lane = tile. Each output
    /// row `a` of four consecutive tiles is 16 contiguous floats: a 4x4 interleave of
    /// `Y[a][0...3]` (two rounds of ``zipLow(_:_:)``/``zipHigh(_:_:)``) gives them as one vector,
    /// stored whole when the 4 tiles sit in one tile row and inside the image; otherwise (image edge,
    /// wrap to the next tile row, past the last tile) floats are stored one by one.
    @inline(__always)
    func winogradOutputTransformRows(m: UnsafePointer<Float>, channels: Range<Int>, firstTile: Int, tileCount: Int, tilesX: Int,
                                     bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?, relu: Bool,
                                     output: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<SIMD16<Float>>,
                                     work2: UnsafeMutablePointer<SIMD16<Float>>) {
        typealias V = SIMD16<Float>
        let g = geometry
        let oh = g.outHeight, ow = g.outWidth
        for oc in channels {
            let biasVector = V(repeating: bias[oc])
            let plane = oc &* oh &* ow
            for half in 0..<2 {
                let lanes = min(16, tileCount - firstTile - half * 16)
                if lanes <= 0 { break }
                let src = UnsafeRawPointer(m + oc * 36 * 32 + half * 16)
                for xi in 0..<36 { work[xi] = src.loadUnaligned(fromByteOffset: xi * 32 * 4, as: V.self) }
                for j in 0..<6 { winogradATRows(work, j, 6, into: work, j, 6) }          // columns: Aᵀ M -> rows 0..<4
                for i in 0..<4 { winogradATRows(work, 6 * i, 1, into: work2, 4 * i, 1) }  // rows: (Aᵀ M) A -> 4x4
                // Interleave: work[a*4 + q] = output row a of tiles 4q..<4q+4 (16 floats), bias added.
                for a in 0..<4 {
                    let y0 = work2[4 * a], y1 = work2[4 * a + 1], y2 = work2[4 * a + 2], y3 = work2[4 * a + 3]
                    let u0 = zipLow(y0, y2), u1 = zipHigh(y0, y2), v0 = zipLow(y1, y3), v1 = zipHigh(y1, y3)
                    work[4 * a] = zipLow(u0, v0) + biasVector
                    work[4 * a + 1] = zipHigh(u0, v0) + biasVector
                    work[4 * a + 2] = zipLow(u1, v1) + biasVector
                    work[4 * a + 3] = zipHigh(u1, v1) + biasVector
                }
                for q in 0..<4 {
                    let l0 = 4 &* q
                    if l0 >= lanes { break }
                    let t = firstTile &+ half &* 16 &+ l0
                    let tx = t % tilesX
                    let oy0 = (t / tilesX) &* 4, ox0 = tx &* 4
                    let rowsValid = min(4, oh &- oy0)
                    if l0 &+ 4 <= lanes && tx &+ 3 < tilesX && ox0 &+ 16 <= ow {
                        for a in 0..<rowsValid {
                            let o = plane &+ (oy0 &+ a) &* ow &+ ox0
                            var v = work[4 &* a &+ q]
                            if let residual { v += UnsafeRawPointer(residual + o).loadUnaligned(as: V.self) }
                            if relu { v = relu16(v) }
                            UnsafeMutableRawPointer(output + o).storeBytes(of: v, as: V.self)
                        }
                    } else {
                        let y = UnsafeRawPointer(work).assumingMemoryBound(to: Float.self)
                        for k in 0..<min(4, lanes &- l0) {
                            let tk = t &+ k
                            let oyk = (tk / tilesX) &* 4, oxk = (tk % tilesX) &* 4
                            let rows = min(4, oh &- oyk), cols = min(4, ow &- oxk)
                            for a in 0..<rows {
                                let o = plane &+ (oyk &+ a) &* ow &+ oxk
                                let from = y + ((4 &* a &+ q) &* 16 &+ 4 &* k)
                                for b in 0..<cols {
                                    var value = from[b]
                                    if let residual { value += residual[o &+ b] }
                                    output[o &+ b] = relu ? max(value, 0) : value
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Lanes 0..<8 of `a` and `b` interleaved: a0 b0 a1 b1 ... a7 b7 (one shuffle).
@inline(__always)
func zipLow(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}

/// Lanes 8..<16 of `a` and `b` interleaved: a8 b8 a9 b9 ... a15 b15 (one shuffle).
@inline(__always)
func zipHigh(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
}

/// 6 vectors at `p[first + i*step]` -> 4 vectors at `q[qFirst + i*qStep]`: the Aᵀ (4x6) output-transform
/// rows. `q` may alias `p` (all inputs are read first).
@inline(__always)
func winogradATRows(_ p: UnsafeMutablePointer<SIMD16<Float>>, _ first: Int, _ step: Int,
                    into q: UnsafeMutablePointer<SIMD16<Float>>, _ qFirst: Int, _ qStep: Int) {
    let m0 = p[first], m1 = p[first + step], m2 = p[first + 2 * step]
    let m3 = p[first + 3 * step], m4 = p[first + 4 * step], m5 = p[first + 5 * step]
    let sum12 = m1 + m2, diff12 = m1 - m2, sum34 = m3 + m4, diff34 = m3 - m4
    q[qFirst] = m0 + sum12 + sum34
    q[qFirst + qStep] = diff12.addingProduct(SIMD16<Float>(repeating: 2), diff34)
    q[qFirst + 2 * qStep] = sum12.addingProduct(SIMD16<Float>(repeating: 4), sum34)
    q[qFirst + 3 * qStep] = (diff12 + m5).addingProduct(SIMD16<Float>(repeating: 8), diff34)
}
