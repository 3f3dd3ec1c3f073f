import Foundation
import LoupeProcess
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Physics-shaped models, boosted trees, validation schemes, online updating and the model file.
final class ProcessModelTests: XCTestCase {
    let ccpp = repositoryRoot + "/Tests/Fixtures/process/ccpp-400.csv"

    func inputsAndTarget(_ table: ProcessTable, _ names: [String], _ target: String) throws -> (Matrix, [Double]) {
        let idx = try names.map { try table.index(of: $0) }
        let (_, m) = table.completeRows(idx + [try table.index(of: target)])
        return (m.selectingColumns(Array(0..<names.count)), m.column(names.count))
    }

    /// The plain linear fit equals numpy's least squares, and its signs are the physics'.
    func testLinearFitEqualsNumpyAndHasThePhysicalSigns() throws {
        let table = try ProcessTable.load(contentsOf: ccpp)
        var request = FitRequest(target: "PE")
        request.inputs = ["AT", "V", "AP", "RH"]
        let outcome = try FitWorkflow.run(table, request)
        let ours = try XCTUnwrap(outcome.model.mechanistic?.rawLinearCoefficients())
        let python = try requirePeer { () -> String in
            guard let p = PLCPeer.python(repo: repositoryRoot) else { throw PeerError.missing(".venv-test/bin/python — run scripts/setup-test-venv.sh") }
            return p
        }
        let script = """
        import numpy as np, sys
        d = np.genfromtxt(sys.argv[1], delimiter=',', names=True)
        X = np.column_stack([np.ones(len(d)), d['AT'], d['V'], d['AP'], d['RH']])
        print(' '.join(repr(float(c)) for c in np.linalg.lstsq(X, d['PE'], rcond=None)[0]))
        """
        let (status, out, err) = try runProcess(python, ["-c", script, ccpp])
        XCTAssertEqual(status, 0, err)
        let numpy = String(decoding: out, as: UTF8.self).split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(numpy.count, 5)
        for (a, b) in zip(ours, numpy) { XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)), "ours \(ours), numpy \(numpy)") }
        XCTAssertEqual(ours[1...].map { $0 < 0 ? "-" : "+" }, ["-", "-", "+", "-"], "AT −, V −, AP +, RH −")
        XCTAssertEqual(outcome.validation.runs, 5)
        XCTAssertLessThan(outcome.validation.rmse, 6)
    }

    /// A constraint holds whatever the data says: y falls then rises with x1, and the model told
    /// "increasing" never falls over the physical range, in any term combination.
    func testMonotoneConstraintsHoldByConstruction() throws {
        var rng = SplitMix64(seed: 11)
        var rows: [[Double]] = [], y: [Double] = []
        for _ in 0..<400 {
            let x1 = Double(rng.uniform(0, 10)), x2 = Double(rng.uniform(1, 5)), x3 = Double(rng.uniform(-2, 2))
            rows.append([x1, x2, x3])
            y.append((x1 - 4) * (x1 - 4) - 3 * x2 + x2 * x3 + Double(rng.normal()) * 0.1)
        }
        let x = Matrix(rowArrays: rows)
        let inputs = [ModelInput(name: "x1", low: 0, high: 10, monotone: .increasing), ModelInput(name: "x2", low: 1, high: 5, monotone: .decreasing),
                      ModelInput(name: "x3", low: -2, high: 2)]
        for spec in [MechanismTerms.linear, .quadratic, MechanismTerms(squares: true, interactions: true, logs: ["x2"])] {
            let m = try MechanisticFit.fit(x: x, y: y, inputs: inputs, target: "y", terms: spec, ridge: 1e-3)
            for _ in 0..<300 {
                var p = [Double(rng.uniform(0, 10)), Double(rng.uniform(1, 5)), Double(rng.uniform(-2, 2))]
                let base = m.predict(p)
                p[0] = min(10, p[0] + Double(rng.uniform(0, 2)))
                XCTAssertGreaterThanOrEqual(m.predict(p), base - 1e-9, "x1 increasing, terms \(spec)")
                let base2 = m.predict(p)
                p[1] = min(5, p[1] + Double(rng.uniform(0, 1)))
                XCTAssertLessThanOrEqual(m.predict(p), base2 + 1e-9, "x2 decreasing, terms \(spec)")
            }
            for t in m.terms where t.sign != 0 { XCTAssertGreaterThanOrEqual(Double(t.sign) * t.coefficient, 0) }
        }
    }

    /// NNLS against enumerating every active set on small problems.
    func testNonNegativeLeastSquaresMatchesExhaustiveSearch() throws {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<30 {
            let a = Matrix(rows: 12, columns: 4, values: (0..<48).map { _ in Double(rng.normal()) })
            let b = (0..<12).map { _ in Double(rng.normal()) }
            let flags = [true, true, false, true]
            let x = try NonNegativeLeastSquares.solve(a, b, nonNegative: flags)
            func cost(_ x: [Double]) -> Double { zip(b, a.times(x)).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            var best = Double.infinity
            for mask in 0..<16 {
                let cols = (0..<4).filter { mask & (1 << $0) != 0 }
                guard !cols.isEmpty, let sol = try? LinearAlgebra.leastSquares(a.selectingColumns(cols), b) else { continue }
                var full = [Double](repeating: 0, count: 4)
                for (k, j) in cols.enumerated() { full[j] = sol.x[k] }
                if (0..<4).allSatisfy({ !flags[$0] || full[$0] >= 0 }) { best = min(best, cost(full)) }
            }
            XCTAssertTrue((0..<4).allSatisfy { !flags[$0] || x[$0] >= 0 })
            XCTAssertEqual(cost(x), best, accuracy: 1e-9 * max(1, best))
        }
    }

    func testBoostedTreesKeepTheirMonotoneConstraintAndSurviveTheModelFile() throws {
        var rng = SplitMix64(seed: 2)
        var rows: [[Double]] = [], y: [Double] = []
        for _ in 0..<600 {
            let x1 = Double(rng.uniform(0, 1)), x2 = Double(rng.uniform(0, 1))
            rows.append([x1, x2])
            y.append(-3 * x1 + sin(6 * x2) + 0.6 * Double(rng.normal()))
        }
        var settings = BoostedTreesSettings()
        settings.rounds = 80
        settings.learningRate = 0.1
        settings.maxDepth = 4
        let trees = try BoostedTrees.train(x: Matrix(rowArrays: rows), y: y, monotone: [.decreasing, .free], settings: settings)
        for x2 in stride(from: 0.0, through: 1.0, by: 0.1) {
            let sweep = Matrix(rowArrays: stride(from: 0.0, through: 1.0, by: 0.01).map { [$0, x2] })
            let p = try trees.predict(sweep)
            XCTAssertTrue((1..<p.count).allSatisfy { p[$0] <= p[$0 - 1] + 1e-6 }, "not decreasing in x1 at x2 = \(x2)")
        }
        let inputs = [ModelInput(name: "x1", low: 0, high: 1, monotone: .decreasing), ModelInput(name: "x2", low: 0, high: 1)]
        let model = ProcessModel(trees: trees, settings: settings, target: "y", inputs: inputs, residualStandardDeviation: 0.6,
                                 metadata: .init(trainedOn: "synthetic", rows: 600))
        let path = try makeTemporaryDirectory(self, "process-model") + "/trees.json"
        try model.write(to: path)
        let back = try ProcessModel.load(contentsOf: path)
        let probe = Matrix(rowArrays: rows.prefix(50).map { $0 })
        XCTAssertEqual(try back.predict(probe), try model.predict(probe))
        XCTAssertEqual(back.inputs, inputs)
    }

    /// The formula refined by trees on its residuals stays monotone where it is constrained, and
    /// survives the model file.
    func testRefinedModelIsMonotoneAndRoundTrips() throws {
        let table = try ProcessTable.load(contentsOf: ccpp)
        var r = FitRequest(target: "PE")
        r.inputs = ["AT", "V", "AP", "RH"]
        r.kind = .refined
        r.terms = .quadratic
        r.monotone = ["AT": .decreasing]
        r.trees.rounds = 60
        r.trees.learningRate = 0.1
        let outcome = try FitWorkflow.run(table, r)
        let model = outcome.model
        XCTAssertEqual(model.kind, .refined)
        XCTAssertTrue(outcome.curves.first { $0.input == "AT" }!.respectsConstraint)
        var rng = SplitMix64(seed: 12)
        for _ in 0..<50 {
            var row = model.inputs.map { $0.low + ($0.high - $0.low) * Double(rng.uniform()) }
            let sweep = Matrix(rowArrays: stride(from: model.inputs[0].low, through: model.inputs[0].high, by: 0.5).map { row[0] = $0; return row })
            let p = try model.predict(sweep)
            XCTAssertTrue((1..<p.count).allSatisfy { p[$0] <= p[$0 - 1] + 1e-6 }, "PE must not rise with AT")
        }
        let path = try makeTemporaryDirectory(self, "process-refined") + "/m.json"
        try model.write(to: path)
        let probe = table.completeRows([0, 1, 2, 3]).matrix
        XCTAssertEqual(try ProcessModel.load(contentsOf: path).predict(probe), try model.predict(probe))
    }

    func testValidationSchemesTestEveryRowTheRightNumberOfTimes() {
        let fold = CrossValidation.kFold(rows: 103, k: 5, seed: 1)
        XCTAssertEqual(fold.flatMap(\.test).sorted(), Array(0..<103))
        for s in fold { XCTAssertTrue(Set(s.train).isDisjoint(with: s.test)); XCTAssertEqual(s.train.count + s.test.count, 103) }
        let five = CrossValidation.fiveByTwo(rows: 100, seed: 1)
        XCTAssertEqual(five.count, 10)
        var tested = [Int](repeating: 0, count: 100)
        for s in five { for i in s.test { tested[i] += 1 }; XCTAssertTrue(Set(s.train).isDisjoint(with: s.test)) }
        XCTAssertEqual(Set(tested), [5])
        XCTAssertNotEqual(five[0].test, five[2].test, "each repeat is a new shuffle")
    }

    /// With no forgetting, row-by-row updating ends exactly where the batch fit on all rows is;
    /// with forgetting, it follows a plant whose gain changed.
    func testRecursiveLeastSquaresEqualsTheBatchFitAndFollowsDrift() throws {
        var rng = SplitMix64(seed: 9)
        let n = 600
        let design = Matrix(rowArrays: (0..<n).map { _ in [1, Double(rng.normal()), Double(rng.normal()), Double(rng.uniform(0, 1))] })
        let y = (0..<n).map { i in 2 + 1.5 * design[i, 1] - 0.7 * design[i, 2] + 3 * design[i, 3] + 0.2 * Double(rng.normal()) }
        var rls = try RecursiveLeastSquares(batchDesign: design.selectingRows(Array(0..<20)), y: Array(y[0..<20]))
        for i in 20..<n { rls.update(design.row(i), y[i]) }
        let batch = try LinearAlgebra.leastSquares(design, y).x
        for (a, b) in zip(rls.coefficients, batch) { XCTAssertEqual(a, b, accuracy: 1e-9) }

        // The plant's gain on x1 goes from 1.5 to 3 halfway.
        let drifted = (0..<n).map { i in y[i] + (i >= n / 2 ? 1.5 * design[i, 1] : 0) }
        var keep = try RecursiveLeastSquares(batchDesign: design.selectingRows(Array(0..<20)), y: Array(drifted[0..<20]))
        var forget = try RecursiveLeastSquares(batchDesign: design.selectingRows(Array(0..<20)), y: Array(drifted[0..<20]), forgetting: 0.97)
        for i in 20..<n { keep.update(design.row(i), drifted[i]); forget.update(design.row(i), drifted[i]) }
        XCTAssertEqual(forget.coefficients[1], 3, accuracy: 0.1)
        XCTAssertGreaterThan(abs(keep.coefficients[1] - 3), 0.5, "without forgetting the old gain still weighs half")
    }

    /// A physics-shaped quadratic model has exactly collinear terms; forgetting over thousands of
    /// rows must not let the directions the data never excites blow the update up.
    func testUpdatingACollinearFormulaWithForgettingStaysBounded() throws {
        let table = try ProcessTable.load(contentsOf: ccpp)
        var r = FitRequest(target: "PE")
        r.inputs = ["AT", "V", "AP", "RH"]
        r.monotone = ["AT": .decreasing]
        r.terms = .quadratic
        let model = try XCTUnwrap(FitWorkflow.makeModel(table, r).mechanistic)
        let (x, y) = try inputsAndTarget(table, ["AT", "V", "AP", "RH"], "PE")
        var rls = RecursiveLeastSquares(coefficients: [model.intercept] + model.terms.map(\.coefficient),
                                        covariance: try XCTUnwrap(model.parameterCovariance), forgetting: 0.995)
        let signs = [0] + model.terms.map(\.sign)
        var information = try WeightedInformation(prior: rls.coefficients, covariance: try XCTUnwrap(model.parameterCovariance), forgetting: 0.995)
        var sse = 0.0, n = 0
        for pass in 0..<15 { for i in 0..<x.rows {
            let e = rls.update(model.regressors(x.row(i)), y[i])
            information.update(model.regressors(x.row(i)), y[i])
            if pass == 14 { sse += e * e; n += 1 }
        } }
        let rmse = (sse / Double(n)).squareRoot()
        let constrained = try information.solve(signs: signs)
        let updated = model.with(coefficients: constrained)
        let after = ((0..<x.rows).reduce(0.0) { let e = y[$1] - updated.predict(x.row($1)); return $0 + e * e } / Double(x.rows)).squareRoot()
        print("RLS, 6,000 updates at forgetting 0.995 on a collinear formula: a-priori RMSE \(rmse) in the last pass; constrained weighted fit RMSE \(after) (batch \(model.residualStandardDeviation))")
        XCTAssertLessThan(rmse, 3 * model.residualStandardDeviation)
        XCTAssertLessThan(after, 1.1 * model.residualStandardDeviation)
        for (k, s) in signs.enumerated() where s != 0 { XCTAssertGreaterThanOrEqual(Double(s) * constrained[k], 0, "term \(k) kept its sign") }
    }

    /// With no forgetting, the weighted information started from the unconstrained fit of the
    /// first rows and fed the rest gives exactly the batch constrained fit on all rows.
    func testWeightedInformationEqualsTheBatchConstrainedFit() throws {
        let table = try ProcessTable.load(contentsOf: ccpp)
        let (x, y) = try inputsAndTarget(table, ["AT", "V", "AP", "RH"], "PE")
        let inputs = (0..<4).map { j in ModelInput(name: ["AT", "V", "AP", "RH"][j], low: x.column(j).min()!, high: x.column(j).max()!,
                                                   monotone: j == 0 ? .decreasing : (j == 1 ? .decreasing : .free)) }
        let all = try MechanisticFit.fit(x: x, y: y, inputs: inputs, target: "PE", terms: .quadratic)
        // The prior: the unconstrained least-squares fit of the first 150 rows on the same terms.
        let head = Array(0..<150)
        let design = Matrix(rowArrays: head.map { all.regressors(x.row($0)) })
        let prior = try LinearAlgebra.leastSquares(design, head.map { y[$0] }).x
        var information = try WeightedInformation(prior: prior, covariance: try LinearAlgebra.pseudoInverseSymmetric(LinearAlgebra.gram(design)),
                                                  forgetting: 1)
        for i in 150..<x.rows { information.update(all.regressors(x.row(i)), y[i]) }
        let theta = try information.solve(signs: [0] + all.terms.map(\.sign))
        let updated = all.with(coefficients: theta)
        for i in stride(from: 0, to: x.rows, by: 37) {
            XCTAssertEqual(updated.predict(x.row(i)), all.predict(x.row(i)), accuracy: 1e-6, "row \(i)")
        }
    }

    func testBadModelsAndTargetsAreClearErrors() throws {
        let dir = try makeTemporaryDirectory(self, "process-bad")
        try "{not json".write(toFile: dir + "/a.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ProcessModel.load(contentsOf: dir + "/a.json")) { XCTAssertTrue("\($0)".contains("not valid JSON"), "\($0)") }
        try #"{"format": "other", "version": 1}"#.write(toFile: dir + "/b.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ProcessModel.load(contentsOf: dir + "/b.json")) { XCTAssertTrue("\($0)".contains("missing key"), "\($0)") }
        var rows = "a,b,c,empty\n"
        for i in 0..<30 { rows += "\(i),\(i % 7),5,\n" }
        try rows.write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
        let table = try ProcessTable.load(contentsOf: dir + "/t.csv")
        XCTAssertThrowsError(try FitWorkflow.run(table, { var r = FitRequest(target: "c"); r.inputs = ["a"]; return r }())) {
            XCTAssertEqual("\($0)", "column 'c' cannot be used: it is constant (5.0 in every usable row): there is nothing to predict")
        }
        XCTAssertThrowsError(try FitWorkflow.run(table, { var r = FitRequest(target: "a"); r.inputs = ["empty"]; return r }())) {
            XCTAssertTrue("\($0)".contains("'empty' cannot be used: it has no values"), "\($0)")
        }
        XCTAssertThrowsError(try FitWorkflow.run(table, { var r = FitRequest(target: "a"); r.inputs = ["nope"]; return r }())) {
            XCTAssertTrue("\($0)".contains("no column 'nope'; the data has: a, b, c, empty"), "\($0)")
        }
        XCTAssertThrowsError(try FitWorkflow.run(table, { var r = FitRequest(target: "a"); r.inputs = ["b"]; r.monotone = ["c": .increasing]; return r }())) {
            XCTAssertTrue("\($0)".contains("monotone constraint on 'c', which is not an input"), "\($0)")
        }
    }
}
