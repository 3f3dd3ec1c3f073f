import Foundation
import LoupeProcess
import LoupeTensor

// The process-model benchmark (make bench-process): real data installed at run time, peers run in
// the same run (numpy, scikit-learn, SciPy SLSQP, PLS, a Python PCA), ratios printed, results in
// Benchmarks/results/process.json.
//   loupe-process-bench --data DIR --peers peers.json --tep-peer tep.json --python PY --out FILE [--quick]

var arguments = [String: String]()
var quick = false
var k = 1
while k < CommandLine.arguments.count {
    let a = CommandLine.arguments[k]
    if a == "--quick" { quick = true; k += 1; continue }
    guard a.hasPrefix("--"), k + 1 < CommandLine.arguments.count else { fatalError("usage: loupe-process-bench --data DIR --peers F --tep-peer F --python PY --out F [--quick]") }
    arguments[String(a.dropFirst(2))] = CommandLine.arguments[k + 1]
    k += 2
}
guard let data = arguments["data"], let out = arguments["out"] else { fatalError("--data and --out are required") }
let peers = arguments["peers"].flatMap { FileManager.default.contents(atPath: $0) }.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
let tepPeer = arguments["tep-peer"].flatMap { FileManager.default.contents(atPath: $0) }.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
var results: [String: Any] = ["quick": quick, "cpu_model": CPUDescription.current.summary, "cpu": CPUDescription.current.json, "host_cores": ProcessInfo.processInfo.activeProcessorCount,
                               "date": ISO8601DateFormatter().string(from: Date())]
print("CPU: \(CPUDescription.current.summary), \(ProcessInfo.processInfo.activeProcessorCount) cores")
func say(_ s: String) { print(s); fflush(stdout) }
func elapsed(_ body: () throws -> Void) rethrows -> Double { let t = Date(); try body(); return Date().timeIntervalSince(t) }

func peer(_ path: [String], in object: [String: Any] = peers) -> Any? {
    var node: Any? = object
    for key in path { node = (node as? [String: Any])?[key] }
    return node
}

// ── Streaming: a year of 1-minute data for 1,000 tags through `loupe process report` ───────────
if let loupe = arguments["loupe"] {
    let rows = quick ? 20_000 : 525_600, tags = 1000
    say("== Streaming: \(rows) rows × \(tags) tags (\(rows * tags / 1_000_000) M values) through loupe process report")
    let path = (out as NSString).deletingLastPathComponent + "/tmp/year-\(rows).csv"
    try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = FileHandle(forWritingAtPath: path)!
    handle.write(Data(("time," + (0..<tags).map { "TAG\($0) [unit]" }.joined(separator: ",") + "\n").utf8))
    var gen = SplitMix64(seed: 5)
    var buffer = [UInt8]()
    buffer.reserveCapacity(1 << 24)
    let start = 1_704_067_200  // 2024-01-01 00:00 UTC
    let writeSeconds = elapsed {
        for r in 0..<rows {
            let t = start + 60 * r
            let day = t / 86400, secs = t % 86400
            // Days since 1970 → civil date (Hinnant).
            let z = day + 719468, era = z / 146097, doe = z - era * 146097
            let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153
            let d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2 ? 1 : 0)
            buffer += Array(String(format: "%04d-%02d-%02d %02d:%02d", y, m, d, secs / 3600, secs % 3600 / 60).utf8)
            for _ in 0..<tags {
                let v = Int(gen.next() % 100_000)
                buffer.append(UInt8(ascii: ","))
                buffer += Array(String(v / 10).utf8)
                buffer.append(UInt8(ascii: "."))
                buffer.append(UInt8(48 + v % 10))
            }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count > (1 << 24) - 20_000 { handle.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
        }
        handle.write(Data(buffer))
    }
    try handle.close()
    let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    let process = Process()
    process.executableURL = URL(fileURLWithPath: loupe)
    process.arguments = ["process", "report", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    var text = ""
    let seconds = try elapsed {
        try process.run()
        text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
    }
    try? FileManager.default.removeItem(atPath: path)
    let peakMB = text.range(of: "peak memory [0-9.]+ MB", options: .regularExpression).flatMap { Double(text[$0].split(separator: " ")[2]) } ?? .nan
    let valuesMB = Double(rows * tags * 8) / 1e6
    results["streaming"] = ["rows": rows, "tags": tags, "values": rows * tags, "file_mb": Double(bytes) / 1e6, "seconds": seconds,
                            "values_per_second": Double(rows * tags) / seconds, "peak_memory_mb": peakMB, "values_as_doubles_mb": valuesMB,
                            "write_seconds": writeSeconds, "exit_status": Int(process.terminationStatus)]
    say(String(format: "  %.0f MB file read in %.1f s (%.1f M values/s), peak memory %.0f MB (the values as doubles: %.0f MB)",
               Double(bytes) / 1e6, seconds, Double(rows * tags) / seconds / 1e6, peakMB, valuesMB))
}

// ── Combined-cycle power plant, 5×2 on the data set's five sheets ──────────────────────────────
say("== CCPP: 5x2 cross-validation on the five sheets")
let sheets = try (1...(quick ? 1 : 5)).map { try ProcessTable.load(contentsOf: "\(data)/ccpp/sheet\($0).csv") }
let inputNames = ["AT", "V", "AP", "RH"]
func matrices(_ t: ProcessTable) throws -> (Matrix, [Double]) {
    let idx = try inputNames.map { try t.index(of: $0) } + [try t.index(of: "PE")]
    let m = t.completeRows(idx).matrix
    return (m.selectingColumns([0, 1, 2, 3]), m.column(4))
}
func fiveByTwo(_ request: FitRequest) throws -> (rmse: Double, mae: Double, seconds: Double) {
    var rmse: [Double] = [], sae = 0.0, count = 0
    let seconds = try elapsed {
        for t in sheets {
            let (x, y) = try matrices(t)
            for s in CrossValidation.halves(Array(0..<y.count)) {
                let table = ProcessTable(names: inputNames + ["PE"], columns: (0..<4).map { j in s.train.map { x[$0, j] } } + [s.train.map { y[$0] }])
                let model = try FitWorkflow.makeModel(table, request)
                let predicted = try model.predict(x.selectingRows(s.test))
                var sse = 0.0
                for (k, i) in s.test.enumerated() { let e = y[i] - predicted[k]; sse += e * e; sae += abs(e) }
                count += s.test.count
                rmse.append((sse / Double(s.test.count)).squareRoot())
            }
        }
    }
    return (rmse.reduce(0, +) / Double(rmse.count), sae / Double(count), seconds)
}
var ccpp: [String: Any] = [:]
var linear = FitRequest(target: "PE"); linear.inputs = inputNames
var physics = linear; physics.monotone = ["AT": .decreasing, "V": .decreasing]; physics.terms = .quadratic
var trees = linear; trees.kind = .boostedTrees
if quick { trees.trees.rounds = 300; trees.trees.learningRate = 0.1 }
// AT's effect is monotone in the data; V's is not once AT is known (its linear sign is a marginal one),
// so the refined physics model holds AT decreasing; trees holding both are measured for reference.
var monotoneTrees = trees; monotoneTrees.monotone = ["AT": .decreasing]
var monotoneTreesBoth = trees; monotoneTreesBoth.monotone = ["AT": .decreasing, "V": .decreasing]
var refined = trees; refined.kind = .refined; refined.terms = .quadratic; refined.monotone = ["AT": .decreasing]
for (name, request) in [("linear", linear), ("physics_monotone_quadratic", physics), ("physics_refined_by_trees", refined), ("boosted_trees", trees),
                        ("boosted_trees_monotone_at", monotoneTrees), ("boosted_trees_monotone_at_v", monotoneTreesBoth)] {
    let r = try fiveByTwo(request)
    ccpp[name] = ["rmse": r.rmse, "mae": r.mae, "seconds": r.seconds]
    say(String(format: "  %-28@ RMSE %.3f MW  MAE %.3f MW  (%.1f s)", name as NSString, r.rmse, r.mae, r.seconds))
}
// The full-data plain linear fit against numpy's.
let full = try FitWorkflow.makeModel(sheets[0], linear)
let ours = full.mechanistic!.rawLinearCoefficients()!
ccpp["linear_coefficients"] = ours
if let numpy = peer(["ccpp", "full_linear_fit", "coefficients"]) as? [Double] {
    let diff = zip(ours, numpy).map { abs($0 - $1) / max(1, abs($1)) }.max()!
    ccpp["linear_max_relative_difference_vs_numpy"] = diff
    say(String(format: "  full-data linear fit vs numpy: max relative difference %.2e", diff))
}
ccpp["linear_signs"] = ours[1...].map { $0 < 0 ? "-" : "+" }.joined()
say("  signs AT V AP RH: \(ccpp["linear_signs"]!) (physics: --+-)")
let best = ["boosted_trees", "boosted_trees_monotone_at", "boosted_trees_monotone_at_v", "physics_refined_by_trees", "physics_monotone_quadratic", "linear"].map { ((ccpp[$0] as! [String: Any])["rmse"] as! Double, $0) }.min { $0.0 < $1.0 }!
ccpp["ccpp_rmse"] = best.0
ccpp["best_model"] = best.1
for (peerName, key) in [("hist_gradient_boosting_default", "sklearn_hgb_default"), ("hist_gradient_boosting_1000_lr0.05", "sklearn_hgb_tuned"),
                        ("sklearn_linear_regression", "sklearn_linear"), ("cubic_polynomial", "numpy_cubic")] {
    if let r = peer(["ccpp", "models", peerName, "rmse"]) as? Double {
        ccpp["peer_" + key + "_rmse"] = r
        say(String(format: "  peer %-22@ RMSE %.3f MW; Loupe best / peer = %.3f", key as NSString, r, best.0 / r))
    }
}
for name in ["physics_refined_by_trees", "physics_monotone_quadratic", "boosted_trees_monotone_at", "boosted_trees_monotone_at_v"] {
    let r = (ccpp[name] as! [String: Any])["rmse"] as! Double
    ccpp[name + "_vs_best"] = r / best.0
    say(String(format: "  %@ is %.1f %% above the best", name as NSString, 100 * (r / best.0 - 1)))
    if name == "physics_refined_by_trees" { ccpp["monotone_physics_vs_best"] = r / best.0 }
}
results["ccpp"] = ccpp

// ── Key-parameter selection ────────────────────────────────────────────────────────────────
say("== Selection: synthetic plant, 1,000 tags, 30 drivers")
var selection: [String: Any] = [:]
let plant = SyntheticPlant.generate(rows: 3000, tags: 1000, drivers: 30, seed: 1)
var settings = KeyParameterSelection.Settings()
if quick { settings.halfSamplePairs = 20 }
let fullSelection = try KeyParameterSelection.run(x: plant.x, y: plant.y, names: plant.names, target: "y", settings: settings)
let score = plant.score(fullSelection)
selection["select_recall"] = score.recall
selection["select_false_positive_rate"] = score.falsePositiveRate
selection["false_positive_groups"] = score.falsePositives
selection["seconds"] = fullSelection.seconds
say(String(format: "  recall %.3f, false-positive rate %.4f (%d groups), %.1f s", score.recall, score.falsePositiveRate, score.falsePositives, fullSelection.seconds))
var selectedSets: [Set<String>] = []
for r in 0..<(quick ? 3 : 5) {
    let rows = Array(CrossValidation.shuffled(3000, seed: 100 + UInt64(r)).prefix(2400))
    var s = settings
    s.seed = 200 + UInt64(r)
    let result = try KeyParameterSelection.run(x: plant.x.selectingRows(rows), y: rows.map { plant.y[$0] }, names: plant.names, target: "y", settings: s)
    selectedSets.append(Set(result.selected.flatMap(\.members)))
}
var jaccard: [Double] = []
for a in 0..<selectedSets.count { for b in (a + 1)..<selectedSets.count {
    jaccard.append(Double(selectedSets[a].intersection(selectedSets[b]).count) / Double(max(1, selectedSets[a].union(selectedSets[b]).count)))
} }
selection["stability_jaccard_mean"] = jaccard.reduce(0, +) / Double(jaccard.count)
selection["stability_jaccard_min"] = jaccard.min()!
say(String(format: "  stability over %d subsamples of 80 %%: Jaccard mean %.3f, min %.3f", selectedSets.count, selection["stability_jaccard_mean"] as! Double, jaccard.min()!))

say("== Selection: CCPP with 1,000 decoy columns")
let (cx, cy) = try matrices(sheets[0])
var decoyRng = SplitMix64(seed: 42)
func u() -> Double { decoyRng.unitDouble() }
func normal() -> Double { decoyRng.normalDouble() }
var decoyColumns: [[Double]] = (0..<4).map { cx.column($0) }
for i in 0..<600 { decoyColumns.append((0..<cy.count).map { _ in i % 2 == 0 ? normal() : exp(0.5 * normal()) }) }
for c in 0..<40 {
    let f = (0..<cy.count).map { _ in normal() }
    for _ in 0..<10 { let l = 0.5 + 0.49 * u(); decoyColumns.append(f.map { l * $0 + (1 - l * l).squareRoot() * normal() }) }
    _ = c
}
let decoyNames = inputNames + (4..<decoyColumns.count).map { "DECOY\($0)" }
let decoyX = Matrix(columnArrays: decoyColumns)
var topFive = 0
let resamples = quick ? 4 : 20
var ccppSelectSeconds = 0.0
for r in 0..<resamples {
    let rows = Array(CrossValidation.shuffled(cy.count, seed: 300 + UInt64(r)).prefix(cy.count / 2))
    var s = settings
    s.seed = 400 + UInt64(r)
    if !quick { s.halfSamplePairs = 25 }
    let result = try KeyParameterSelection.run(x: decoyX.selectingRows(rows), y: rows.map { cy[$0] }, names: decoyNames, target: "PE", settings: s)
    ccppSelectSeconds += result.seconds
    let top = Array(result.tagRanking.prefix(5))
    if top.contains("AT") && top.contains("V") { topFive += 1 }
}
selection["ccpp_decoys_at_v_top5_share"] = Double(topFive) / Double(resamples)
selection["ccpp_decoys_resamples"] = resamples
selection["ccpp_decoys_seconds_per_resample"] = ccppSelectSeconds / Double(resamples)
say(String(format: "  AT and V in the top 5 in %d of %d half-samples (%.0f s each)", topFive, resamples, ccppSelectSeconds / Double(resamples)))
results["selection"] = selection

// ── Tennessee Eastman ──────────────────────────────────────────────────────────────────────
say("== Tennessee Eastman: limits calibrated to 1 % false alarms on d00_te")
let tepNormal = try ProcessTable.load(contentsOf: "\(data)/tep/d00.csv")
let normalTest = try ProcessTable.load(contentsOf: "\(data)/tep/d00_te.csv")
let faultTables = try (1...21).map { try ProcessTable.load(contentsOf: String(format: "\(data)/tep/d%02d_te.csv", $0)) }
var tep: [String: Any] = [:]
let undetectable: Set<Int> = [3, 9, 15]
for (name, s) in [("pca", PCAMonitor.Settings.plain(components: 9)), ("dynamic_pca", PCAMonitor.Settings(lags: 2, ewma: 0)), ("loupe", PCAMonitor.Settings())] {
    var request = MonitorRequest()
    request.settings = s
    var model: MonitorModel!
    let fitSeconds = try elapsed { model = try MonitorWorkflow.build(normal: tepNormal, calibration: normalTest, request) }
    let falseAlarm = try MonitorWorkflow.run(model, on: normalTest).alarmRate
    var faults: [String: Any] = [:], detectable: [Double] = [], delays: [Int] = []
    let runSeconds = try elapsed {
        for (f, table) in faultTables.enumerated() {
            let o = try MonitorWorkflow.run(model, on: table)
            let rate = Double(o.alarms[160...].filter { $0 }.count) / 800
            let delay = o.alarms[160...].firstIndex(of: true).map { $0 - 160 }
            faults["\(f + 1)"] = ["detection": rate, "delay_samples": delay as Any]
            if !undetectable.contains(f + 1) { detectable.append(rate); if let delay { delays.append(delay) } }
        }
    }
    delays.sort()
    let median = delays.isEmpty ? -1 : (delays.count % 2 == 1 ? Double(delays[delays.count / 2]) : Double(delays[delays.count / 2 - 1] + delays[delays.count / 2]) / 2)
    let mean = detectable.reduce(0, +) / Double(detectable.count)
    tep[name] = ["components": model.pca.components, "lags": s.lags, "ewma": s.ewma, "false_alarm_rate": falseAlarm, "mean_detection_18": mean,
                 "median_delay_samples_18": median, "faults": faults, "fit_seconds": fitSeconds, "run_seconds": runSeconds]
    let peerName = name == "dynamic_pca" ? "dpca" : (name == "loupe" ? "loupe_recipe" : "pca")
    let peerMean = peer(["methods", peerName, "mean_detection_18"], in: tepPeer) as? Double
    say(String(format: "  %-12@ %2d components: false alarms %.2f %%, mean detection (18 faults) %.1f %%, median delay %.1f samples; Python same method %@",
               name as NSString, model.pca.components, 100 * falseAlarm, 100 * mean, median,
               peerMean.map { String(format: "%.1f %%", 100 * $0) } ?? "n/a"))
    if name == "loupe" {
        tep["tep_false_alarm_rate"] = falseAlarm
        tep["tep_mean_detection_18"] = mean
        var hard: [String: Double] = [:]
        for f in [3, 9, 15] { hard["\(f)"] = (faults["\(f)"] as? [String: Any])?["detection"] as? Double }
        tep["undetectable_3_9_15_detection"] = hard
    }
    if let peerMean { tep[name + "_python_mean_detection_18"] = peerMean }
}
results["tep"] = tep

// ── Recommendation on the power-plant model ────────────────────────────────────────────────
say("== Recommendation: maximise PE with the physics-shaped model; AT, RH fixed (weather), V ±5, AP ±3")
let objective = try FitWorkflow.makeModel(sheets[0], physics)
var rng = SplitMix64(seed: 77)
let starts = (0..<(quick ? 100 : 1000)).map { _ in objective.inputs.map { $0.low + ($0.high - $0.low) * rng.unitDouble() } }
var violations = 0
var objectives: [Double] = []
let steps: [Double?] = [nil, 5, 3, nil]
let recommendSeconds = try elapsed {
    for s in starts {
        var p = SetPointProblem(objective: objective, sense: .maximize, current: s)
        p.fixed = [true, false, false, true]
        p.step = steps
        let rec = try SetPointOptimizer.recommend(p)
        for (k, setting) in rec.settings.enumerated() {
            let lo = max(objective.inputs[k].low, steps[k].map { s[k] - $0 } ?? -.infinity), hi = min(objective.inputs[k].high, steps[k].map { s[k] + $0 } ?? .infinity)
            if p.fixed[k] ? setting.recommended != s[k] : (setting.recommended < lo - 1e-9 || setting.recommended > hi + 1e-9) { violations += 1 }
        }
        objectives.append(rec.predictedRecommended)
    }
}
var recommend: [String: Any] = ["recommend_violations": violations, "starts": starts.count, "mean_objective": objectives.reduce(0, +) / Double(objectives.count),
                                "seconds": recommendSeconds]
// The same problem for SciPy's SLSQP, on the same model.
let problemPath = (out as NSString).deletingLastPathComponent + "/tmp/recommend-problem.json"
try? FileManager.default.createDirectory(atPath: (problemPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
let modelPath = problemPath + ".model.json"
try objective.write(to: modelPath)
let modelObject = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: modelPath)))
let problem: [String: Any] = ["model": modelObject, "sense": "maximize", "starts": starts, "bounds": objective.inputs.map { [$0.low, $0.high] },
                              "step": steps.map { $0 as Any? ?? NSNull() }, "fixed": [true, false, false, true]]
try JSONSerialization.data(withJSONObject: problem).write(to: URL(fileURLWithPath: problemPath))
if let python = arguments["python"] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    let peerOut = problemPath + ".slsqp.json"
    process.arguments = [(arguments["scripts"] ?? "Benchmarks/scripts") + "/process_peers.py", "--only", "recommend", "--recommend-problem", problemPath, "--out", peerOut]
    try process.run()
    process.waitUntilExit()
    if process.terminationStatus == 0, let d = FileManager.default.contents(atPath: peerOut), let j = try JSONSerialization.jsonObject(with: d) as? [String: Any],
       let slsqp = (j["recommend"] as? [String: Any]), let mean = slsqp["mean"] as? Double {
        recommend["slsqp_mean_objective"] = mean
        recommend["slsqp_violations"] = slsqp["violations"]
        recommend["slsqp_seconds"] = slsqp["seconds"]
        recommend["objective_vs_slsqp"] = (recommend["mean_objective"] as! Double) / mean
    }
}
say(String(format: "  %d starts: %d bound/step violations; mean objective %.3f MW%@ (%.1f s)", starts.count, violations, recommend["mean_objective"] as! Double,
           (recommend["slsqp_mean_objective"] as? Double).map { String(format: ", SLSQP %.3f MW, ratio %.5f", $0, (recommend["objective_vs_slsqp"] as! Double)) } ?? "", recommendSeconds))
results["recommend"] = recommend

// ── Raw-material lots → quality ────────────────────────────────────────────────────────────
say("== Raw-material lots (tpls): cross-validated R² beside PLS; which material groups drive quality")
let lots = try ProcessTable.load(contentsOf: "\(data)/tpls/lots.csv")
let groupsJSON = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: "\(data)/tpls/groups.json"))) as! [String: [String]]
let outputs = lots.names.filter { $0.hasPrefix("y_") }
// Features: lot-level columns with values; the four lots missing group4_var1…3 take the column mean (as the PLS peer does).
let features = lots.names.filter { !$0.hasPrefix("y_") && $0 != "z_var10" }
var filled = lots
for j in features.map({ try! lots.index(of: $0) }) {
    let v = lots.columns[j].filter(\.isFinite)
    let mean = v.reduce(0, +) / Double(max(1, v.count))
    filled.columns[j] = lots.columns[j].map { $0.isFinite ? $0 : mean }
}
var tpls: [String: Any] = [:]
var r2s: [String: Double] = [:]
var drivers: [String: Int] = [:]
for yName in outputs {
    var req = FitRequest(target: yName)
    req.inputs = features
    req.autoRidge = true
    req.validation = .kFold(5)
    req.seed = 0
    let o = try FitWorkflow.run(filled, req)
    r2s[yName] = o.validation.r2
    var s = KeyParameterSelection.Settings()
    s.halfSamplePairs = quick ? 10 : 50
    let sel = try SelectWorkflow.run(filled, target: yName, candidates: features, settings: s)
    for g in sel.result.selected { for m in g.members {
        let group = groupsJSON.first { $0.value.contains(m) }?.key ?? "process conditions"
        drivers[group, default: 0] += 1
    } }
}
tpls["loupe_ridge_r2_per_output"] = r2s
tpls["loupe_ridge_r2_mean"] = r2s.values.reduce(0, +) / Double(r2s.count)
tpls["selected_tags_per_group"] = drivers
if let pls = peer(["tpls", "pls_nested", "r2_mean"]) as? Double { tpls["pls_r2_mean"] = pls }
say(String(format: "  Loupe ridge (λ by inner CV; 5-fold) mean R² %.3f%@; selected tags by source: %@", tpls["loupe_ridge_r2_mean"] as! Double,
           (tpls["pls_r2_mean"] as? Double).map { String(format: ", PLS %.3f", $0) } ?? "", drivers.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
results["tpls"] = tpls

let json = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
try json.write(to: URL(fileURLWithPath: out))
say("results: \(out)")
