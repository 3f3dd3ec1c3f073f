import Foundation
import LoupeTensor
import LoupeTraining

/// `loupe-bench augmentation`: a 300x300 ELPV-sized image through the augmentation SIMD kernels
/// and their scalar twins, side by side in one run; prints the medians (µs per image).
enum AugmentationBench {
    typealias K = AugmentationKernels

    /// Median microseconds of `repeats` calls (after one warm-up).
    static func median(_ repeats: Int, _ body: (Int) -> Void) -> Double {
        body(0)
        var times: [Double] = []
        for r in 0..<repeats {
            let start = MonotonicClock.seconds()
            body(r)
            times.append((MonotonicClock.seconds() - start) * 1e6)
        }
        return times.sorted()[repeats / 2]
    }

    static func run() {
        let (h, w) = (300, 300), n = h * w
        let augmenter = try! Augmenter(config: .inspectionDefault, channels: 1, height: h, width: w)
        var rng = SplitMix64(seed: 1)
        let source = (0..<n).map { _ in rng.uniform() }
        var destination = [Float](repeating: 0, count: n)
        // The default config draws a different subset of passes per seed: both time the same 21 seeds.
        let simd = median(210) { r in _ = augmenter.apply(source, into: &destination, seed: UInt64(r % 21)) }
        let scalar = median(21) { r in augmenter.applyReference(source, into: &destination, draw: augmenter.draw(seed: UInt64(r))) }
        print(String(format: "augment 300x300 inspectionDefault: SIMD %.1f µs/image, scalar twins %.1f µs/image (%.1fx)",
                     simd, scalar, scalar / simd))

        var x = source, y = destination
        let table = UnsafeMutablePointer<Float>.allocate(capacity: 4097)
        defer { table.deallocate() }
        func kernel(_ name: String, _ repeats: Int = 51, _ body: () -> Void) -> Double {
            let t = median(repeats) { _ in body() }
            print(String(format: "  %@: %.1f µs", name, t))
            return t
        }
        _ = kernel("rot90 (blocked transpose)") { K.rotate90(x, into: &y, planes: 1, height: h, width: w, quarterTurns: 1) }
        _ = kernel("rot90 reference") { K.rotate90Reference(x, into: &y, planes: 1, height: h, width: w, quarterTurns: 1) }
        _ = kernel("flipH") { K.flipHorizontal(x, into: &y, planes: 1, height: h, width: w) }
        _ = kernel("flipH reference") { K.flipHorizontalReference(x, into: &y, planes: 1, height: h, width: w) }
        _ = kernel("shift (5, -3)") { K.shift(x, into: &y, planes: 1, height: h, width: w, dx: 5, dy: -3, fill: .replicateEdge) }
        _ = kernel("shift reference") { K.shiftReference(x, into: &y, planes: 1, height: h, width: w, dx: 5, dy: -3, fill: .replicateEdge) }
        _ = kernel("affine+clamp") { K.affineClamp(&x, count: n, scale: 1, offset: 0) }
        _ = kernel("affine+clamp reference") { K.affineClampReference(&x, count: n, scale: 1, offset: 0) }
        let poly = kernel("gamma polynomial") { K.gammaPolynomial(&x, count: n, gamma: 1.0001) }
        let lut = kernel("gamma 4096-table (built per call)") { K.gammaTable(&x, count: n, gamma: 1.0001, table: table) }
        let pow = kernel("gamma powf reference", 11) { K.gammaReference(&x, count: n, gamma: 1.0001) }
        _ = kernel("noise") { K.addNoiseClamp(&x, count: n, sigma: 1e-6, seed: 3) }
        _ = kernel("noise reference") { K.addNoiseClampReference(&x, count: n, sigma: 1e-6, seed: 3) }
        print(String(format: "  gamma: polynomial %.1fx faster than the table, %.1fx than powf", lut / poly, pow / poly))
    }
}
