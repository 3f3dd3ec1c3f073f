/// One panel of ``LineChart/effectCurves(_:title:yLabel:columns:sharedYAxis:)``: how the model's
/// output moves with one variable (e.g. a partial-dependence curve), where the data actually was.
public struct EffectCurve: Sendable {
    /// Variable name, e.g. "TI-101".
    public var variable: String
    /// Unit of the variable, e.g. "°C"; empty for none.
    public var unit: String
    /// Grid of variable values, ascending.
    public var x: [Double]
    /// Model output at each `x`.
    public var y: [Double]
    /// Optional band (e.g. a 90 % interval) around `y`, same length as `x`.
    public var lower: [Double]?
    public var upper: [Double]?
    /// Observed values of the variable, drawn as a histogram strip under the panel.
    public var observed: [Double]

    public init(variable: String, unit: String = "", x: [Double], y: [Double],
                lower: [Double]? = nil, upper: [Double]? = nil, observed: [Double] = []) {
        (self.variable, self.unit, self.x, self.y) = (variable, unit, x, y)
        (self.lower, self.upper, self.observed) = (lower, upper, observed)
    }
}
