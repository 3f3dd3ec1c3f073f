import XCTest
import LoupeModel
import LoupeTestSupport

extension SplitMix64 {
    /// Uniform in [-1, 1) with values within `margin` of zero pushed out to ±`margin`·10: away from the ReLU kink.
    mutating func awayFromZero(_ count: Int, margin: Float = 1e-3) -> [Float] {
        floats(count).map { abs($0) < margin ? ($0 < 0 ? -10 * margin : 10 * margin) : $0 }
    }
}

/// Central finite differences in Double: `(f(x + h e_i) - f(x - h e_i)) / 2h` for every i.
func numericGradient(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    numericGradientSkippingKinks(x, h: h) { (f($0), 0) }.gradient
}

/// ``numericGradient`` for a function with kinks: `f` also returns the sign pattern of its
/// kinked inputs (ReLU inputs, max-pool winners); a coordinate whose `+h` or `-h` evaluation
/// changes that pattern is reported in `skipped` (its difference quotient straddles a kink).
func numericGradientSkippingKinks<Signature: Equatable>(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> (Double, Signature))
    -> (gradient: [Double], skipped: [Int]) {
    let base = f(x).1
    var x = x
    var g = [Double](repeating: 0, count: x.count)
    var skipped: [Int] = []
    for i in x.indices {
        let saved = x[i]
        x[i] = saved + h
        let plus = f(x)
        x[i] = saved - h
        let minus = f(x)
        x[i] = saved
        g[i] = (plus.0 - minus.0) / (2 * h)
        if plus.1 != base || minus.1 != base { skipped.append(i) }
    }
    return (g, skipped)
}

/// Worst relative error of an analytic gradient against a numeric one:
/// `max_i |a_i - n_i| / max(|n_i|, floor)`, the floor being 1e-3 of the tensor's largest
/// numeric entry so entries that cancel to ~0 are judged on the tensor's scale.
func relativeError(_ analytic: [Float], _ numeric: [Double]) -> (error: Double, index: Int) {
    precondition(analytic.count == numeric.count)
    let scale = max(numeric.map(abs).max() ?? 0, 1e-12)
    var worst = (error: 0.0, index: -1)
    for i in numeric.indices {
        let e = abs(Double(analytic[i]) - numeric[i]) / max(abs(numeric[i]), 1e-3 * scale)
        if e > worst.error || worst.index < 0 { worst = (e, i) }
    }
    return worst
}

/// Fails when the analytic gradient is off by more than `tolerance` (relative, see ``relativeError``).
func assertGradient(_ analytic: [Float], _ numeric: [Double], tolerance: Double = 1e-4, _ name: String,
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(analytic.count, numeric.count, "\(name): count", file: file, line: line)
    let (error, i) = relativeError(analytic, numeric)
    print("gradcheck \(name): max relative error \(error)")
    XCTAssertLessThanOrEqual(error, tolerance,
                             "\(name): relative error \(error) at \(i): analytic \(analytic[i]) numeric \(numeric[i])",
                             file: file, line: line)
}

/// `Σ_i y_i r_i`: a scalar loss whose gradient with respect to `y` is the random projection `r`.
func project(_ y: [Double], _ r: [Double]) -> Double {
    var s = 0.0
    for i in y.indices { s += y[i] * r[i] }
    return s
}
