import Foundation
import LoupeEvaluation
import LoupeModel
import LoupeTestSupport

/// A two-class sample ["good", "defective"] whose defect score is exactly `score`.
func binarySample(_ score: Float, defective: Bool, path: String = "part.png", group: String? = nil) -> EvalSample {
    EvalSample(path: path, group: group, trueClass: defective ? 1 : 0, probabilities: [1 - score, score], defectScore: score,
               isDefective: defective)
}

/// Random scored samples with many ties: scores are multiples of 1/20 half the time, and
/// defective parts tend to score higher. `classes` probability vectors are random.
func randomSamples(count: Int, classes: Int, seed: UInt64, groups: [String?] = [nil]) -> [EvalSample] {
    var random = SplitMix64(seed: seed)
    return (0..<count).map { index in
        let trueClass = Int.random(in: 0..<classes, using: &random)
        let defective = trueClass >= classes / 2
        var raw = (0..<classes).map { _ in Float.random(in: 0.01...1, using: &random) }
        raw[trueClass] += Float.random(in: 0...1.5, using: &random)
        let sum = raw.reduce(0, +)
        let probabilities = raw.map { $0 / sum }
        var score = min(max(Float.random(in: 0...1, using: &random) * 0.7 + (defective ? 0.3 : 0), 0), 1)
        if Bool.random(using: &random) { score = (score * 20).rounded() / 20 }
        return EvalSample(path: "img/\(index).png", group: groups.randomElement(using: &random)!, trueClass: trueClass,
                          probabilities: probabilities, defectScore: score, isDefective: defective)
    }
}
