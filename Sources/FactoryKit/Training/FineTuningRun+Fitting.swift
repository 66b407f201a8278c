// FineTuningRun+Fitting: the core's side of TaskFitting — running a plugin's `fit` before the
// gradient epochs (and, when the fit is the whole training, validating once and writing the
// best / last checkpoints, metrics.jsonl and the learning curve as an epoch would), and
// running its `calibrate` on the validation split once training is done, re-saving the best
// checkpoint with the calibrated state. Not here: the gradient epochs (FineTuningRun.swift),
// the plugin's fitting itself.

import Foundation

extension FineTuningRun {
    /// Runs the plugin's fit step on `model`, merging what it reports into `info`.
    ///
    /// - Returns: the finished run's summary when the fit is the whole training (the
    ///   checkpoints are written), or `nil` when gradient epochs follow (or the task fits
    ///   nothing).
    func fitBeforeEpochs(model: Plugin.Model, data: PreparedData, info: inout TaskModelInfo) throws -> TrainingSummary? {
        let training = data.splits.train.map { data.examples[$0] }
        let validation = data.splits.validation.map { data.examples[$0] }
        let started = Date()
        model.train(false)
        let fitted = try withoutGradients {
            try plugin.fit(model, training: training, validation: validation, info: info, context: context)
        }
        guard let fitted else { return nil }
        info.properties.merge(fitted.properties) { $1 }
        for note in fitted.notes { progress.log(note) }
        progress.log(String(format: "fitted in %.1f s", Date().timeIntervalSince(started)))
        if fitted.continueWithGradientEpochs { return nil }

        // The fit is the whole training: calibrate, validate once, save as epoch 1.
        _ = try calibrate(model: model, validation: validation, info: info)
        var metrics: [String: Double] = [:]
        var validationLoss: Double?
        if !validation.isEmpty {
            let result = try evaluate(model: model, examples: validation, info: info)
            metrics = result.evaluation.metrics
            validationLoss = result.loss
        }
        let monitored = monitoredValue(metric: settings.monitorMetric, validationLoss: validationLoss, trainLoss: 0, metrics: metrics)
        if monitored == nil && !validation.isEmpty {
            throw TrainingError("early_stopping.metric \"\(settings.monitorMetric)\" is not reported by the task; it reports: \(metrics.keys.sorted().joined(separator: ", "))")
        }
        let state = RunState(task: plugin.descriptor.id, epochsCompleted: 1, optimizerSteps: 0, bestValue: monitored, bestEpoch: 1,
                             epochsWithoutImprovement: 0, stoppedEarly: false, modelInfo: info, validationMetrics: metrics,
                             plateauFactor: 1, configuration: context.config.snapshot)
        let seconds = Date().timeIntervalSince(started)
        let records = [EpochRecord(epoch: 1, trainLoss: 0, validationLoss: validationLoss, validationMetrics: metrics, learningRate: 0, seconds: seconds)]
        try RunCheckpoint.write(to: files.bestCheckpoint, model: model, optimizer: nil, state: state)
        try RunCheckpoint.write(to: files.lastCheckpoint, model: model, optimizer: nil, state: state)
        try MetricsLog.write(records, to: files.metricsLog)
        try AtomicFile.write(Data(LearningCurveChart.svg(records, metric: settings.monitorMetric).utf8), to: files.learningCurve)
        let metricText = metrics.keys.sorted().prefix(5).map { String(format: "%@ %.4f", $0, metrics[$0]!) }.joined(separator: "  ")
        progress.log(String(format: "fitted without gradient epochs  validation %@  (%.0f s)", metricText.isEmpty ? "-" : metricText, seconds))
        return TrainingSummary(epochsCompleted: 1, stoppedEarly: false, bestValue: monitored, bestEpoch: 1,
                               splitSizes: (data.splits.train.count, data.splits.validation.count, data.splits.test.count))
    }

    /// After gradient epochs: loads the best checkpoint into `model`, lets the plugin
    /// calibrate on the validation split and, when it changed the model, re-validates and
    /// writes the best checkpoint again (same epoch and best value, new validation metrics).
    func calibrateAfterEpochs(model: Plugin.Model, data: PreparedData, info: TaskModelInfo) throws {
        guard plugin.calibratesAfterTraining else { return }
        let checkpoint = files.bestCheckpoint
        guard FileManager.default.fileExists(atPath: checkpoint.path) else { return }
        var state = try RunCheckpoint.readState(checkpoint)
        try RunCheckpoint.load(checkpoint, into: model)
        let validation = data.splits.validation.map { data.examples[$0] }
        guard try calibrate(model: model, validation: validation, info: info) else { return }
        if !validation.isEmpty {
            state.validationMetrics = try evaluate(model: model, examples: validation, info: info).evaluation.metrics
        }
        try RunCheckpoint.write(to: checkpoint, model: model, optimizer: nil, state: state)
        progress.log("calibrated the best checkpoint (epoch \(state.bestEpoch ?? state.epochsCompleted)) on the validation split")
    }

    /// The plugin's calibration on the validation outputs of `model`.
    func calibrate(model: Plugin.Model, validation: [Plugin.Example], info: TaskModelInfo) throws -> Bool {
        let outputs = validation.isEmpty ? [] : try outputs(model: model, examples: validation).outputs
        model.train(false)
        return try withoutGradients {
            try plugin.calibrate(model, validationOutputs: outputs, validation: validation, info: info, context: context)
        }
    }
}
