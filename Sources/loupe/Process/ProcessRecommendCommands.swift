import ArgumentParser
import Foundation
import LoupeProcess
import LoupeTensor

struct ProcessRecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recommend",
        abstract: "Recommend set-points that minimise or maximise a model's target within hard bounds, step limits and quality limits, for a person to approve.")
    @Argument(help: "Objective model (from `loupe process fit`).") var model: String
    @Option(help: "Operating point now, e.g. AT=20,V=50,AP=1010,RH=70 (every model input).") var current: String?
    @Option(help: "Take the operating point from the last complete row of this CSV.") var currentFrom: String?
    @Flag(help: "Maximise the target (output, yield).") var maximize = false
    @Flag(help: "Minimise the target (energy, fuel).") var minimize = false
    @Option(help: "Inputs the optimiser may not move (ambient, raw material), comma-separated.") var fixed: String?
    @Option(help: "Hard bounds, e.g. V=30:70 (default: the model's physical range).") var bound: String?
    @Option(help: "Largest move per input from the current point, e.g. V=5,AP=2.") var step: String?
    @Option(help: "Quality limit on another model's prediction: MODEL.json:LOW:HIGH (either side may be empty); repeatable.") var quality: [String] = []
    @Option(help: "Recommendation file to write (JSON, for approval).") var out = "recommendation.json"
    @Option(help: "HTML page for the person approving.") var html: String?

    func run() throws {
        try runProcessCommand {
            guard maximize != minimize else { throw ValidationError("say --maximize or --minimize") }
            let objective = try ProcessModel.load(contentsOf: model)
            let names = objective.inputs.map(\.name)
            var now: [Double]
            if let current {
                let given = try ProcessArguments.values(current, option: "--current")
                for k in given.keys where !names.contains(k) { throw ValidationError("--current: '\(k)' is not an input of \(model) (\(names.joined(separator: ", ")))") }
                now = try names.map { n in
                    guard let v = given[n] else { throw ValidationError("--current: no value for \(n); the model needs \(names.joined(separator: ", "))") }
                    return v
                }
            } else if let currentFrom {
                let table = try ProcessTable.load(contentsOf: currentFrom)
                let indices = try names.map { try table.index(of: $0) }
                guard let last = (0..<table.rowCount).last(where: { i in indices.allSatisfy { table.columns[$0][i].isFinite } }) else {
                    throw ValidationError("--current-from \(currentFrom): no row has every input (\(names.joined(separator: ", ")))")
                }
                now = indices.map { table.columns[$0][last] }
                print("current point from line \(table.lines[last]) of \(currentFrom)")
            } else { throw ValidationError("give the operating point: --current NAME=VALUE,… or --current-from DATA.csv") }
            var problem = SetPointProblem(objective: objective, sense: maximize ? .maximize : .minimize, current: now)
            let fixedNames = ProcessArguments.names(fixed)
            for n in fixedNames where !names.contains(n) { throw ValidationError("--fixed: '\(n)' is not an input (\(names.joined(separator: ", ")))") }
            problem.fixed = names.map { fixedNames.contains($0) }
            for (n, b) in try ProcessArguments.ranges(bound, option: "--bound") {
                guard let i = names.firstIndex(of: n) else { throw ValidationError("--bound: '\(n)' is not an input") }
                guard !problem.fixed[i] else { throw ModelFitError("--bound: \(n) is --fixed; a fixed input stays at its current value") }
                let input = objective.inputs[i]
                if let lo = b.0 { problem.low[i] = lo }
                if let hi = b.1 { problem.high[i] = hi }
                // The model knows nothing beyond its physical range: bounds are held inside it.
                if problem.low[i] < input.low || problem.high[i] > input.high {
                    problem.low[i] = max(problem.low[i], input.low)
                    problem.high[i] = min(problem.high[i], input.high)
                    print("note: --bound \(n) reaches beyond the model's range \(input.low)…\(input.high); held inside it (no extrapolation)")
                }
            }
            for (i, x) in now.enumerated() where problem.fixed[i] && (x < objective.inputs[i].low || x > objective.inputs[i].high) {
                print("note: \(names[i]) = \(x) (fixed) is outside the model's range \(objective.inputs[i].low)…\(objective.inputs[i].high): the predictions extrapolate")
            }
            for (i, x) in now.enumerated() where !problem.fixed[i] && (x < problem.low[i] || x > problem.high[i]) {
                print("note: \(names[i]) = \(x) is outside its bounds now; the recommendation moves it inside, even at a cost")
            }
            for (n, s) in try ProcessArguments.values(step, option: "--step") {
                guard let i = names.firstIndex(of: n) else { throw ValidationError("--step: '\(n)' is not an input") }
                guard s >= 0 else { throw ValidationError("--step \(n)=\(s): a step limit cannot be negative") }
                problem.step[i] = s
            }
            for q in quality {
                let parts = q.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3 else { throw ValidationError("--quality '\(q)': expected MODEL.json:LOW:HIGH") }
                let low = parts[1].isEmpty ? nil : Double(parts[1]), high = parts[2].isEmpty ? nil : Double(parts[2])
                guard (parts[1].isEmpty || low != nil), (parts[2].isEmpty || high != nil) else { throw ValidationError("--quality '\(q)': limits must be numbers") }
                problem.quality.append(.init(model: try ProcessModel.load(contentsOf: parts[0]), low: low, high: high))
            }
            var rec = try SetPointOptimizer.recommend(problem)
            rec.model = model
            rec.modelSha256 = SHA256.hex([UInt8](FileManager.default.contents(atPath: model) ?? Data()))
            try rec.write(to: out)
            let unit = objective.targetUnit.map { " \($0)" } ?? ""
            print("\(problem.sense.rawValue) \(objective.target): \(String(format: "%.5g", rec.predictedNow)) → \(String(format: "%.5g", rec.predictedRecommended))\(unit), "
                  + "gain \(String(format: "%.4g", rec.gain)) ± \(String(format: "%.3g", rec.gainUncertainty))\(unit) (1σ)")
            for s in rec.settings where !s.fixed {
                print("  \(s.name): \(String(format: "%.5g", s.current)) → \(String(format: "%.5g", s.recommended))  (allowed \(String(format: "%.5g", s.low))…\(String(format: "%.5g", s.high)))")
            }
            for q in rec.quality { print("  quality \(q.name): \(String(format: "%.5g", q.predicted)) \(q.satisfied ? "within limits" : "OUT OF LIMITS")") }
            print("recommendation: \(out) — approve with `loupe process approve \(out) --by NAME`")
            try ProcessArguments.write(rec.report(problem: problem), to: html)
        }
    }
}

struct ProcessApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve",
        abstract: "Approve (or --reject) a set-point recommendation; the decision is appended to the audit trail.")
    @Argument(help: "Recommendation file from `loupe process recommend`.") var recommendation: String
    @Option(help: "Who decides.") var by: String
    @Flag(help: "Reject instead of approve.") var reject = false
    @Option(help: "A note kept with the decision.") var note: String?
    @Option(help: "Audit trail (JSON lines).") var audit = "recommendations-audit.jsonl"

    func run() throws {
        try runProcessCommand {
            let entry = try RecommendationAudit(path: audit).record(recommendationPath: recommendation, who: by, approve: !reject, note: note)
            print("\(entry.decision) by \(entry.who) at \(entry.time): \(entry.objective) gain \(String(format: "%.4g", entry.predictedGain)); "
                  + entry.setPoints.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.5g", $0.value))" }.joined(separator: ", "))
            print("audit: \(audit)")
        }
    }
}
