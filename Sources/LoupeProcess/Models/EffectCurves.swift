/// How the prediction moves with each input across its range, the others held at their median
/// (a partial-dependence slice): the effect curves a process engineer reads a model by.
public enum EffectCurves {
    public struct Curve: Sendable {
        public var input: String
        public var unit: String?
        public var x: [Double]
        public var y: [Double]
        /// ±2σ band of the mean prediction.
        public var lower: [Double]
        public var upper: [Double]
        /// Whether the curve never falls (rises) where the input is constrained to rise (fall).
        public var respectsConstraint: Bool
    }

    /// - Parameters:
    ///   - data: training inputs (rows × model inputs), for the medians.
    public static func compute(_ model: ProcessModel, data: Matrix, points: Int = 41) throws -> [Curve] {
        let medians = (0..<data.columns).map { j -> Double in
            let c = data.column(j).filter(\.isFinite).sorted()
            return c.isEmpty ? 0 : c[c.count / 2]
        }
        var curves: [Curve] = []
        for (j, input) in model.inputs.enumerated() {
            let xs = (0..<points).map { input.low + (input.high - input.low) * Double($0) / Double(points - 1) }
            var rows = Matrix(rows: points, columns: model.inputs.count)
            for i in 0..<points { for k in 0..<model.inputs.count { rows[i, k] = k == j ? xs[i] : medians[k] } }
            let ys = try model.predict(rows)
            let band = (0..<points).map { 2 * model.meanUncertainty(at: rows.row($0)) }
            let tolerance = 1e-9 * max(1, ys.map(abs).max() ?? 1)
            let respects: Bool
            switch input.monotone {
            case .free: respects = true
            case .increasing: respects = (1..<points).allSatisfy { ys[$0] >= ys[$0 - 1] - tolerance }
            case .decreasing: respects = (1..<points).allSatisfy { ys[$0] <= ys[$0 - 1] + tolerance }
            }
            curves.append(Curve(input: input.name, unit: input.unit, x: xs, y: ys, lower: zip(ys, band).map { $0 - $1 },
                                upper: zip(ys, band).map { $0 + $1 }, respectsConstraint: respects))
        }
        return curves
    }
}
