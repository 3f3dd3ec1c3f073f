import Foundation

/// A fitted process model as saved to disk: its inputs, target, how it was made and validated,
/// and either a physics-shaped formula or a tree ensemble. One JSON file; `loupe process
/// predict`, `monitor` and `recommend` read it.
public struct ProcessModel: Sendable {
    /// A physics-shaped formula; a tree ensemble; or the formula refined by trees fitted to its
    /// residuals under the same monotone constraints (monotone as a whole, by construction).
    public enum Kind: String, Sendable, Codable { case mechanistic, boostedTrees = "boosted-trees", refined = "physics+trees" }

    /// Where the model came from and how well it did.
    public struct Metadata: Sendable, Codable {
        public var trainedOn: String
        public var rows: Int
        public var created: String
        public var loupeVersion: String
        public var validation: ValidationSummary?
        public var notes: [String]
        public init(trainedOn: String, rows: Int, created: String = ISO8601DateFormatter().string(from: Date()),
                    loupeVersion: String = "1", validation: ValidationSummary? = nil, notes: [String] = []) {
            self.trainedOn = trainedOn
            self.rows = rows
            self.created = created
            self.loupeVersion = loupeVersion
            self.validation = validation
            self.notes = notes
        }
    }

    public var kind: Kind
    public var target: String
    public var targetUnit: String?
    public var inputs: [ModelInput]
    public var metadata: Metadata
    public var mechanistic: MechanisticModel?
    public var trees: BoostedTrees?
    public var treeSettings: BoostedTreesSettings?
    /// Residual spread on held-out data (cross-validated RMSE), the tree model's uncertainty.
    public var residualStandardDeviation: Double

    public init(mechanistic: MechanisticModel, targetUnit: String? = nil, metadata: Metadata) {
        kind = .mechanistic
        target = mechanistic.target
        self.targetUnit = targetUnit
        inputs = mechanistic.inputs
        self.metadata = metadata
        self.mechanistic = mechanistic
        residualStandardDeviation = mechanistic.residualStandardDeviation
    }

    public init(trees: BoostedTrees, settings: BoostedTreesSettings, target: String, targetUnit: String? = nil, inputs: [ModelInput],
                residualStandardDeviation: Double, metadata: Metadata) {
        kind = .boostedTrees
        self.target = target
        self.targetUnit = targetUnit
        self.inputs = inputs
        self.metadata = metadata
        self.trees = trees
        treeSettings = settings
        self.residualStandardDeviation = residualStandardDeviation
    }

    /// The formula refined by trees on its residuals.
    public init(mechanistic: MechanisticModel, residualTrees: BoostedTrees, settings: BoostedTreesSettings, targetUnit: String? = nil,
                residualStandardDeviation: Double, metadata: Metadata) {
        self.init(mechanistic: mechanistic, targetUnit: targetUnit, metadata: metadata)
        kind = .refined
        trees = residualTrees
        treeSettings = settings
        self.residualStandardDeviation = residualStandardDeviation
    }

    /// Predictions for the rows of `x` (columns in `inputs` order).
    public func predict(_ x: Matrix) throws -> [Double] {
        switch kind {
        case .mechanistic: return (0..<x.rows).map { mechanistic!.predict(x.row($0)) }
        case .boostedTrees: return try trees!.predict(x)
        case .refined: return zip((0..<x.rows).map { mechanistic!.predict(x.row($0)) }, try trees!.predict(x)).map { $0 + $1 }
        }
    }

    public func predict(_ row: [Double]) throws -> Double { try predict(Matrix(rows: 1, columns: row.count, values: row))[0] }

    /// The 1-σ uncertainty of a new measurement predicted at `row`: the residual spread, and for
    /// a formula also the uncertainty of its coefficients there (larger away from the data).
    public func uncertainty(at row: [Double]) -> Double {
        guard kind == .mechanistic, let m = mechanistic else { return residualStandardDeviation }
        let se = m.predictionStandardError(row)
        return (se * se + m.residualStandardDeviation * m.residualStandardDeviation).squareRoot()
    }

    /// The 1-σ uncertainty of the mean prediction (the band of an effect curve).
    public func meanUncertainty(at row: [Double]) -> Double {
        kind == .mechanistic ? mechanistic!.predictionStandardError(row) : residualStandardDeviation
    }
}

/// The model file: JSON with a format tag and version; the tree ensemble is XGBoost's JSON in base64.
extension ProcessModel {
    static let format = "loupe-process-model"

    struct File: Codable {
        var format: String
        var version: Int
        var kind: Kind
        var target: String
        var targetUnit: String?
        var inputs: [ModelInput]
        var metadata: Metadata
        var residualStandardDeviation: Double
        // Mechanistic: the formula's fields at the top level (as `recommend`'s peers read them).
        var intercept: Double?
        var terms: [MechanisticModel.Term]?
        var ridge: Double?
        var parameterCovariance: Matrix?
        var treeSettings: BoostedTreesSettings?
        var booster: String?
    }

    public func write(to path: String) throws {
        var file = File(format: Self.format, version: 1, kind: kind, target: target, targetUnit: targetUnit, inputs: inputs, metadata: metadata,
                        residualStandardDeviation: residualStandardDeviation)
        if let m = mechanistic {
            file.intercept = m.intercept
            file.terms = m.terms
            file.ridge = m.ridge
            file.parameterCovariance = m.parameterCovariance
        }
        if let trees {
            file.treeSettings = treeSettings
            file.booster = try trees.serialized().base64EncodedString()
        }
        try OutputFile.writeJSON(file, to: path)
    }

    /// Reads a model file.
    /// - Throws: ``ModelFitError`` saying what is wrong with the file and where.
    public static func load(contentsOf path: String) throws -> ProcessModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelFitError("\(path): cannot be read (no such file or no permission)") }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch let error as DecodingError {
            throw ModelFitError("\(path): not a Loupe process model: \(Self.describe(error))")
        }
        guard file.format == format else { throw ModelFitError("\(path): format is '\(file.format)', expected '\(format)'") }
        guard file.version == 1 else { throw ModelFitError("\(path): version \(file.version) is newer than this Loupe reads (1)") }
        var mechanistic: MechanisticModel?
        if file.kind != .boostedTrees {
            guard let intercept = file.intercept, let terms = file.terms else { throw ModelFitError("\(path): a \(file.kind.rawValue) model needs 'intercept' and 'terms'") }
            for t in terms { for f in t.factors where !(0..<file.inputs.count).contains(f.input) {
                throw ModelFitError("\(path): a term refers to input \(f.input); the model has \(file.inputs.count) inputs")
            } }
            mechanistic = MechanisticModel(target: file.target, inputs: file.inputs, intercept: intercept, terms: terms, ridge: file.ridge ?? 0,
                                           residualStandardDeviation: file.residualStandardDeviation, parameterCovariance: file.parameterCovariance)
        }
        var trees: BoostedTrees?
        if file.kind != .mechanistic {
            guard let text = file.booster, let blob = Data(base64Encoded: text) else { throw ModelFitError("\(path): a \(file.kind.rawValue) model needs its 'booster' (base64)") }
            trees = try BoostedTrees.deserialize(blob, featureCount: file.inputs.count)
        }
        switch file.kind {
        case .mechanistic: return ProcessModel(mechanistic: mechanistic!, targetUnit: file.targetUnit, metadata: file.metadata)
        case .boostedTrees:
            return ProcessModel(trees: trees!, settings: file.treeSettings ?? .init(), target: file.target, targetUnit: file.targetUnit,
                                inputs: file.inputs, residualStandardDeviation: file.residualStandardDeviation, metadata: file.metadata)
        case .refined:
            return ProcessModel(mechanistic: mechanistic!, residualTrees: trees!, settings: file.treeSettings ?? .init(), targetUnit: file.targetUnit,
                                residualStandardDeviation: file.residualStandardDeviation, metadata: file.metadata)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String { c.codingPath.map(\.stringValue).joined(separator: ".") }
        switch error {
        case let .keyNotFound(key, c): return "missing key '\((c.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))'"
        case let .typeMismatch(type, c): return "'\(path(c))' is not a \(type)"
        case let .valueNotFound(type, c): return "'\(path(c))' has no \(type)"
        case let .dataCorrupted(c): return c.codingPath.isEmpty ? "not valid JSON" : "'\(path(c))': \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
