import Foundation
import XCTest
@testable import LoupeEvaluation
import LoupeTestSupport

/// Cross-checks the metrics against scikit-learn on seeded random data with many tied scores.
/// Needs `.venv-test` with scikit-learn (`scripts/setup-test-venv.sh`); skips with that message otherwise.
final class SklearnCrossCheckTests: XCTestCase {
    /// Reads JSON datasets on stdin and prints, per dataset, scikit-learn's numbers as JSON.
    static let script = """
    import json, sys
    import numpy as np
    from sklearn import metrics
    out = []
    for d in json.load(sys.stdin):
        y = np.array(d["defective"], dtype=int)
        s = np.array(d["scores"], dtype=np.float32)
        pred = (s > np.float32(d["threshold"])).astype(int)
        fpr, tpr, _ = metrics.roc_curve(y, s, drop_intermediate=False)
        tn, fp, fn, tp = metrics.confusion_matrix(y, pred, labels=[0, 1]).ravel()
        k = d["classes"]
        groups = {}
        for g in sorted(set(d["groups"])):
            mask = np.array([x == g for x in d["groups"]])
            groups[g] = float(metrics.roc_auc_score(y[mask], s[mask]))
        out.append({
            "auc": float(metrics.roc_auc_score(y, s)),
            "fpr": fpr.tolist(), "tpr": tpr.tolist(),
            "confusion": [int(tp), int(fp), int(tn), int(fn)],
            "accuracy": float(metrics.accuracy_score(y, pred)),
            "precision": float(metrics.precision_score(y, pred, zero_division=0)),
            "recall": float(metrics.recall_score(y, pred, zero_division=0)),
            "f1": float(metrics.f1_score(y, pred, zero_division=0)),
            "specificity": float(metrics.recall_score(y, pred, pos_label=0, zero_division=0)),
            "multiclass": metrics.confusion_matrix(d["trueClasses"], d["predictedClasses"], labels=list(range(k))).tolist(),
            "multiclassAccuracy": float(metrics.accuracy_score(d["trueClasses"], d["predictedClasses"])),
            "groupAUC": groups,
        })
    json.dump({"sklearn": __import__("sklearn").__version__, "results": out}, sys.stdout)
    """

    private func sklearnPython() throws -> String {
        let python = ProcessInfo.processInfo.environment["LOUPE_TEST_PYTHON"] ?? repositoryRoot + "/.venv-test/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip("no python at \(python): run scripts/setup-test-venv.sh to create .venv-test with scikit-learn")
        }
        let (status, _, errors) = try runProcess(python, ["-c", "import sklearn"])
        guard status == 0 else {
            throw XCTSkip("\(python) cannot import sklearn (\(errors.split(separator: "\n").last ?? "")): run scripts/setup-test-venv.sh")
        }
        return python
    }

    func testMetricsMatchScikitLearn() throws {
        let python = try sklearnPython()
        let classes = ["0", "1/3", "2/3", "1"]
        var evaluations: [Evaluation] = []
        for seed in UInt64(1)...6 {
            let samples = randomSamples(count: 50 + Int(seed) * 61, classes: classes.count, seed: seed &* 1_000_003,
                                        groups: ["mono", "poly"])
            let threshold: Float = [0.5, 0.35, 0.65][Int(seed) % 3]
            evaluations.append(try Evaluation(samples: samples, classes: classes, defectClasses: [2, 3], threshold: threshold))
        }
        let datasets: [[String: Any]] = evaluations.map { e in
            ["scores": e.samples.map { Double($0.defectScore) }, "defective": e.samples.map(\.isDefective),
             "threshold": Double(e.threshold), "classes": e.classes.count, "groups": e.samples.map { $0.group ?? "" },
             "trueClasses": e.samples.map(\.trueClass), "predictedClasses": e.samples.map(\.predictedClass)]
        }
        let (status, output, errors) = try runProcess(python, ["-c", Self.script], input: try JSONSerialization.data(withJSONObject: datasets))
        XCTAssertEqual(status, 0, errors)
        let reply = try XCTUnwrap(JSONSerialization.jsonObject(with: output) as? [String: Any], errors)
        let results = try XCTUnwrap(reply["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, evaluations.count)
        print("SklearnCrossCheckTests: scikit-learn \(reply["sklearn"] ?? "?"), \(evaluations.count) datasets, \(evaluations.map(\.samples.count).reduce(0, +)) samples")

        for (index, (e, reference)) in zip(evaluations, results).enumerated() {
            let label = "dataset \(index)"
            let tolerance = 1e-12
            XCTAssertEqual(e.auc!, reference["auc"] as! Double, accuracy: tolerance, label)
            let b = e.binary, c = b.confusion
            XCTAssertEqual([c.truePositives, c.falsePositives, c.trueNegatives, c.falseNegatives], reference["confusion"] as! [Int], label)
            XCTAssertEqual(b.accuracy!, reference["accuracy"] as! Double, accuracy: tolerance, label)
            XCTAssertEqual(b.precision!, reference["precision"] as! Double, accuracy: tolerance, label)
            XCTAssertEqual(b.recall!, reference["recall"] as! Double, accuracy: tolerance, label)
            XCTAssertEqual(b.f1!, reference["f1"] as! Double, accuracy: tolerance, label)
            XCTAssertEqual(b.specificity!, reference["specificity"] as! Double, accuracy: tolerance, label)
            XCTAssertEqual(b.escapeRate!, 1 - (reference["recall"] as! Double), accuracy: tolerance, label)
            XCTAssertEqual(b.overkill!, 1 - (reference["specificity"] as! Double), accuracy: tolerance, label)
            let fpr = reference["fpr"] as! [Double], tpr = reference["tpr"] as! [Double]
            XCTAssertEqual(e.roc.points.count, fpr.count, label)
            for (point, (x, y)) in zip(e.roc.points, zip(fpr, tpr)) {
                XCTAssertEqual(point.falsePositiveRate, x, accuracy: tolerance, label)
                XCTAssertEqual(point.truePositiveRate, y, accuracy: tolerance, label)
            }
            XCTAssertEqual(e.multiClass.counts, reference["multiclass"] as! [[Int]], label)
            XCTAssertEqual(e.multiClass.accuracy!, reference["multiclassAccuracy"] as! Double, accuracy: tolerance, label)
            let groupAUC = reference["groupAUC"] as! [String: Double]
            XCTAssertEqual(Set(groupAUC.keys), Set(e.perGroup.map(\.group)), label)
            for group in e.perGroup {
                XCTAssertEqual(group.auc!, groupAUC[group.group]!, accuracy: tolerance, "\(label) group \(group.group)")
            }
        }
    }
}
