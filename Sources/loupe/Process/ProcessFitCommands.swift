import ArgumentParser
import Foundation
import LoupeProcess

struct ProcessFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fit",
        abstract: "Fit and validate a model of a target: physics-shaped (monotone, squares, interactions, logs) or gradient-boosted trees.")
    @Argument(help: "Training CSV.") var data: String
    @Option(help: "The tag to predict.") var target: String
    @Option(help: "Input tags, comma-separated (default: every other numeric tag).") var inputs: String?
    @Option(help: "mechanistic (physics-shaped formula), trees (XGBoost), or refined (the formula refined by trees on its residuals, same constraints).") var kind = "mechanistic"
    @Option(help: "Directions the physics fixes, e.g. AT=-,V=-,AP=+ (held by construction).") var monotone: String?
    @Option(help: "Terms beyond proportional ones: squares, interactions, both as 'quadratic'.") var terms: String?
    @Option(help: "Inputs that also get a log term (positive inputs only).") var logs: String?
    @Option(help: "Ridge penalty on the scaled terms, or 'auto' to choose it by cross-validation.") var ridge = "0"
    @Option(help: "Physical ranges overriding the data's, e.g. AT=-5:45.") var range: String?
    @Option(help: "Validation: 5x2 or kfold:K.") var validation = "kfold:5"
    @Option(help: "Boosting rounds (trees).") var rounds = 1500
    @Option(help: "Learning rate (trees).") var learningRate = 0.03
    @Option(help: "Tree depth (trees).") var depth = 7
    @Option(help: "Model file to write.") var out: String
    @Option(help: "HTML report path.") var html: String?
    @Option(help: "Seed of the validation splits.") var seed: UInt64 = 1

    func run() throws {
        try runProcessCommand {
            var request = FitRequest(target: target)
            request.inputs = ProcessArguments.names(inputs)
            switch kind {
            case "mechanistic", "linear": request.kind = .mechanistic
            case "trees", "boosted-trees", "xgboost": request.kind = .boostedTrees
            case "refined", "physics+trees": request.kind = .refined
            default: throw ValidationError("--kind: '\(kind)'; expected mechanistic, trees or refined")
            }
            request.monotone = try ProcessArguments.monotone(monotone)
            var spec = MechanismTerms()
            for t in ProcessArguments.names(terms) {
                switch t {
                case "squares": spec.squares = true
                case "interactions": spec.interactions = true
                case "quadratic": spec.squares = true; spec.interactions = true
                case "linear": break
                default: throw ValidationError("--terms: '\(t)'; expected squares, interactions, quadratic or linear")
                }
            }
            spec.logs = ProcessArguments.names(logs)
            request.terms = spec
            if ridge == "auto" { request.autoRidge = true } else if let r = Double(ridge), r >= 0 { request.ridge = r } else {
                throw ValidationError("--ridge: '\(ridge)'; expected a number ≥ 0 or auto")
            }
            for (name, bounds) in try ProcessArguments.ranges(range, option: "--range") {
                guard let lo = bounds.0, let hi = bounds.1, hi > lo else { throw ValidationError("--range \(name): give both ends, low < high") }
                request.ranges[name] = lo...hi
            }
            if validation == "5x2" { request.validation = .fiveByTwo } else if validation.hasPrefix("kfold:"), let k = Int(validation.dropFirst(6)), k >= 2 {
                request.validation = .kFold(k)
            } else { throw ValidationError("--validation: '\(validation)'; expected 5x2 or kfold:K (K ≥ 2)") }
            request.trees.rounds = rounds
            request.trees.learningRate = learningRate
            request.trees.maxDepth = depth
            request.seed = seed
            let table = try ProcessTable.load(contentsOf: data)
            let outcome = try FitWorkflow.run(table, request)
            try outcome.model.write(to: out)
            let v = outcome.validation
            let unit = outcome.model.targetUnit.map { " \($0)" } ?? ""
            print("\(target) from \(outcome.model.inputs.map(\.name).joined(separator: ", ")): \(outcome.model.kind.rawValue), \(v.scheme) RMSE "
                  + String(format: "%.4g", v.rmse) + "\(unit), MAE " + String(format: "%.4g", v.mae) + "\(unit), R² " + String(format: "%.4f", v.r2)
                  + " on \(outcome.model.metadata.rows) rows")
            if let m = outcome.model.mechanistic { print("  \(m.formula)") }
            for note in outcome.notes { print("  note: \(note)") }
            print("model: \(out)")
            try ProcessArguments.write(FitWorkflow.report(outcome), to: html)
        }
    }
}

struct ProcessPredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict",
        abstract: "Predict a model's target for every row of a CSV, with the 1-σ uncertainty; CSV out.")
    @Argument(help: "Model file from `loupe process fit`.") var model: String
    @Argument(help: "CSV holding the model's inputs.") var data: String
    @Option(help: "Write predictions here (default: standard output).") var out: String?

    func run() throws {
        try runProcessCommand {
            let m = try ProcessModel.load(contentsOf: model)
            let table = try ProcessTable.load(contentsOf: data)
            let indices = try m.inputs.map { try table.index(of: $0.name) }
            for (input, j) in zip(m.inputs, indices) {
                if let want = input.unit, let have = table.units[j], want != have {
                    FileHandle.standardError.write(Data("warning: \(input.name) is in \(have) in \(data), the model was fitted in \(want)\n".utf8))
                }
            }
            // sigma: 1σ of a new measurement at that point; outside_range: inputs beyond the model's physical range.
            var lines = ["line,\(m.target)_predicted,\(m.target)_sigma,outside_range"]
            var outside = 0
            for i in 0..<table.rowCount {
                let row = indices.map { table.columns[$0][i] }
                guard row.allSatisfy(\.isFinite) else { lines.append("\(table.lines[i]),,,"); continue }
                let beyond = zip(row, m.inputs).filter { $0 < $1.low || $0 > $1.high }.map(\.1.name)
                if !beyond.isEmpty { outside += 1 }
                let y = try m.predict(row)
                lines.append("\(table.lines[i]),\(y),\(m.uncertainty(at: row)),\(beyond.joined(separator: " "))")
            }
            let text = lines.joined(separator: "\n") + "\n"
            if let out { try OutputFile.write(Data(text.utf8), to: out) } else { print(text, terminator: "") }
            if outside > 0 {
                FileHandle.standardError.write(Data("warning: \(outside) row\(outside == 1 ? "" : "s") outside the model's physical range (extrapolation; see the outside_range column)\n".utf8))
            }
        }
    }
}

struct ProcessUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update",
        abstract: "Update the formula of a mechanistic or refined model on new rows by recursive least squares with a forgetting factor, so it follows the plant.")
    @Argument(help: "Model file (mechanistic or refined).") var model: String
    @Argument(help: "CSV of new rows, oldest first.") var data: String
    @Option(help: "Forgetting factor in (0, 1]: 1 keeps every row's weight, 0.99 forgets with a ~100-row memory.") var forgetting = 0.995
    @Option(help: "Updated model file.") var out: String

    func run() throws {
        try runProcessCommand {
            var m = try ProcessModel.load(contentsOf: model)
            guard let formula = m.mechanistic else { throw ModelFitError("\(model): only models with a formula (mechanistic, refined) are updated online; refit trees with `fit`") }
            guard forgetting > 0 && forgetting <= 1 else { throw ValidationError("--forgetting \(forgetting): must be in (0, 1]") }
            let table = try ProcessTable.load(contentsOf: data)
            let inputs = try m.inputs.map { try table.index(of: $0.name) }
            let target = try table.index(of: m.target)
            // The fit's inverse information; without one, a weak prior.
            var cov = formula.parameterCovariance ?? .identity(formula.terms.count + 1)
            if formula.parameterCovariance == nil { for k in 0..<cov.rows { cov[k, k] = 1e3 } }
            var rls = RecursiveLeastSquares(coefficients: [formula.intercept] + formula.terms.map(\.coefficient), covariance: cov,
                                            forgetting: forgetting)
            // RLS tracks the a-priori error row by row; the coefficients written are the weighted
            // least-squares answer over the same rows with every sign constraint held exactly.
            let signs = [0] + formula.terms.map(\.sign)
            var information = try WeightedInformation(prior: rls.coefficients, covariance: cov, forgetting: forgetting)
            var sse = 0.0, n = 0
            for i in 0..<table.rowCount {
                let x = inputs.map { table.columns[$0][i] }
                var y = table.columns[target][i]
                guard x.allSatisfy(\.isFinite), y.isFinite else { continue }
                // A refined model's formula follows what its trees leave.
                if m.kind == .refined, let trees = m.trees { y -= try trees.predict(Matrix(rows: 1, columns: x.count, values: x))[0] }
                let e = rls.update(formula.regressors(x), y)
                information.update(formula.regressors(x), y)
                sse += e * e
                n += 1
            }
            guard n > 0 else { throw ProcessDataError.tooFewRows(operation: "updating \(m.target)", rows: 0, needed: 1) }
            let coefficients = signs.contains { $0 != 0 } ? try information.solve(signs: signs) : rls.coefficients
            var updated = formula.with(coefficients: coefficients)
            updated.parameterCovariance = rls.covariance
            m.mechanistic = updated
            m.metadata.notes.append("updated by RLS (forgetting \(forgetting)) on \(n) rows of \(data) at \(ISO8601DateFormatter().string(from: Date())); the validation above is the original fit's")
            m.metadata.rows += n
            try m.write(to: out)
            print("\(m.target): updated on \(n) rows; a-priori RMSE " + String(format: "%.4g", (sse / Double(n)).squareRoot())
                  + (signs.contains { $0 != 0 } ? "; constraints held exactly in the final fit" : "") + "; model: \(out)")
        }
    }
}
