import XCTest
import LoupeKernels
import LoupeModel
@testable import LoupeTraining
import LoupeTestSupport

/// Every layer's analytic backward against central finite differences of its Double twin
/// (tiny shapes, seeded inputs, away from ReLU/max-pool kinks), plus: the Float forward
/// matches the Double forward, and backward accumulates (running it twice doubles the gradients, to rounding).
final class LayerGradientTests: XCTestCase {
    /// Running `backward` twice into the same buffers must give exactly twice the first result.
    func assertAccumulates(_ buffers: [AlignedBuffer], _ name: String, backward: () -> Void,
                           file: StaticString = #filePath, line: UInt = #line) {
        for b in buffers { b.p.update(repeating: 0, count: b.count) }
        backward()
        let once = buffers.map(\.array)
        backward()
        // Not bit-exact: an element fed by several terms rounds differently when it starts non-zero.
        for (i, b) in buffers.enumerated() {
            let scale = max(once[i].map(abs).max() ?? 0, 1e-12)
            let worst = zip(b.array, once[i]).map { abs($0 - 2 * $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst / scale, 1e-5, "\(name): gradient \(i) does not accumulate", file: file, line: line)
        }
    }

    func assertForward(_ got: [Float], _ want: [Double], _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, file: file, line: line)
        let scale = max(want.map(abs).max() ?? 0, 1e-12)
        let worst = zip(got, want).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst / scale, 1e-5, "\(name): forward differs from the Double twin", file: file, line: line)
    }

    // MARK: conv

    func testConvGradientsAgainstFiniteDifferences() {
        let geometries = [
            ConvGeometry(inChannels: 3, outChannels: 4, inHeight: 5, inWidth: 5, kernel: 3, stride: 1, padding: 1),
            ConvGeometry(inChannels: 3, outChannels: 4, inHeight: 5, inWidth: 5, kernel: 3, stride: 2, padding: 1),
            ConvGeometry(inChannels: 3, outChannels: 2, inHeight: 6, inWidth: 5, kernel: 3, stride: 2, padding: 0),
            ConvGeometry(inChannels: 3, outChannels: 5, inHeight: 5, inWidth: 4, kernel: 1),
            ConvGeometry(inChannels: 2, outChannels: 3, inHeight: 7, inWidth: 7, kernel: 5, stride: 2, padding: 2),
        ]
        let batch = 2
        for (n, g) in geometries.enumerated() {
            var rng = SplitMix64(seed: 100 + UInt64(n))
            let x = AlignedBuffer(rng.floats(batch * g.inputCount)), w = AlignedBuffer(rng.floats(g.weightCount, scale: 0.5))
            let bias = AlignedBuffer(rng.floats(g.outChannels)), r = AlignedBuffer(rng.floats(batch * g.outputCount))
            let y = AlignedBuffer(zeros: batch * g.outputCount)
            ConvLayer.forward(g, batch: batch, input: x.p, weights: w.p, bias: bias.p, output: y.p)
            assertForward(y.array, DoubleReference.conv(g, batch: batch, x: x.doubles, w: w.doubles, bias: bias.doubles), "conv \(g)")

            let xd = x.doubles, wd = w.doubles, bd = bias.doubles, rd = r.doubles
            let numX = numericGradient(xd) { project(DoubleReference.conv(g, batch: batch, x: $0, w: wd, bias: bd), rd) }
            let numW = numericGradient(wd) { project(DoubleReference.conv(g, batch: batch, x: xd, w: $0, bias: bd), rd) }
            let numB = numericGradient(bd) { project(DoubleReference.conv(g, batch: batch, x: xd, w: wd, bias: $0), rd) }

            let dx = AlignedBuffer(zeros: x.count), dw = AlignedBuffer(zeros: w.count), db = AlignedBuffer(zeros: bias.count)
            for reference in [false, true] {
                let name = "\(reference ? "reference" : "gemm") \(g)"
                assertAccumulates([dx, dw, db], name) {
                    if reference {
                        ConvLayer.backwardReference(g, batch: batch, dInput: dx.p, dWeights: dw.p, dBias: db.p, dOutput: r.p, input: x.p, weights: w.p)
                    } else {
                        ConvLayer.backward(g, batch: batch, dInput: dx.p, dWeights: dw.p, dBias: db.p, dOutput: r.p, input: x.p, weights: w.p)
                    }
                }
                // After two runs the buffers hold 2x the gradient.
                assertGradient(dx.array.map { $0 / 2 }, numX, "dX \(name)")
                assertGradient(dw.array.map { $0 / 2 }, numW, "dW \(name)")
                assertGradient(db.array.map { $0 / 2 }, numB, "dB \(name)")
            }
        }
    }

    // MARK: batch norm

    func testBatchNormGradientsAgainstFiniteDifferences() {
        for (batch, channels, spatial) in [(2, 3, 25), (4, 3, 1)] {
            var rng = SplitMix64(seed: 7 + UInt64(spatial))
            let x = AlignedBuffer(rng.floats(batch * channels * spatial).map { $0 * 2 + 0.5 })
            let gamma = AlignedBuffer(rng.floats(channels).map { 1 + 0.5 * $0 }), beta = AlignedBuffer(rng.floats(channels))
            let r = AlignedBuffer(rng.floats(x.count))
            let y = AlignedBuffer(zeros: x.count), mean = AlignedBuffer(zeros: channels), invStd = AlignedBuffer(zeros: channels)
            let runningMean = AlignedBuffer(zeros: channels), runningVar = AlignedBuffer([Float](repeating: 1, count: channels))
            let eps: Float = 1e-5
            BatchNormLayer.forward(batch: batch, channels: channels, spatial: spatial, input: x.p, gamma: gamma.p, beta: beta.p,
                                   epsilon: eps, output: y.p, saveMean: mean.p, saveInvStd: invStd.p,
                                   runningMean: runningMean.p, runningVar: runningVar.p, momentum: 0.1)
            let xd = x.doubles, gd = gamma.doubles, bd = beta.doubles, rd = r.doubles
            func bn(_ x: [Double], _ g: [Double], _ b: [Double]) -> [Double] {
                DoubleReference.batchNorm(batch: batch, channels: channels, spatial: spatial, x: x, gamma: g, beta: b, epsilon: Double(eps))
            }
            assertForward(y.array, bn(xd, gd, bd), "batchnorm")

            // Running statistics: PyTorch's update, the variance unbiased.
            let n = batch * spatial
            for c in 0..<channels {
                let values = (0..<batch).flatMap { b in (0..<spatial).map { xd[(b * channels + c) * spatial + $0] } }
                let m = values.reduce(0, +) / Double(n)
                let unbiased = values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(n - 1)
                XCTAssertEqual(Double(runningMean[c]), 0.1 * m, accuracy: 1e-6)
                XCTAssertEqual(Double(runningVar[c]), 0.9 + 0.1 * unbiased, accuracy: 1e-5)
            }

            let numX = numericGradient(xd) { project(bn($0, gd, bd), rd) }
            let numG = numericGradient(gd) { project(bn(xd, $0, bd), rd) }
            let numB = numericGradient(bd) { project(bn(xd, gd, $0), rd) }
            let dx = AlignedBuffer(zeros: x.count), dg = AlignedBuffer(zeros: channels), db = AlignedBuffer(zeros: channels)
            assertAccumulates([dx, dg, db], "batchnorm") {
                BatchNormLayer.backward(batch: batch, channels: channels, spatial: spatial, dInput: dx.p, dGamma: dg.p, dBeta: db.p,
                                        dOutput: r.p, input: x.p, gamma: gamma.p, saveMean: mean.p, saveInvStd: invStd.p)
            }
            assertGradient(dx.array.map { $0 / 2 }, numX, "batchnorm dX (\(batch), \(channels), \(spatial))")
            assertGradient(dg.array.map { $0 / 2 }, numG, "batchnorm dGamma")
            assertGradient(db.array.map { $0 / 2 }, numB, "batchnorm dBeta")
        }
    }

    // MARK: relu, residual add

    func testReLUGradientAgainstFiniteDifferences() {
        var rng = SplitMix64(seed: 11)
        let count = 2 * 3 * 5 * 5
        let x = AlignedBuffer(rng.awayFromZero(count)), r = AlignedBuffer(rng.floats(count)), y = AlignedBuffer(zeros: count)
        ReLULayer.forward(count: count, input: x.p, output: y.p)
        assertForward(y.array, DoubleReference.relu(x.doubles), "relu")
        let rd = r.doubles
        let num = numericGradient(x.doubles) { project(DoubleReference.relu($0), rd) }
        let dx = AlignedBuffer(zeros: count)
        assertAccumulates([dx], "relu") { ReLULayer.backward(count: count, dInput: dx.p, dOutput: r.p, output: y.p) }
        assertGradient(dx.array.map { $0 / 2 }, num, "relu dX")
    }

    func testResidualAddGradient() {
        var rng = SplitMix64(seed: 12)
        let count = 2 * 3 * 5 * 5
        let a = AlignedBuffer(rng.floats(count)), b = AlignedBuffer(rng.floats(count)), r = AlignedBuffer(rng.floats(count))
        let y = AlignedBuffer(zeros: count)
        ResidualAdd.forward(count: count, a.p, b.p, output: y.p)
        assertForward(y.array, zip(a.doubles, b.doubles).map(+), "add")
        let ad = a.doubles, bd = b.doubles, rd = r.doubles
        let numA = numericGradient(ad) { project(zip($0, bd).map(+), rd) }
        let numB = numericGradient(bd) { project(zip(ad, $0).map(+), rd) }
        let da = AlignedBuffer(zeros: count), db = AlignedBuffer(zeros: count)
        assertAccumulates([da, db], "add") { ResidualAdd.backward(count: count, dA: da.p, dB: db.p, dOutput: r.p) }
        assertGradient(da.array.map { $0 / 2 }, numA, "add dA")
        assertGradient(db.array.map { $0 / 2 }, numB, "add dB")
    }

    // MARK: pools

    func testMaxPoolGradientAgainstFiniteDifferences() {
        let geometries = [
            PoolGeometry(channels: 3, inHeight: 5, inWidth: 5, kernel: 2, stride: 2),
            PoolGeometry(channels: 3, inHeight: 5, inWidth: 5, kernel: 3, stride: 2, padding: 1),
            PoolGeometry(channels: 3, inHeight: 5, inWidth: 6, kernel: 3, stride: 1, padding: 1),
        ]
        let batch = 2
        for (n, g) in geometries.enumerated() {
            var rng = SplitMix64(seed: 20 + UInt64(n))
            let inCount = batch * g.channels * g.inHeight * g.inWidth, outCount = batch * g.channels * g.outHeight * g.outWidth
            // Distinct values 0.01 apart: a 1e-5 step never changes a window's winner.
            let x = AlignedBuffer(rng.distinct(inCount)), r = AlignedBuffer(rng.floats(outCount)), y = AlignedBuffer(zeros: outCount)
            let argmax = UnsafeMutablePointer<Int32>.allocate(capacity: outCount)
            defer { argmax.deallocate() }
            MaxPoolLayer.forward(g, batch: batch, input: x.p, output: y.p, argmax: argmax)
            assertForward(y.array, DoubleReference.pool(g, batch: batch, x: x.doubles, isMax: true), "maxpool")
            let rd = r.doubles
            let num = numericGradient(x.doubles) { project(DoubleReference.pool(g, batch: batch, x: $0, isMax: true), rd) }
            let dx = AlignedBuffer(zeros: inCount)
            assertAccumulates([dx], "maxpool") { MaxPoolLayer.backward(g, batch: batch, dInput: dx.p, dOutput: r.p, argmax: argmax) }
            assertGradient(dx.array.map { $0 / 2 }, num, "maxpool dX k\(g.kernel) s\(g.stride) p\(g.padding)")
        }
    }

    func testAvgPoolGradientAgainstFiniteDifferences() {
        let geometries = [
            PoolGeometry(channels: 3, inHeight: 5, inWidth: 5, kernel: 2, stride: 2),
            PoolGeometry(channels: 3, inHeight: 5, inWidth: 5, kernel: 3, stride: 2, padding: 1),
            PoolGeometry(channels: 3, inHeight: 6, inWidth: 5, kernel: 3, stride: 1, padding: 1),
        ]
        let batch = 2
        for (n, g) in geometries.enumerated() {
            for includePad in [false, true] {
                var rng = SplitMix64(seed: 30 + UInt64(n))
                let inCount = batch * g.channels * g.inHeight * g.inWidth, outCount = batch * g.channels * g.outHeight * g.outWidth
                let x = AlignedBuffer(rng.floats(inCount)), r = AlignedBuffer(rng.floats(outCount)), y = AlignedBuffer(zeros: outCount)
                AvgPoolLayer.forward(g, batch: batch, countIncludePad: includePad, input: x.p, output: y.p)
                assertForward(y.array, DoubleReference.pool(g, batch: batch, x: x.doubles, isMax: false, countIncludePad: includePad), "avgpool")
                let rd = r.doubles
                let num = numericGradient(x.doubles) {
                    project(DoubleReference.pool(g, batch: batch, x: $0, isMax: false, countIncludePad: includePad), rd)
                }
                let dx = AlignedBuffer(zeros: inCount)
                assertAccumulates([dx], "avgpool") {
                    AvgPoolLayer.backward(g, batch: batch, countIncludePad: includePad, dInput: dx.p, dOutput: r.p)
                }
                assertGradient(dx.array.map { $0 / 2 }, num, "avgpool dX k\(g.kernel) s\(g.stride) p\(g.padding) includePad \(includePad)")
            }
        }
    }

    func testGlobalAvgPoolGradientAgainstFiniteDifferences() {
        var rng = SplitMix64(seed: 40)
        let (batch, channels, spatial) = (2, 3, 25)
        let x = AlignedBuffer(rng.floats(batch * channels * spatial)), r = AlignedBuffer(rng.floats(batch * channels))
        let y = AlignedBuffer(zeros: batch * channels)
        GlobalAvgPoolLayer.forward(batch: batch, channels: channels, spatial: spatial, input: x.p, output: y.p)
        assertForward(y.array, DoubleReference.globalAvgPool(planes: batch * channels, spatial: spatial, x: x.doubles), "gap")
        let rd = r.doubles
        let num = numericGradient(x.doubles) { project(DoubleReference.globalAvgPool(planes: batch * channels, spatial: spatial, x: $0), rd) }
        let dx = AlignedBuffer(zeros: x.count)
        assertAccumulates([dx], "gap") { GlobalAvgPoolLayer.backward(batch: batch, channels: channels, spatial: spatial, dInput: dx.p, dOutput: r.p) }
        assertGradient(dx.array.map { $0 / 2 }, num, "gap dX")
    }

    // MARK: dense

    func testDenseGradientsAgainstFiniteDifferences() {
        var rng = SplitMix64(seed: 50)
        let (batch, inF, outF) = (2, 7, 3)
        let x = AlignedBuffer(rng.floats(batch * inF)), w = AlignedBuffer(rng.floats(outF * inF)), bias = AlignedBuffer(rng.floats(outF))
        let r = AlignedBuffer(rng.floats(batch * outF)), y = AlignedBuffer(zeros: batch * outF)
        DenseLayer.forward(batch: batch, inFeatures: inF, outFeatures: outF, input: x.p, weights: w.p, bias: bias.p, output: y.p)
        let xd = x.doubles, wd = w.doubles, bd = bias.doubles, rd = r.doubles
        func dense(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
            DoubleReference.dense(batch: batch, inFeatures: inF, outFeatures: outF, x: x, w: w, bias: b)
        }
        assertForward(y.array, dense(xd, wd, bd), "dense")
        let numX = numericGradient(xd) { project(dense($0, wd, bd), rd) }
        let numW = numericGradient(wd) { project(dense(xd, $0, bd), rd) }
        let numB = numericGradient(bd) { project(dense(xd, wd, $0), rd) }
        let dx = AlignedBuffer(zeros: x.count), dw = AlignedBuffer(zeros: w.count), db = AlignedBuffer(zeros: outF)
        for reference in [false, true] {
            assertAccumulates([dx, dw, db], "dense") {
                if reference {
                    DenseLayer.backwardReference(batch: batch, inFeatures: inF, outFeatures: outF, dInput: dx.p, dWeights: dw.p, dBias: db.p,
                                                 dOutput: r.p, input: x.p, weights: w.p)
                } else {
                    DenseLayer.backward(batch: batch, inFeatures: inF, outFeatures: outF, dInput: dx.p, dWeights: dw.p, dBias: db.p,
                                        dOutput: r.p, input: x.p, weights: w.p)
                }
            }
            assertGradient(dx.array.map { $0 / 2 }, numX, "dense dX reference=\(reference)")
            assertGradient(dw.array.map { $0 / 2 }, numW, "dense dW reference=\(reference)")
            assertGradient(db.array.map { $0 / 2 }, numB, "dense dB reference=\(reference)")
        }
    }

    // MARK: softmax + cross-entropy

    func testSoftmaxCrossEntropyGradientsAgainstFiniteDifferences() {
        let (batch, classes) = (3, 4)
        var rng = SplitMix64(seed: 60)
        let logits = AlignedBuffer(rng.floats(batch * classes, scale: 3))
        let labels: [Int32] = [2, 0, 3]
        let oneHot = (0..<batch).flatMap { b in (0..<classes).map { Float($0 == Int(labels[b]) ? 1 : 0) } }
        // Soft targets: label smoothing 0.1 of the one-hot rows.
        let smooth = AlignedBuffer(oneHot.map { 0.9 * $0 + 0.1 / Float(classes) })
        let weights = AlignedBuffer([0.5, 2, 1, 3])
        let probs = AlignedBuffer(zeros: batch * classes)
        labels.withUnsafeBufferPointer { labelPointer in
            for (soft, weighted) in [(false, false), (false, true), (true, false), (true, true)] {
                let targets: CrossEntropyTargets = soft ? .soft(smooth.p) : .labels(labelPointer.baseAddress!)
                let targetsD = (soft ? smooth.array : oneHot).map(Double.init)
                let w = weighted ? weights.p : nil
                let wd: [Double]? = weighted ? weights.doubles : nil
                let name = "softmax-CE soft=\(soft) weighted=\(weighted)"
                let loss = SoftmaxCrossEntropy.forward(batch: batch, classes: classes, logits: logits.p, targets: targets,
                                                       classWeights: w, probabilities: probs.p)
                let lossD = DoubleReference.softmaxCrossEntropy(batch: batch, classes: classes, logits: logits.doubles, targets: targetsD, weights: wd)
                XCTAssertEqual(Double(loss), lossD, accuracy: 1e-6 * max(1, abs(lossD)), name)
                for b in 0..<batch {
                    XCTAssertEqual((0..<classes).map { Double(probs[b * classes + $0]) }.reduce(0, +), 1, accuracy: 1e-6)
                }
                let num = numericGradient(logits.doubles) {
                    DoubleReference.softmaxCrossEntropy(batch: batch, classes: classes, logits: $0, targets: targetsD, weights: wd)
                }
                let d = AlignedBuffer(zeros: batch * classes)
                assertAccumulates([d], name) {
                    SoftmaxCrossEntropy.backward(batch: batch, classes: classes, dLogits: d.p, dLoss: 1, probabilities: probs.p,
                                                 targets: targets, classWeights: w)
                }
                assertGradient(d.array.map { $0 / 2 }, num, name)
            }
        }
    }
}

extension AlignedBuffer {
    subscript(i: Int) -> Float { pointer[i] }
}
