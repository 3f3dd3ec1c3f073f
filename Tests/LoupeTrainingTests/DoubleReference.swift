import Foundation
import LoupeKernels
import LoupeTestSupport

/// Double-precision forward twins of every training layer: what finite differences run on.
/// Plain loops, written from the definitions, independent of the module's code.
enum DoubleReference {
    /// `(B, Cin, H, W) -> (B, Cout, OH, OW)`, groups = 1.
    static func conv(_ g: ConvGeometry, batch: Int, x: [Double], w: [Double], bias: [Double]?) -> [Double] {
        let oh = g.outHeight, ow = g.outWidth, k = g.kernel
        var y = [Double](repeating: 0, count: batch * g.outputCount)
        for b in 0..<batch {
            for oc in 0..<g.outChannels {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var acc = bias?[oc] ?? 0
                        for ic in 0..<g.inChannels {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                                    guard iy >= 0, iy < g.inHeight, ix >= 0, ix < g.inWidth else { continue }
                                    acc += x[b * g.inputCount + (ic * g.inHeight + iy) * g.inWidth + ix]
                                        * w[((oc * g.inChannels + ic) * k + ky) * k + kx]
                                }
                            }
                        }
                        y[b * g.outputCount + (oc * oh + oy) * ow + ox] = acc
                    }
                }
            }
        }
        return y
    }

    /// Training-mode batch norm, `(B, C, S)`.
    static func batchNorm(batch: Int, channels: Int, spatial: Int, x: [Double], gamma: [Double], beta: [Double], epsilon: Double) -> [Double] {
        var y = x
        let n = Double(batch * spatial)
        for c in 0..<channels {
            var mean = 0.0
            for b in 0..<batch { for i in 0..<spatial { mean += x[(b * channels + c) * spatial + i] } }
            mean /= n
            var variance = 0.0
            for b in 0..<batch { for i in 0..<spatial { let d = x[(b * channels + c) * spatial + i] - mean; variance += d * d } }
            variance /= n
            for b in 0..<batch {
                for i in 0..<spatial {
                    let j = (b * channels + c) * spatial + i
                    y[j] = gamma[c] * (x[j] - mean) / (variance + epsilon).squareRoot() + beta[c]
                }
            }
        }
        return y
    }

    static func relu(_ x: [Double]) -> [Double] { x.map { max($0, 0) } }

    /// `(B, C, H, W) -> (B, C, OH, OW)`.
    static func pool(_ g: PoolGeometry, batch: Int, x: [Double], isMax: Bool, countIncludePad: Bool = false) -> [Double] {
        let oh = g.outHeight, ow = g.outWidth, h = g.inHeight, w = g.inWidth
        var y = [Double](repeating: 0, count: batch * g.channels * oh * ow)
        for plane in 0..<(batch * g.channels) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc = isMax ? -Double.infinity : 0
                    var n = 0
                    for ky in 0..<g.kernel {
                        for kx in 0..<g.kernel {
                            let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            let v = x[plane * h * w + iy * w + ix]
                            acc = isMax ? max(acc, v) : acc + v
                            n += 1
                        }
                    }
                    if !isMax { acc /= Double(countIncludePad ? g.kernel * g.kernel : n) }
                    y[(plane * oh + oy) * ow + ox] = acc
                }
            }
        }
        return y
    }

    static func globalAvgPool(planes: Int, spatial: Int, x: [Double]) -> [Double] {
        (0..<planes).map { p in x[(p * spatial)..<((p + 1) * spatial)].reduce(0, +) / Double(spatial) }
    }

    /// `(B, In) -> (B, Out)`, weights `(Out, In)`.
    static func dense(batch: Int, inFeatures: Int, outFeatures: Int, x: [Double], w: [Double], bias: [Double]?) -> [Double] {
        var y = [Double](repeating: 0, count: batch * outFeatures)
        for b in 0..<batch {
            for o in 0..<outFeatures {
                var acc = bias?[o] ?? 0
                for i in 0..<inFeatures { acc += x[b * inFeatures + i] * w[o * inFeatures + i] }
                y[b * outFeatures + o] = acc
            }
        }
        return y
    }

    /// The loss of ``SoftmaxCrossEntropy`` from its definition: `Σ_b Σ_k -w_k t_bk log p_bk / Σ_b Σ_k w_k t_bk`.
    static func softmaxCrossEntropy(batch: Int, classes: Int, logits: [Double], targets: [Double], weights: [Double]?) -> Double {
        var loss = 0.0, mass = 0.0
        for b in 0..<batch {
            let z = Array(logits[(b * classes)..<((b + 1) * classes)])
            let m = z.max()!
            let logSum = m + log(z.map { exp($0 - m) }.reduce(0, +))
            for k in 0..<classes {
                let wt = (weights?[k] ?? 1) * targets[b * classes + k]
                loss += wt * (logSum - z[k])
                mass += wt
            }
        }
        return loss / mass
    }
}
