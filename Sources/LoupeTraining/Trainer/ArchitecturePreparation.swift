import LoupeModel

/// Turns an architecture (any model from `Models/`) into a fresh model for a labelled set.
public enum ArchitecturePreparation {
    /// The architecture with its last dense layer resized to the data's classes, the input size
    /// changed if asked, the class names, defect classes and name set, and new He-initialised
    /// weights from `seed` (BN: γ 1, β 0, running mean 0, variance 1).
    /// - Throws: ``TrainingError/incompatibleArchitecture(_:)`` if there is no dense layer to
    ///   resize, or ``ModelError`` if the changed spec is inconsistent (e.g. too small an input).
    public static func freshModel(architecture: ModelSpec, name: String, classes: [String], defectClasses: [Int],
                                  inputSize: Int?, seed: UInt64) throws -> Model {
        var spec = architecture
        guard let last = spec.layers.lastIndex(where: { $0.layerOp == .dense }) else {
            throw TrainingError.incompatibleArchitecture("'\(architecture.name)' has no dense layer whose outputs could become the \(classes.count) classes")
        }
        spec.layers[last].outFeatures = classes.count
        if let size = inputSize {
            spec.input.height = size
            spec.input.width = size
        }
        spec.name = name
        spec.classes = classes
        spec.defectClasses = defectClasses
        spec.threshold = 0.5
        spec.weights = WeightsRef()
        spec.metadata = ["architecture": architecture.name]
        let weights = try ReferenceArchitectures.initialWeights(for: spec, seed: seed, randomStatistics: false)
        return try Model(spec: spec, weights: weights)
    }
}
