// TaskFitting: the plugin API's two hooks for models that are not (only) trained by
// gradients — `fit`, which fills state such as a memory bank of training features before any
// gradient epoch, and `calibrate`, which sets decision state such as a threshold from the
// validation outputs after training — and `TaskFit`, what a fit reports back to the core.
// Both have default implementations, so plugins that train by gradients alone ignore them.
// Not here: the core's side (FineTuningRun+Fitting.swift).

/// What a plugin's ``TaskPlugin/fit(_:training:validation:info:context:)`` produced.
///
/// The fitted state lives in the model's buffers (``Module/ownBuffers``), so checkpoints
/// save it; a buffer whose shape depends on the data (a memory bank of M rows) must be
/// rebuilt at that shape by ``TaskPlugin/makeModel(_:info:)`` for eval and predict: return
/// what it needs (`"bank_size": "2048"`) in ``properties``, and the core saves it in
/// ``TaskModelInfo/properties``.
public struct TaskFit: Sendable {
    /// Merged into ``TaskModelInfo/properties`` of the saved model.
    public var properties: [String: String]
    /// Whether gradient epochs follow the fit (`false`: the fit is the whole training; the
    /// core validates once and writes the checkpoints).
    public var continueWithGradientEpochs: Bool
    /// Lines for the run log (what was fitted, how long it took).
    public var notes: [String]

    /// Creates a fit result.
    /// - Parameters:
    ///   - properties: what ``TaskPlugin/makeModel(_:info:)`` needs to rebuild the model.
    ///   - continueWithGradientEpochs: whether the core trains by gradients afterwards.
    ///   - notes: lines for the run log.
    public init(properties: [String: String] = [:], continueWithGradientEpochs: Bool = false, notes: [String] = []) {
        self.properties = properties
        self.continueWithGradientEpochs = continueWithGradientEpochs
        self.notes = notes
    }
}

extension TaskPlugin {
    /// By default a task fits nothing: it is trained by gradient epochs only.
    ///
    /// A task whose model is fitted without gradients (PatchCore's memory bank, class
    /// prototypes, feature statistics) implements it: fill the model's buffers from the
    /// training examples (the validation examples are there for statistics that must not
    /// come from the training data) and return a ``TaskFit``. The core calls it once, after
    /// ``makeModel(_:info:)`` and before any epoch.
    /// - Parameters:
    ///   - model: the model ``makeModel(_:info:)`` built for `info`.
    ///   - training: the training split.
    ///   - validation: the validation split (may be empty).
    ///   - info: the model information so far.
    ///   - context: the project.
    /// - Returns: `nil` to train by gradient epochs only, else what the fit produced.
    public func fit(_ model: Model, training: [Example], validation: [Example], info: TaskModelInfo, context: TaskContext) throws -> TaskFit? {
        nil
    }

    /// By default only a fitted task is calibrated (right after its fit), not a gradient-trained one.
    public var calibratesAfterTraining: Bool { false }

    /// By default a task calibrates nothing.
    ///
    /// A task with decision state chosen on held-out data (a score threshold, a temperature)
    /// implements it: set the model's buffers from the outputs of the validation split and
    /// return `true`. The core calls it after the fit (or after the gradient epochs, on the
    /// best checkpoint's weights), then re-validates and saves the best checkpoint again.
    /// - Parameters:
    ///   - model: the trained model.
    ///   - validationOutputs: the model's outputs for `validation`, in order.
    ///   - validation: the validation split (may be empty: calibrate from defaults then).
    ///   - info: the saved model information.
    ///   - context: the project.
    /// - Returns: whether the model's state changed.
    public func calibrate(_ model: Model, validationOutputs: [Output], validation: [Example], info: TaskModelInfo, context: TaskContext) throws -> Bool {
        false
    }
}
