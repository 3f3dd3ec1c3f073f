extension ImageKernels {
    /// Bilinear resize of CHW planes with half-pixel centres (see ``ResizePlan``).
    ///
    /// Separable: each needed source row is resized horizontally once into the plan's
    /// scratch (reused by consecutive output rows when upscaling), then two scratch rows
    /// are blended vertically with SIMD FMA.
    ///
    /// - Parameters:
    ///   - source: `(channels, plan.sourceHeight, plan.sourceWidth)` floats.
    ///   - destination: `(channels, plan.destinationHeight, plan.destinationWidth)` floats;
    ///     must not overlap `source`.
    ///   - channels: Number of planes.
    ///   - plan: Coefficients and scratch for this size pair.
    public static func resizeBilinear(source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>,
                                      channels: Int, plan: ResizePlan) {
        precondition(channels > 0, "resizeBilinear: channels must be positive, got \(channels)")
        let sourceWidth = plan.sourceWidth, sourcePlane = plan.sourceWidth * plan.sourceHeight
        let width = plan.destinationWidth, height = plan.destinationHeight
        for channel in 0..<channels {
            let plane = source + channel * sourcePlane
            let output = destination + channel * width * height
            var top = plan.scratchTop, bottom = plan.scratchBottom
            var cachedTop = -1, cachedBottom = -1
            for y in 0..<height {
                let wantTop = Int(plan.rowTop[y]), wantBottom = Int(plan.rowBottom[y])
                if wantTop != cachedTop {
                    if wantTop == cachedBottom {
                        swap(&top, &bottom)
                        swap(&cachedTop, &cachedBottom)
                    } else {
                        resizeRowHorizontally(plane + wantTop * sourceWidth, into: top, plan: plan)
                        cachedTop = wantTop
                    }
                }
                if wantBottom != cachedBottom {
                    resizeRowHorizontally(plane + wantBottom * sourceWidth, into: bottom, plan: plan)
                    cachedBottom = wantBottom
                }
                blendRows(top, bottom, weight: plan.rowWeight[y], into: output + y * width, count: width)
            }
        }
    }

    /// `out[x] = row[left[x]] + (row[right[x]] - row[left[x]]) * weight[x]`, 16 lanes at a time.
    @inline(__always)
    static func resizeRowHorizontally(_ row: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, plan: ResizePlan) {
        let count = plan.destinationWidth
        let left = plan.columnLeft, right = plan.columnRight, weight = plan.columnWeight
        var x = 0
        while x + vectorWidth <= count {
            var a = Vector(), b = Vector()
            for lane in 0..<vectorWidth {
                a[lane] = row[Int(left[x + lane])]
                b[lane] = row[Int(right[x + lane])]
            }
            store(a.addingProduct(b - a, load(weight + x)), out + x)
            x += vectorWidth
        }
        while x < count {
            let a = row[Int(left[x])], b = row[Int(right[x])]
            out[x] = a + (b - a) * weight[x]
            x += 1
        }
    }

    /// `out[x] = top[x] + (bottom[x] - top[x]) * weight`.
    @inline(__always)
    static func blendRows(_ top: UnsafePointer<Float>, _ bottom: UnsafePointer<Float>, weight: Float,
                          into out: UnsafeMutablePointer<Float>, count: Int) {
        let w = Vector(repeating: weight)
        var x = 0
        while x + vectorWidth <= count {
            let t = load(top + x)
            store(t.addingProduct(load(bottom + x) - t, w), out + x)
            x += vectorWidth
        }
        while x < count {
            out[x] = top[x] + (bottom[x] - top[x]) * weight
            x += 1
        }
    }

    /// Scalar reference twin of ``resizeBilinear(source:destination:channels:plan:)``:
    /// the textbook four-neighbour formula per output pixel, no plan, no scratch.
    public static func resizeBilinearReference(source: UnsafePointer<Float>, sourceWidth: Int, sourceHeight: Int,
                                               destination: UnsafeMutablePointer<Float>, destinationWidth: Int,
                                               destinationHeight: Int, channels: Int) {
        precondition(sourceWidth > 0 && sourceHeight > 0 && destinationWidth > 0 && destinationHeight > 0 && channels > 0,
                     "resizeBilinearReference: sizes must be positive")
        for channel in 0..<channels {
            let plane = source + channel * sourceWidth * sourceHeight
            let output = destination + channel * destinationWidth * destinationHeight
            for y in 0..<destinationHeight {
                let row = ResizePlan.sourceSample(index: y, source: sourceHeight, destination: destinationHeight)
                for x in 0..<destinationWidth {
                    let column = ResizePlan.sourceSample(index: x, source: sourceWidth, destination: destinationWidth)
                    let topLeft = plane[row.low * sourceWidth + column.low]
                    let topRight = plane[row.low * sourceWidth + column.high]
                    let bottomLeft = plane[row.high * sourceWidth + column.low]
                    let bottomRight = plane[row.high * sourceWidth + column.high]
                    let top = topLeft * (1 - column.weight) + topRight * column.weight
                    let bottom = bottomLeft * (1 - column.weight) + bottomRight * column.weight
                    output[y * destinationWidth + x] = top * (1 - row.weight) + bottom * row.weight
                }
            }
        }
    }
}
