import CXGBoost
import Foundation

/// Settings of a gradient-boosted tree model (XGBoost's names).
public struct BoostedTreesSettings: Sendable, Codable, Equatable {
    public var rounds = 1500
    public var learningRate = 0.03
    public var maxDepth = 7
    public var subsample = 0.8
    public var columnSample = 1.0
    public var minChildWeight = 3.0
    public var lambda = 1.0
    public var seed = 0
    public var threads = 2
    public init() {}
}

/// An XGBoost call that failed, with XGBoost's own message.
public struct BoostedTreesError: Error, CustomStringConvertible {
    public let operation: String
    public let message: String
    public var description: String { "XGBoost \(operation): \(message)" }
}

/// Gradient-boosted regression trees through XGBoost's C API, with optional per-input monotone
/// constraints. The booster travels inside the model file as XGBoost's JSON.
public final class BoostedTrees: @unchecked Sendable {
    private var booster: BoosterHandle?
    public let featureCount: Int

    private init(booster: BoosterHandle?, featureCount: Int) {
        self.booster = booster
        self.featureCount = featureCount
    }

    deinit { if let booster { XGBoosterFree(booster) } }

    static func check(_ status: Int32, _ operation: String) throws {
        guard status == 0 else { throw BoostedTreesError(operation: operation, message: String(cString: XGBGetLastError())) }
    }

    static func matrix(_ x: Matrix) throws -> DMatrixHandle? {
        let values = x.values.map { Float($0) }
        var handle: DMatrixHandle?
        try check(XGDMatrixCreateFromMat(values, bst_ulong(x.rows), bst_ulong(x.columns), Float.nan, &handle), "creating a \(x.rows)×\(x.columns) matrix")
        return handle
    }

    /// Trains on the rows of `x` (NaN = missing) for `y`.
    /// - Parameter monotone: per input, the direction the prediction must keep.
    public static func train(x: Matrix, y: [Double], monotone: [Monotonicity], settings: BoostedTreesSettings) throws -> BoostedTrees {
        precondition(monotone.count == x.columns && y.count == x.rows, "BoostedTrees.train: shapes")
        let train = try matrix(x)
        defer { XGDMatrixFree(train) }
        let labels = y.map { Float($0) }
        try check(XGDMatrixSetFloatInfo(train, "label", labels, bst_ulong(labels.count)), "setting labels")
        var booster: BoosterHandle?
        var handles: [DMatrixHandle?] = [train]
        try check(XGBoosterCreate(&handles, 1, &booster), "creating a booster")
        let model = BoostedTrees(booster: booster, featureCount: x.columns)
        let params: [(String, String)] = [
            ("objective", "reg:squarederror"), ("tree_method", "hist"), ("eta", "\(settings.learningRate)"),
            ("max_depth", "\(settings.maxDepth)"), ("subsample", "\(settings.subsample)"),
            ("colsample_bytree", "\(settings.columnSample)"), ("min_child_weight", "\(settings.minChildWeight)"),
            ("lambda", "\(settings.lambda)"), ("seed", "\(settings.seed)"), ("nthread", "\(settings.threads)"),
            ("monotone_constraints", "(" + monotone.map { "\($0.sign)" }.joined(separator: ",") + ")"), ("verbosity", "0"),
        ]
        for (k, v) in params { try check(XGBoosterSetParam(booster, k, v), "setting \(k)=\(v)") }
        for round in 0..<settings.rounds { try check(XGBoosterUpdateOneIter(booster, Int32(round), train), "boosting round \(round)") }
        return model
    }

    public func predict(_ x: Matrix) throws -> [Double] {
        precondition(x.columns == featureCount, "BoostedTrees.predict: \(x.columns) columns for \(featureCount) inputs")
        guard x.rows > 0 else { return [] }
        let m = try Self.matrix(x)
        defer { XGDMatrixFree(m) }
        var length: bst_ulong = 0
        var result: UnsafePointer<Float>?
        try Self.check(XGBoosterPredict(booster, m, 0, 0, 0, &length, &result), "predicting \(x.rows) rows")
        return (0..<Int(length)).map { Double(result![$0]) }
    }

    /// XGBoost's JSON model.
    public func serialized() throws -> Data {
        var length: bst_ulong = 0
        var bytes: UnsafePointer<CChar>?
        try Self.check(XGBoosterSaveModelToBuffer(booster, "{\"format\": \"json\"}", &length, &bytes), "saving the model")
        return Data(bytes: bytes!, count: Int(length))
    }

    public static func deserialize(_ data: Data, featureCount: Int) throws -> BoostedTrees {
        var booster: BoosterHandle?
        try check(XGBoosterCreate(nil, 0, &booster), "creating a booster")
        let model = BoostedTrees(booster: booster, featureCount: featureCount)
        try data.withUnsafeBytes { raw in
            try check(XGBoosterLoadModelFromBuffer(booster, raw.baseAddress, bst_ulong(raw.count)), "loading the model")
        }
        return model
    }
}
