import Foundation
import LoupeProcess
import LoupeTensor
import LoupeTestSupport
import XCTest

/// PCA monitoring (T², SPE, lags, EWMA, calibrated limits, contributions) and the univariate
/// charts with their run rules.
final class MonitoringTests: XCTestCase {
    /// Six tags driven by two hidden factors, plus noise.
    func plant(rows: Int, seed: UInt64, biasOn tag: Int? = nil, from start: Int = 0, bias: Double = 0) -> Matrix {
        var rng = SplitMix64(seed: seed)
        var m = Matrix(rows: rows, columns: 6)
        let load: [[Double]] = [[1, 0], [0.8, 0.3], [0.2, 1], [0.5, 0.5], [0, 1], [1, -1]]
        for i in 0..<rows {
            let f = [Double(rng.normal()), Double(rng.normal())]
            for j in 0..<6 { m[i, j] = load[j][0] * f[0] + load[j][1] * f[1] + 0.1 * Double(rng.normal()) + (j == tag && i >= start ? bias : 0) }
        }
        return m
    }

    let tags = ["flow", "steam", "fuel", "air", "o2", "flue"]

    func testLimitsHoldTheStatedRateAndContributionsNameTheBrokenSensor() throws {
        var monitor = try PCAMonitor.fit(plant(rows: 1000, seed: 1), tags: tags, settings: .plain(components: 2))
        monitor.calibrate(normal: plant(rows: 2000, seed: 2), falseAlarmRate: 0.01)
        XCTAssertLessThanOrEqual(try XCTUnwrap(monitor.calibratedFalseAlarmRate), 0.01)
        let fresh = monitor.alarms(plant(rows: 5000, seed: 3))
        XCTAssertLessThan(Double(fresh.filter { $0 }.count) / 5000, 0.02, "limits hold on new normal data")
        // The "air" sensor drifts by 0.6 (6 noise σ) from row 100: SPE sees the broken correlation.
        let faulty = plant(rows: 400, seed: 4, biasOn: 3, from: 100, bias: 0.6)
        let alarms = monitor.alarms(faulty)
        XCTAssertGreaterThan(Double(alarms[100...].filter { $0 }.count) / 300, 0.9)
        let c = monitor.contributions(faulty)
        let stats = monitor.statistics(faulty)
        for i in [0, 150, 399] {
            XCTAssertEqual(c.spe.row(i).reduce(0, +), stats.spe[i], accuracy: 1e-9 * max(1, stats.spe[i]))
            XCTAssertEqual(c.t2.row(i).reduce(0, +), stats.t2[i], accuracy: 1e-9 * max(1, stats.t2[i]))
        }
        let mean = (0..<6).map { j in (100..<400).reduce(0) { $0 + c.spe[$1, j] } }
        XCTAssertEqual(tags[mean.indices.max { mean[$0] < mean[$1] }!], "air")
        let outcome = try MonitorWorkflow.run(MonitorModel(pca: monitor, charts: [], ranges: [], trainedOn: "a", calibratedOn: "b"),
                                               on: ProcessTable(names: tags, columns: (0..<6).map { faulty.column($0) }))
        XCTAssertEqual(outcome.diagnosis.first?.tag, "air")
    }

    /// Row by row (follow mode) gives exactly the batch statistics, EWMA and lags included.
    func testStreamEqualsBatch() throws {
        var monitor = try PCAMonitor.fit(plant(rows: 800, seed: 5), tags: tags, settings: .init(lags: 2, components: nil, varianceFraction: 0.8, ewma: 0.1))
        monitor.calibrate(normal: plant(rows: 800, seed: 6), falseAlarmRate: 0.01)
        let data = plant(rows: 300, seed: 7, biasOn: 0, from: 150, bias: 1)
        let batch = monitor.statistics(data)
        var stream = MonitorStream(monitor)
        for i in 0..<300 {
            let p = try XCTUnwrap(stream.push(data.row(i)))
            XCTAssertEqual(p.t2, batch.t2[i], accuracy: 1e-9 * max(1, batch.t2[i]))
            XCTAssertEqual(p.spe, batch.spe[i], accuracy: 1e-9 * max(1, batch.spe[i]))
        }
        XCTAssertNil(stream.push([1, 2, .nan, 4, 5, 6]), "a row with a missing tag is skipped")
    }

    /// The real Tennessee Eastman data: fault 1 (A/C feed ratio step) is caught at the calibrated rate.
    func testTennesseeEastmanFaultOneIsDetectedAtTheCalibratedFalseAlarmRate() throws {
        let dir = repositoryRoot + "/Tests/Fixtures/process/"
        let normal = try ProcessTable.load(contentsOf: dir + "tep-d00.csv")
        let calibration = try ProcessTable.load(contentsOf: dir + "tep-d00_te.csv")
        let model = try MonitorWorkflow.build(normal: normal, calibration: calibration, MonitorRequest())
        XCTAssertEqual(model.pca.tags.count, 52)
        XCTAssertEqual(model.pca.components, 16, "2 lags, fewest components holding the 9-component static share")
        XCTAssertLessThanOrEqual(try XCTUnwrap(model.pca.calibratedFalseAlarmRate), 0.01)
        let fault = try MonitorWorkflow.run(model, on: try ProcessTable.load(contentsOf: dir + "tep-d01_te.csv"))
        let detection = Double(fault.alarms[160...].filter { $0 }.count) / 800
        print("TEP fault 1: detection \(detection), first alarm at row \(fault.firstAlarmRow ?? -1), diagnosis \(fault.diagnosis.prefix(3))")
        XCTAssertGreaterThan(detection, 0.95)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(fault.firstAlarmRow), 160, "no alarm before the fault")
    }

    func testChartsAndRunRules() throws {
        var rng = SplitMix64(seed: 8)
        let baseline = (0..<500).map { _ in 10 + Double(rng.normal()) }
        let ewma = try ControlChart.baseline(baseline, tag: "x", kind: .ewma)
        XCTAssertEqual(ewma.sigma, 1, accuracy: 0.1)
        let p = ewma.points([10, 10, 10])
        let l = 0.2
        XCTAssertEqual(p[0].upper - ewma.centre, 3 * ewma.sigma * (l / (2 - l) * (1 - pow(1 - l, 2))).squareRoot(), accuracy: 1e-12)
        // A 1σ shift: CUSUM signals within 20 samples, never before it.
        var cusum = try ControlChart.baseline(baseline, tag: "x", kind: .cusum)
        cusum.centre = 10
        cusum.sigma = 1
        let shifted = (0..<100).map { i in 10 + Double(rng.normal()) * 0.0 + (i >= 50 ? 1 : 0) }
        let first = cusum.points(shifted).firstIndex { $0.outOfControl }
        XCTAssertEqual(try XCTUnwrap(first), 50 + 10, "k = 0.5, h = 5: the sum grows 0.5σ a sample from the shift")
        // Each rule on the pattern it names, at the sample that completes it.
        func fires(_ values: [Double], _ rule: RunRule) -> [Int] {
            RunRule.violations(values, centre: 0, sigma: 1, rules: [rule]).map(\.index)
        }
        XCTAssertEqual(fires([0, 0, 3.5, 0], .beyondThreeSigma), [2])
        XCTAssertEqual(fires([-1] + Array(repeating: 0.5, count: 9), .nineOnOneSide), [9])
        XCTAssertEqual(fires([0, 1, 2, 3, 4, 5, 6].map { $0 * 0.1 }, .sixTrending), [5, 6])
        XCTAssertEqual(fires((0..<14).map { $0 % 2 == 0 ? 0.5 : -0.5 }, .fourteenAlternating), [13])
        XCTAssertEqual(fires([0, 2.5, 0, 2.2], .twoOfThreeBeyondTwoSigma), [3])
        XCTAssertEqual(fires([1.5, 1.2, 0, 1.1, 1.3], .fourOfFiveBeyondOneSigma), [4])
        XCTAssertEqual(fires(Array(repeating: 0.1, count: 15), .fifteenWithinOneSigma), [14])
        XCTAssertEqual(fires([1.5, -1.5, 1.5, -1.5, 1.5, -1.5, 1.5, -1.5], .eightOutsideOneSigma), [7])
        XCTAssertEqual(RunRule.violations(Array(repeating: 0.1, count: 5) + [.nan] + Array(repeating: 0.1, count: 5), centre: 0, sigma: 1).count, 0)
    }

    func testRangeLimitsParseAndSayWhatIsWrong() throws {
        let r = try RangeLimit(parsing: "O2=2.5:6")
        XCTAssertNil(r.violation(3))
        XCTAssertEqual(r.violation(7), "O2 = 7.0 above its high limit 6.0")
        XCTAssertEqual(r.violation(.nan), "O2 has no value")
        XCTAssertEqual(try RangeLimit(parsing: "T=:545").low, nil)
        XCTAssertThrowsError(try RangeLimit(parsing: "O2=6:2.5")) { XCTAssertTrue("\($0)".contains("low 6.0 is above high 2.5"), "\($0)") }
        XCTAssertThrowsError(try RangeLimit(parsing: "O2")) { XCTAssertTrue("\($0)".contains("expected TAG=LOW:HIGH"), "\($0)") }
    }
}
