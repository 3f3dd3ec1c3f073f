import Foundation

/// What `loupe process fit` is asked: which target from which inputs, with which model and
/// constraints, validated how.
public struct FitRequest: Sendable {
    public enum Validation: Sendable, Equatable {
        case fiveByTwo
        case kFold(Int)
        public var name: String { switch self { case .fiveByTwo: return "5x2"; case let .kFold(k): return "k-fold (k = \(k))" } }
    }

    public var target: String
    /// Inputs by name; empty = every other numeric tag.
    public var inputs: [String] = []
    public var kind: ProcessModel.Kind = .mechanistic
    public var monotone: [String: Monotonicity] = [:]
    /// Physical ranges overriding the data's min–max.
    public var ranges: [String: ClosedRange<Double>] = [:]
    public var terms: MechanismTerms = .linear
    public var ridge = 0.0
    /// Choose the ridge penalty by 5-fold cross-validation inside each fit (nested in the validation).
    public var autoRidge = false
    public var trees = BoostedTreesSettings()
    public var validation: Validation = .kFold(5)
    public var seed: UInt64 = 1

    public init(target: String) { self.target = target }
}

/// A fitted model with its validation and what the report shows.
public struct FitOutcome: Sendable {
    public var model: ProcessModel
    public var validation: ValidationSummary
    public var actual: [Double]
    /// Out-of-split prediction per row (the last run that tested it).
    public var outOfSplit: [Double]
    public var curves: [EffectCurves.Curve]
    public var inputData: Matrix
    /// Things the user should know: dropped rows, constraints the data disagrees with.
    public var notes: [String]
}

/// Fits and validates a process model on a table.
public enum FitWorkflow {
    /// The rows and inputs a fit uses, checked: (inputs, target, input descriptions, notes).
    static func prepare(_ table: ProcessTable, _ request: FitRequest) throws -> (Matrix, [Double], [ModelInput], [String], Int) {
        let targetIndex = try table.index(of: request.target)
        let inputIndices = try (request.inputs.isEmpty ? table.names.filter { $0 != table.names[targetIndex] } : request.inputs).map { try table.index(of: $0) }
        guard !inputIndices.isEmpty else { throw ModelFitError("fit: no inputs; name them with --inputs") }
        for name in request.monotone.keys where !inputIndices.contains(where: { table.names[$0] == name }) {
            throw ModelFitError("monotone constraint on '\(name)', which is not an input (inputs: \(inputIndices.map { table.names[$0] }.joined(separator: ", ")))")
        }
        for j in inputIndices + [targetIndex] where !table.columns[j].contains(where: \.isFinite) {
            throw ProcessDataError.unusableColumn(name: table.names[j], reason: "it has no values (all \(table.rowCount) rows are missing or bad)")
        }
        let (rows, all) = table.completeRows(inputIndices + [targetIndex])
        var notes: [String] = []
        if rows.count < table.rowCount {
            notes.append("\(table.rowCount - rows.count) of \(table.rowCount) rows were left out: a missing or bad value in the target or an input")
        }
        let x = all.selectingColumns(Array(0..<inputIndices.count))
        let y = all.column(inputIndices.count)
        guard y.count >= 10 else { throw ProcessDataError.tooFewRows(operation: "fitting \(request.target)", rows: y.count, needed: 10) }
        let yMin = y.min()!, yMax = y.max()!
        guard yMax - yMin > 1e-12 * max(1, abs(yMax)) else {
            throw ProcessDataError.unusableColumn(name: request.target, reason: "it is constant (\(yMin) in every usable row): there is nothing to predict")
        }
        var inputs: [ModelInput] = []
        for (k, j) in inputIndices.enumerated() {
            let c = x.column(k)
            let range = request.ranges[table.names[j]] ?? (c.min()!...c.max()!)
            guard range.upperBound > range.lowerBound else {
                throw ProcessDataError.unusableColumn(name: table.names[j], reason: "it is constant in the usable rows, so it cannot explain \(request.target)")
            }
            let outside = c.filter { !range.contains($0) }.count
            if outside > 0 {
                notes.append("\(outside) row\(outside == 1 ? " has" : "s have") \(table.names[j]) outside its physical range \(range.lowerBound)…\(range.upperBound); the model's shape (and any constraint) holds only inside it")
            }
            inputs.append(ModelInput(name: table.names[j], low: range.lowerBound, high: range.upperBound, unit: table.units[j],
                                     monotone: request.monotone[table.names[j]] ?? .free))
        }
        return (x, y, inputs, notes, targetIndex)
    }

    /// Fits the requested model on all usable rows, without validation.
    public static func makeModel(_ table: ProcessTable, _ request: FitRequest) throws -> ProcessModel {
        let (x, y, inputs, notes, targetIndex) = try prepare(table, request)
        var model = try makeFitter(request, inputs: inputs, targetUnit: table.units[targetIndex], source: table.source)(x, y, nil)
        model.metadata.notes = notes + model.metadata.notes
        return model
    }

    public static func run(_ table: ProcessTable, _ request: FitRequest) throws -> FitOutcome {
        var (x, y, inputs, notes, targetIndex) = try prepare(table, request)
        let fitter = makeFitter(request, inputs: inputs, targetUnit: table.units[targetIndex], source: table.source)
        let splits: [Split]
        switch request.validation {
        case .fiveByTwo: splits = CrossValidation.fiveByTwo(rows: y.count, seed: request.seed)
        case let .kFold(k): splits = CrossValidation.kFold(rows: y.count, k: k, seed: request.seed)
        }
        let (summary, outOfSplit) = try CrossValidation.evaluate(x: x, y: y, splits: splits, scheme: request.validation.name) { xs, ys in
            let m = try fitter(xs, ys, nil)
            return { try m.predict($0) }
        }
        var model = try fitter(x, y, summary.rmse)
        model.metadata.validation = summary
        model.metadata.rows = y.count
        // Where the data alone would slope against a constraint, say so (the model holds the constraint).
        if request.kind != .boostedTrees {
            let free = try MechanisticFit.fit(x: x, y: y, inputs: inputs.map { var i = $0; i.monotone = .free; return i }, target: request.target,
                                              terms: .linear, ridge: 0)
            if let slopes = free.rawLinearCoefficients() {
                for (k, input) in inputs.enumerated() where input.monotone != .free && Double(input.monotone.sign) * slopes[k + 1] < 0 {
                    notes.append("\(input.name): the data alone slopes the other way (\(String(format: "%.4g", slopes[k + 1])) per unit); the model holds it \(input.monotone.rawValue)")
                }
            }
        }
        notes += model.metadata.notes
        model.metadata.notes = notes
        let curves = try EffectCurves.compute(model, data: x)
        return FitOutcome(model: model, validation: summary, actual: y, outOfSplit: outOfSplit, curves: curves, inputData: x, notes: notes)
    }

    /// A function fitting the requested kind on (inputs, target); the third argument is the held-out
    /// RMSE to store as the tree model's uncertainty (nil inside cross-validation).
    static func makeFitter(_ request: FitRequest, inputs: [ModelInput], targetUnit: String?, source: String)
        -> (Matrix, [Double], Double?) throws -> ProcessModel {
        return { x, y, heldOutRMSE in
            let metadata = ProcessModel.Metadata(trainedOn: source, rows: y.count)
            switch request.kind {
            case .mechanistic:
                let ridge = request.autoRidge ? try chooseRidge(x: x, y: y, inputs: inputs, request) : request.ridge
                let m = try MechanisticFit.fit(x: x, y: y, inputs: inputs, target: request.target, terms: request.terms, ridge: ridge)
                var model = ProcessModel(mechanistic: m, targetUnit: targetUnit, metadata: metadata)
                if request.autoRidge { model.metadata.notes.append("ridge \(ridge), chosen by 5-fold cross-validation") }
                return model
            case .refined:
                let ridge = request.autoRidge ? try chooseRidge(x: x, y: y, inputs: inputs, request) : request.ridge
                let m = try MechanisticFit.fit(x: x, y: y, inputs: inputs, target: request.target, terms: request.terms, ridge: ridge)
                let residuals = (0..<x.rows).map { y[$0] - m.predict(x.row($0)) }
                let trees = try BoostedTrees.train(x: x, y: residuals, monotone: inputs.map(\.monotone), settings: request.trees)
                return ProcessModel(mechanistic: m, residualTrees: trees, settings: request.trees, targetUnit: targetUnit,
                                    residualStandardDeviation: heldOutRMSE ?? 0, metadata: metadata)
            case .boostedTrees:
                let trees = try BoostedTrees.train(x: x, y: y, monotone: inputs.map(\.monotone), settings: request.trees)
                return ProcessModel(trees: trees, settings: request.trees, target: request.target, targetUnit: targetUnit, inputs: inputs,
                                    residualStandardDeviation: heldOutRMSE ?? 0, metadata: metadata)
            }
        }
    }

    /// The ridge penalty (from 10⁻³ to 10³) with the lowest 5-fold cross-validated error on these rows.
    static func chooseRidge(x: Matrix, y: [Double], inputs: [ModelInput], _ request: FitRequest) throws -> Double {
        let grid = [0] + (0...12).map { pow(10, -3 + 0.5 * Double($0)) }
        let splits = CrossValidation.kFold(rows: y.count, k: min(5, y.count), seed: request.seed &+ 17)
        var best = (Double.infinity, request.ridge)
        for ridge in grid {
            let (summary, _) = try CrossValidation.evaluate(x: x, y: y, splits: splits, scheme: "inner") { xs, ys in
                let m = try MechanisticFit.fit(x: xs, y: ys, inputs: inputs, target: request.target, terms: request.terms, ridge: ridge)
                return { rows in (0..<rows.rows).map { m.predict(rows.row($0)) } }
            }
            if summary.rmse < best.0 { best = (summary.rmse, ridge) }
        }
        return best.1
    }

    /// The fit report: summary, validation, parity and residual plots, effect curves, the formula.
    public static func report(_ outcome: FitOutcome) -> HTMLReport {
        let model = outcome.model
        var r = HTMLReport(title: "Process model: \(model.target)", subtitle: "\(model.kind.rawValue) model fitted on \(model.metadata.trainedOn)")
        let unit = model.targetUnit ?? ""
        let v = outcome.validation
        r.addKeyValues([
            ("target", model.targetUnit.map { "\(model.target) [\($0)]" } ?? model.target),
            ("inputs", model.inputs.map { $0.monotone == .free ? $0.name : "\($0.name) (\($0.monotone.rawValue))" }.joined(separator: ", ")),
            ("rows used", "\(model.metadata.rows)"),
            ("validation", "\(v.scheme), \(v.runs) runs"),
            ("RMSE", "\(ReportFormat.number(v.rmse, digits: 4)) \(unit)"),
            ("MAE", "\(ReportFormat.number(v.mae, digits: 4)) \(unit)"),
            ("R²", ReportFormat.number(v.r2, digits: 4)),
        ])
        for note in outcome.notes { r.addAlert(note, level: .warning) }
        r.addHeading("Held-out predictions")
        let tested = outcome.outOfSplit.indices.filter { outcome.outOfSplit[$0].isFinite }
        let actual = tested.map { outcome.actual[$0] }, predicted = tested.map { outcome.outOfSplit[$0] }
        r.addFigure(ScatterChart.parity(actual: actual, predicted: predicted, title: "Predicted vs measured \(model.target)", unit: unit),
                    caption: "Each row predicted by a model that did not see it (\(v.scheme)).")
        r.addFigure(ScatterChart.residuals(predicted: predicted, residuals: zip(actual, predicted).map { $0 - $1 }, title: "Residuals", unit: unit),
                    caption: "Measured minus predicted; a pattern here is structure the model misses.")
        r.addHeading("Effect curves")
        let curves = outcome.curves.enumerated().map { k, c in
            EffectCurve(variable: c.input, unit: c.unit ?? "", x: c.x, y: c.y, lower: c.lower, upper: c.upper, observed: outcome.inputData.column(k))
        }
        r.addFigure(LineChart.effectCurves(curves, title: "Effect of each input on \(model.target)", yLabel: "\(model.target) \(unit)"),
                    caption: "Each input swept over its physical range, the others at their median; band ±2σ of the mean prediction.")
        let broken = outcome.curves.filter { !$0.respectsConstraint }.map(\.input)
        if !broken.isEmpty { r.addAlert("Effect curves against their constraint: \(broken.joined(separator: ", "))", level: .error) }
        if let m = model.mechanistic {
            r.addHeading("Formula")
            r.addParagraph(m.formula + "   (xˢ: x scaled to [0, 1] over its physical range)")
            r.addTable(headers: ["input", "low", "high", "constraint"],
                       rows: model.inputs.map { [$0.name, ReportFormat.number($0.low, digits: 5), ReportFormat.number($0.high, digits: 5), $0.monotone.rawValue] },
                       numericColumns: [1, 2])
        }
        r.addHeading("Validation runs")
        r.addTable(headers: ["run", "RMSE"], rows: v.runRMSE.enumerated().map { ["\($0.offset + 1)", ReportFormat.number($0.element, digits: 4)] },
                   numericColumns: [1])
        return r
    }
}
