/// The Western Electric and Nelson run rules: patterns on an individuals chart that signal a
/// special cause before a point leaves the 3σ limits.
public enum RunRule: Int, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// 1: one point beyond 3σ.
    case beyondThreeSigma = 1
    /// 2: nine points in a row on one side of the centre (Western Electric: eight).
    case nineOnOneSide
    /// 3: six points in a row steadily increasing or decreasing.
    case sixTrending
    /// 4: fourteen points in a row alternating up and down.
    case fourteenAlternating
    /// 5: two of three points beyond 2σ on the same side.
    case twoOfThreeBeyondTwoSigma
    /// 6: four of five points beyond 1σ on the same side.
    case fourOfFiveBeyondOneSigma
    /// 7: fifteen points in a row within 1σ (stratification).
    case fifteenWithinOneSigma
    /// 8: eight points in a row outside 1σ, on both sides (mixture).
    case eightOutsideOneSigma

    public var description: String {
        switch self {
        case .beyondThreeSigma: return "1 point beyond 3σ"
        case .nineOnOneSide: return "9 points on one side of the centre"
        case .sixTrending: return "6 points steadily rising or falling"
        case .fourteenAlternating: return "14 points alternating up and down"
        case .twoOfThreeBeyondTwoSigma: return "2 of 3 points beyond 2σ on one side"
        case .fourOfFiveBeyondOneSigma: return "4 of 5 points beyond 1σ on one side"
        case .fifteenWithinOneSigma: return "15 points within 1σ"
        case .eightOutsideOneSigma: return "8 points outside 1σ on both sides"
        }
    }

    /// The Western Electric rules (1, 5, 6 and eight on one side — here rule 2 with 9, Nelson's count).
    public static let westernElectric: [RunRule] = [.beyondThreeSigma, .twoOfThreeBeyondTwoSigma, .fourOfFiveBeyondOneSigma, .nineOnOneSide]

    /// A rule firing at a point.
    public struct Violation: Sendable, Equatable {
        public var index: Int
        public var rule: RunRule
    }

    /// Every (point, rule) where `rules` fire on `values` with centre and σ (NaN points break runs).
    public static func violations(_ values: [Double], centre: Double, sigma: Double, rules: [RunRule] = RunRule.allCases) -> [Violation] {
        let z = values.map { ($0 - centre) / sigma }
        var out: [Violation] = []
        for i in z.indices where z[i].isFinite {
            for rule in rules where fires(rule, z, at: i) { out.append(Violation(index: i, rule: rule)) }
        }
        return out
    }

    /// The `n` standardised points ending at `i`, when all are there.
    static func window(_ z: [Double], _ i: Int, _ n: Int) -> [Double]? {
        guard i + 1 >= n else { return nil }
        let w = Array(z[(i + 1 - n)...i])
        return w.allSatisfy { $0.isFinite } ? w : nil
    }

    static func count(_ w: [Double], _ predicate: (Double) -> Bool) -> Int {
        var c = 0
        for x in w where predicate(x) { c += 1 }
        return c
    }

    static func fires(_ rule: RunRule, _ z: [Double], at i: Int) -> Bool {
        switch rule {
        case .beyondThreeSigma: return abs(z[i]) > 3
        case .nineOnOneSide:
            guard let w = window(z, i, 9) else { return false }
            return count(w) { $0 > 0 } == 9 || count(w) { $0 < 0 } == 9
        case .sixTrending:
            guard let w = window(z, i, 6) else { return false }
            var up = true, down = true
            for k in 1..<6 {
                if !(w[k] > w[k - 1]) { up = false }
                if !(w[k] < w[k - 1]) { down = false }
            }
            return up || down
        case .fourteenAlternating:
            guard let w = window(z, i, 14) else { return false }
            for k in 2..<14 {
                let a: Double = w[k] - w[k - 1]
                let b: Double = w[k - 1] - w[k - 2]
                if !(a * b < 0) { return false }
            }
            return true
        case .twoOfThreeBeyondTwoSigma:
            guard let w = window(z, i, 3) else { return false }
            return count(w) { $0 > 2 } >= 2 || count(w) { $0 < -2 } >= 2
        case .fourOfFiveBeyondOneSigma:
            guard let w = window(z, i, 5) else { return false }
            return count(w) { $0 > 1 } >= 4 || count(w) { $0 < -1 } >= 4
        case .fifteenWithinOneSigma:
            guard let w = window(z, i, 15) else { return false }
            return count(w) { abs($0) < 1 } == 15
        case .eightOutsideOneSigma:
            guard let w = window(z, i, 8) else { return false }
            return count(w) { abs($0) > 1 } == 8 && count(w) { $0 > 1 } > 0 && count(w) { $0 < -1 } > 0
        }
    }
}
