/// Everything that decides a training run. Stored in checkpoints: `--resume` refuses a run
/// whose options differ (except ``epochs``, which may be raised to train longer).
public struct TrainingOptions: Codable, Equatable, Sendable {
    public enum Optimizer: String, Codable, CaseIterable, Sendable { case sgd, adamw }
    /// How each epoch's images are drawn.
    public enum Sampling: String, Codable, CaseIterable, Sendable {
        /// Every image once per epoch, in a seeded random order.
        case shuffle
        /// As many draws as images, each class equally likely (rare defects seen as often as good parts).
        case balanced
    }

    public var epochs: Int = 30
    public var batch: Int = 32
    public var optimizer: Optimizer = .adamw
    /// Base (peak) learning rate.
    public var learningRate: Float = 2e-3
    public var momentum: Float = 0.9
    public var weightDecay: Float = 1e-4
    public var schedule: LearningRateSchedule = .oneCycle
    public var warmupEpochs: Int = 0
    /// Weight each class by `N / (K · n_k)` in the loss.
    public var classWeighting: Bool = true
    public var sampling: Sampling = .shuffle
    /// Stop when the validation loss has not improved for this many epochs (0: never).
    public var earlyStoppingPatience: Int = 0
    /// Fraction of the training set held out (stratified by class and group) for validation,
    /// when no separate validation set is given. 0: no validation.
    public var validationFraction: Double = 0.15
    public var seed: UInt64 = 1
    public var augmentation: AugmentationConfig = .inspectionDefault
    /// Threads for the training step and for validation.
    public var threads: Int = 2

    public init() {}

    /// Checks ranges. - Throws: ``TrainingError/invalidOption(_:_:)``.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ reason: String) throws { if !ok { throw TrainingError.invalidOption(name, reason) } }
        try check(epochs >= 1, "epochs", "must be ≥ 1, got \(epochs)")
        try check(batch >= 1 && batch <= 4096, "batch", "must be 1 … 4096, got \(batch)")
        try check(learningRate > 0 && learningRate.isFinite, "lr", "must be a positive number, got \(learningRate)")
        try check(momentum >= 0 && momentum < 1, "momentum", "must be in [0, 1), got \(momentum)")
        try check(weightDecay >= 0 && weightDecay.isFinite, "weight-decay", "must be ≥ 0, got \(weightDecay)")
        try check(warmupEpochs >= 0 && warmupEpochs < epochs, "warmup-epochs", "must be in 0 ..< epochs, got \(warmupEpochs)")
        try check(earlyStoppingPatience >= 0, "early-stopping", "must be ≥ 0, got \(earlyStoppingPatience)")
        try check(validationFraction >= 0 && validationFraction < 1, "val-fraction", "must be in [0, 1), got \(validationFraction)")
        try check(threads >= 1 && threads <= 64, "threads", "must be 1 … 64, got \(threads)")
    }

    /// The options that must match for a resume (all but ``epochs``).
    func resumeKey() -> TrainingOptions { var o = self; o.epochs = 0; return o }
}
