import LoupeImaging
import LoupeModel

/// Where in an image the model sees a defect, by occlusion: a square patch (set to the
/// normalised mean, i.e. 0) slides over the network input, and the drop in defect score at each
/// position says how much that region drove the verdict. Model-agnostic (any network Loupe runs)
/// and exact for what the station decided; it costs one inference per patch position, so it is
/// made on demand, for rejects only.
public struct OcclusionHeatmap: Sendable {
    /// Patch positions across and down.
    public let columns: Int
    public let rows: Int
    /// Score drop per position (row-major), clamped at 0: covering that region made the part look
    /// less defective by this much.
    public let drops: [Float]
    /// The defect score of the uncovered input.
    public let score: Float
    public let patch: Int
    public let stride: Int

    /// Occludes `input` (``Inspector/inputCount`` floats) patch by patch with `inspector`.
    /// - Parameters:
    ///   - patch: side of the square patch in input pixels (default: an eighth of the width, at least 4).
    ///   - stride: step between positions (default: half the patch).
    public init(inspector: Inspector, input: UnsafePointer<Float>, patch: Int? = nil, stride: Int? = nil) {
        let spec = inspector.input
        let patch = max(1, min(patch ?? max(4, spec.width / 8), spec.width, spec.height))
        let stride = max(1, stride ?? max(1, patch / 2))
        let columns = (spec.width - patch) / stride + 1, rows = (spec.height - patch) / stride + 1
        let count = inspector.inputCount, plane = spec.width * spec.height
        let work = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { work.deallocate() }
        work.update(from: input, count: count)
        let score = inspector.decide(input: work).defectScore
        var drops = [Float](repeating: 0, count: columns * rows)
        for row in 0..<rows {
            for column in 0..<columns {
                let x0 = column * stride, y0 = row * stride
                for c in 0..<spec.channels {
                    for y in y0..<(y0 + patch) { (work + c * plane + y * spec.width + x0).update(repeating: 0, count: patch) }
                }
                let covered = inspector.decide(input: work).defectScore
                drops[row * columns + column] = max(0, score - covered)
                for c in 0..<spec.channels {
                    for y in y0..<(y0 + patch) { (work + c * plane + y * spec.width + x0).update(from: input + c * plane + y * spec.width + x0, count: patch) }
                }
            }
        }
        self.columns = columns
        self.rows = rows
        self.drops = drops
        self.score = score
        self.patch = patch
        self.stride = stride
    }

    /// The heat of input pixel `(x, y)`: the mean drop of the patch positions covering it.
    public func heat(x: Int, y: Int) -> Float {
        let c0 = max(0, (x - patch + stride) / stride), c1 = min(columns - 1, x / stride)
        let r0 = max(0, (y - patch + stride) / stride), r1 = min(rows - 1, y / stride)
        guard c0 <= c1, r0 <= r1 else { return 0 }
        var sum: Float = 0
        for r in r0...r1 { for c in c0...c1 { sum += drops[r * columns + c] } }
        return sum / Float((r1 - r0 + 1) * (c1 - c0 + 1))
    }

    /// An RGB picture: the input in gray, tinted red in proportion to the heat (full red at the
    /// largest drop, or at `scale` when given).
    public func overlay(on input: UnsafePointer<Float>, spec: InputSpec, scale: Float? = nil) throws -> Image {
        let base = try NetworkInputImage.image(input, spec: spec)
        let gray = base.pixels8!
        let top = scale ?? max(drops.max() ?? 0, 1e-6)
        var rgb = [UInt8](repeating: 0, count: spec.width * spec.height * 3)
        for y in 0..<spec.height {
            for x in 0..<spec.width {
                let i = y * spec.width + x
                let g: Float
                if spec.channels == 1 { g = Float(gray[i]) } else { g = (Float(gray[3 * i]) + Float(gray[3 * i + 1]) + Float(gray[3 * i + 2])) / 3 }
                let a = min(1, heat(x: x, y: y) / top) * 0.7
                rgb[3 * i] = UInt8(min(255, g * (1 - a) + 255 * a))
                rgb[3 * i + 1] = UInt8(g * (1 - a))
                rgb[3 * i + 2] = UInt8(g * (1 - a))
            }
        }
        return try Image(width: spec.width, height: spec.height, channels: 3, pixels: rgb, name: "occlusion heatmap")
    }
}
