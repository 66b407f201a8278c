// FineTuningRun: the fine-tuning core for one project and one task plugin — prepares the
// data (deduplicate, split), builds the model, freezes, groups parameters for layer-wise
// rates, trains with accumulation / clipping / penalties / schedule, validates every epoch,
// keeps `best` and `last` checkpoints, stops early, resumes, writes metrics.jsonl and the
// learning curve; and evaluates and predicts with the best checkpoint. Plugins do not
// re-implement any of it. Not here: the plugin's task logic, the command line.

import Foundation

/// Where a project's run writes its files (`<project>/output`).
public struct RunFiles: Sendable {
    /// The output folder.
    public let folder: URL
    public init(projectFolder: URL) { folder = projectFolder.appendingPathComponent("output") }
    /// The files of a run that writes into `folder` (a fold's or a trial's own folder).
    public init(folder: URL) { self.folder = folder }
    public var lastCheckpoint: URL { folder.appendingPathComponent("checkpoints/last.safetensors") }
    public var bestCheckpoint: URL { folder.appendingPathComponent("checkpoints/best.safetensors") }
    public var metricsLog: URL { folder.appendingPathComponent("metrics.jsonl") }
    public var learningCurve: URL { folder.appendingPathComponent("learning_curve.svg") }
    public var splits: URL { folder.appendingPathComponent("splits.json") }
    public var evaluation: URL { folder.appendingPathComponent("eval.json") }
}

/// A training run that cannot go on, with what to do.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a finished `train` did.
public struct TrainingSummary: Sendable {
    /// Epochs completed in total (including those before a resume).
    public var epochsCompleted: Int
    /// Whether early stopping ended the run.
    public var stoppedEarly: Bool
    /// The best monitored value and its epoch (1-based).
    public var bestValue: Double?
    public var bestEpoch: Int?
    /// The examples in each split.
    public var splitSizes: (train: Int, validation: Int, test: Int)
}

/// The fine-tuning core for one project.
public final class FineTuningRun<Plugin: TaskPlugin> {
    public let plugin: Plugin
    public let context: TaskContext
    public let settings: TrainingSettings
    /// The `augmentation.*` settings, read once (every training batch's context carries them).
    let augmentationSettings: AugmentationSettings
    /// Where the run writes (the project's `output/`, or a fold's or trial's folder).
    public var files: RunFiles
    let progress: ProgressReporter
    /// Splits to use instead of the core's own (a cross-validation fold): indices into the
    /// deduplicated examples of ``prepareData()``.
    public var givenSplits: DataSplits?
    /// Called after each epoch's checkpoints are written, with the number of epochs done.
    /// An error thrown here ends the run as a crash would (tests use it to simulate a kill).
    public var afterEpoch: ((Int) throws -> Void)?

    /// Creates a run for a project.
    public init(plugin: Plugin, context: TaskContext, progress: ProgressReporter = ProgressReporter()) throws {
        self.plugin = plugin
        self.context = context
        self.settings = try TrainingSettings(context.config)
        self.augmentationSettings = AugmentationSettings(context.config)
        self.files = RunFiles(projectFolder: context.projectFolder)
        self.progress = progress
    }

    // MARK: Data

    /// The task's examples after deduplication, their splits and the label names.
    public struct PreparedData {
        public var examples: [Plugin.Example]
        public var splits: DataSplits
        public var labelNames: [String]
    }

    /// Loads the data, removes duplicates (with a count in the log) and splits it: the
    /// user's own split when the data has one, else seeded and stratified by class.
    public func prepareData() throws -> PreparedData {
        let data = try plugin.loadData(context)
        guard !data.examples.isEmpty else { throw TrainingError("the data has no examples; check data.path in factory.yaml") }
        var examples = data.examples
        var userSplits = data.userSplits
        if settings.deduplicate {
            let result = Deduplication.deduplicate(keys: examples.map(\.deduplicationKey))
            if result.removed > 0 {
                progress.log("removed \(result.removed) duplicate example(s): \(result.exactDuplicates) exact, \(result.normalizedDuplicates) after normalising case, spacing and punctuation")
                var newIndex: [Int: Int] = [:]
                for (position, index) in result.kept.enumerated() { newIndex[index] = position }
                examples = result.kept.map { examples[$0] }
                if let splits = userSplits {
                    userSplits = DataSplits(train: splits.train.compactMap { newIndex[$0] },
                                            validation: splits.validation.compactMap { newIndex[$0] },
                                            test: splits.test.compactMap { newIndex[$0] })
                }
            }
        }
        if let given = givenSplits, (given.train + given.validation + given.test).contains(where: { !examples.indices.contains($0) }) {
            throw TrainingError("the given splits name examples beyond the \(examples.count) of the data; the data changed since they were made")
        }
        let splits = givenSplits ?? userSplits ?? DataSplitter.split(
            strata: examples.map(\.stratum), validationFraction: settings.validationFraction,
            testFraction: settings.testFraction, seed: settings.seed)
        guard !splits.train.isEmpty else { throw TrainingError("the training split is empty; add data or lower data.validation_fraction and data.test_fraction") }
        return PreparedData(examples: examples, splits: splits, labelNames: data.labelNames)
    }

    // MARK: Training

    /// Trains (or, with `resume`, continues the run in `output/checkpoints/last.safetensors`).
    public func train(resume: Bool = false) throws -> TrainingSummary {
        let data = try prepareData()
        let sizes = (data.splits.train.count, data.splits.validation.count, data.splits.test.count)
        progress.log("data: \(data.examples.count) examples; train \(sizes.0), validation \(sizes.1), test \(sizes.2)")
        try FileManager.default.createDirectory(at: files.folder, withIntermediateDirectories: true)
        try AtomicFile.write(try JSONEncoder.sorted.encode(data.splits), to: files.splits)

        var classCounts = [Int](repeating: 0, count: data.labelNames.count)
        for index in data.splits.train {
            if let stratum = data.examples[index].stratum, classCounts.indices.contains(stratum) { classCounts[stratum] += 1 }
        }
        var info = TaskModelInfo(labelNames: data.labelNames, trainingClassCounts: classCounts)
        let model = try plugin.makeModel(context, info: info)
        try attachAdapters(to: model, lora: lora, announce: true)
        // Tasks fitted without gradients (TaskFitting.swift) may be done here.
        if let fitted = try fitBeforeEpochs(model: model, data: data, info: &info) { return fitted }
        let groups = ParameterGrouping.groups(for: model, learningRate: baseLearningRate,
                                              layerDecay: settings.layerDecay, weightDecay: settings.weightDecay)
        let optimizer: any Optimizer
        switch settings.optimizer {
        case "adam": optimizer = Adam(groups: groups)
        case "sgd": optimizer = SGD(groups: groups, momentum: settings.momentum, nesterov: settings.momentum > 0)
        default: optimizer = AdamW(groups: groups)
        }
        let configuration = context.config.snapshot
        var state = RunState(task: plugin.descriptor.id, epochsCompleted: 0, optimizerSteps: 0, bestValue: nil, bestEpoch: nil,
                             epochsWithoutImprovement: 0, stoppedEarly: false, modelInfo: info, validationMetrics: [:],
                             plateauFactor: 1, configuration: configuration)
        var records: [EpochRecord] = []
        if resume {
            guard FileManager.default.fileExists(atPath: files.lastCheckpoint.path) else {
                throw TrainingError("\(files.lastCheckpoint.path): no checkpoint to resume from; run `factory train` without --resume")
            }
            let saved = try RunCheckpoint.readState(files.lastCheckpoint)
            let changed = context.config.changes(since: saved.configuration)
            guard saved.task == plugin.descriptor.id, changed.isEmpty else {
                throw TrainingError("the configuration changed since the run started (\(changed.joined(separator: "; "))); resume needs the same settings — restore them, or train from the start without --resume")
            }
            guard saved.modelInfo == info else {
                throw TrainingError("the data's labels changed since the run started; train from the start without --resume")
            }
            try RunCheckpoint.load(files.lastCheckpoint, into: model, optimizer: optimizer)
            state = saved
            records = Array(try MetricsLog.read(files.metricsLog).prefix(saved.epochsCompleted))
            if saved.stoppedEarly || saved.epochsCompleted >= settings.epochs {
                progress.log("the run is already complete (\(saved.epochsCompleted) epoch(s)\(saved.stoppedEarly ? ", stopped early" : ""))")
                return TrainingSummary(epochsCompleted: saved.epochsCompleted, stoppedEarly: saved.stoppedEarly,
                                       bestValue: saved.bestValue, bestEpoch: saved.bestEpoch, splitSizes: sizes)
            }
            progress.log("resuming after epoch \(saved.epochsCompleted) (optimizer step \(saved.optimizerSteps))")
        }

        let trainExamples = data.splits.train.map { data.examples[$0] }
        let validationExamples = data.splits.validation.map { data.examples[$0] }
        let batchesPerEpoch = (trainExamples.count + settings.batchSize - 1) / settings.batchSize
        let stepsPerEpoch = (batchesPerEpoch + settings.gradientAccumulation - 1) / settings.gradientAccumulation
        let schedule = TrainingSchedule(settings: settings, stepsPerEpoch: stepsPerEpoch)
        let monitor = monitorDirection()
        let cache = try prepareFeatureCache(model: model, trainExamples: trainExamples, validationExamples: validationExamples)

        for epoch in state.epochsCompleted..<settings.epochs {
            let started = Date()
            let trainable = applyTrainability(to: model, epoch: epoch)
            if epoch == state.epochsCompleted || settings.freezing == .gradual {
                progress.log("epoch \(epoch + 1): \(trainable.count) trainable parameters (\(trainable.description))")
            }
            reseedDropout(model, epoch: epoch)
            setTrainingMode(model)
            progress.startEpoch()
            var lossSum = 0.0, lossCount = 0
            let batches = BatchOrder.batches(count: trainExamples.count, batchSize: settings.batchSize, shuffle: true,
                                             seed: settings.seed, epoch: epoch)
            for (batchIndex, batch) in batches.enumerated() {
                let examples = batch.map { trainExamples[$0] }
                let forward = try trainingForward(model: model, batch: batch, examples: examples, cache: cache,
                                                  context: trainingContext(epoch: epoch, batch: batch))
                guard let loss = forward.loss else {
                    throw TrainingError("the task computed no loss for training examples (they have no targets)")
                }
                let lossValue = Double(loss.item)
                guard lossValue.isFinite else {
                    throw TrainingError("the training loss became \(lossValue) at epoch \(epoch + 1), batch \(batchIndex + 1); lower train.learning_rate or check the data")
                }
                lossSum += lossValue * Double(examples.count)
                lossCount += examples.count
                var objective = loss
                if settings.l1 > 0 || settings.l2 > 0 { objective = objective + penalty(model) }
                if settings.gradientAccumulation > 1 { objective = objective * (1 / Float(settings.gradientAccumulation)) }
                objective.backward()
                let isLastOfGroup = (batchIndex + 1) % settings.gradientAccumulation == 0 || batchIndex == batches.count - 1
                if isLastOfGroup {
                    let trainableTensors = model.trainableParameters().map(\.tensor)
                    if settings.clipNorm > 0 { _ = clipGradientNorm(trainableTensors, maxNorm: settings.clipNorm) }
                    optimizer.scaleLearningRates(by: schedule.multiplier(atStep: state.optimizerSteps, plateauFactor: Float(state.plateauFactor)))
                    optimizer.step()
                    optimizer.zeroGradients()
                    state.optimizerSteps += 1
                }
                progress.step(epoch: epoch + 1, epochs: settings.epochs, batch: batchIndex + 1, batches: batches.count,
                              samples: examples.count, loss: lossSum / Double(Swift.max(lossCount, 1)))
            }
            let trainLoss = lossSum / Double(Swift.max(lossCount, 1))

            // Validation.
            var validationLoss: Double?
            var metrics: [String: Double] = [:]
            if !validationExamples.isEmpty {
                let result = try evaluate(model: model, examples: validationExamples, info: info, cachedFeatures: cache?.validation)
                validationLoss = result.loss
                metrics = result.evaluation.metrics
            }
            let monitored = monitoredValue(metric: settings.monitorMetric, validationLoss: validationLoss, trainLoss: trainLoss, metrics: metrics)
            guard let monitored else {
                throw TrainingError("early_stopping.metric \"\(settings.monitorMetric)\" is not reported by the task; it reports: loss, \(metrics.keys.sorted().joined(separator: ", "))")
            }
            state.epochsCompleted = epoch + 1
            state.validationMetrics = metrics
            let improved = state.bestValue.map { monitor.higherIsBetter ? monitored > $0 : monitored < $0 } ?? true
            if improved {
                state.bestValue = monitored
                state.bestEpoch = epoch + 1
                state.epochsWithoutImprovement = 0
            } else {
                state.epochsWithoutImprovement += 1
                if settings.schedule == "plateau" { state.plateauFactor *= Double(settings.gamma) }
            }
            if settings.patience > 0 && state.epochsWithoutImprovement >= settings.patience && epoch + 1 < settings.epochs {
                state.stoppedEarly = true
            }
            records.append(EpochRecord(epoch: epoch + 1, trainLoss: trainLoss, validationLoss: validationLoss, validationMetrics: metrics,
                                       learningRate: Double(optimizer.learningRates.max() ?? 0), seconds: Date().timeIntervalSince(started)))
            if improved { try RunCheckpoint.write(to: files.bestCheckpoint, model: model, optimizer: nil, state: state) }
            try RunCheckpoint.write(to: files.lastCheckpoint, model: model, optimizer: optimizer, state: state)
            try MetricsLog.write(records, to: files.metricsLog)
            let metricText = metrics.keys.sorted().prefix(4).map { String(format: "%@ %.4f", $0, metrics[$0]!) }.joined(separator: "  ")
            progress.log(String(format: "epoch %d/%d  train loss %.4f  validation loss %@  %@  (%.0f s)%@", epoch + 1, settings.epochs, trainLoss,
                                validationLoss.map { String(format: "%.4f", $0) } ?? "-", metricText, Date().timeIntervalSince(started),
                                improved ? "  best so far" : ""))
            try afterEpoch?(epoch + 1)
            if state.stoppedEarly {
                progress.log("early stopping: \(settings.monitorMetric) did not improve for \(state.epochsWithoutImprovement) epoch(s); best was epoch \(state.bestEpoch ?? 0)")
                break
            }
        }
        try calibrateAfterEpochs(model: model, data: data, info: info)
        try AtomicFile.write(Data(LearningCurveChart.svg(records, metric: settings.monitorMetric).utf8), to: files.learningCurve)
        try writeAdapterFileIfNeeded(model: model)
        return TrainingSummary(epochsCompleted: state.epochsCompleted, stoppedEarly: state.stoppedEarly,
                               bestValue: state.bestValue, bestEpoch: state.bestEpoch, splitSizes: sizes)
    }

    /// The monitored metric's direction: the task's primary metric knows; losses and errors
    /// go down; anything else (accuracy, F1, AUC) goes up.
    func monitorDirection() -> (name: String, higherIsBetter: Bool) {
        let name = settings.monitorMetric
        if name == plugin.primaryMetric.name { return plugin.primaryMetric }
        let lowerIsBetter = ["loss", "error", "brier", "ece", "eer", "mae", "mse", "rmse"].contains { name.contains($0) }
        return (name, !lowerIsBetter)
    }

    func monitoredValue(metric: String, validationLoss: Double?, trainLoss: Double, metrics: [String: Double]) -> Double? {
        if metric == "loss" { return validationLoss ?? trainLoss }
        return metrics[metric]
    }

    /// Gives every dropout layer a generator seeded by (seed, epoch, position), so an epoch's
    /// masks do not depend on what ran before it (exact resume).
    func reseedDropout(_ model: Module, epoch: Int) {
        var index: UInt64 = 0
        for (_, module) in model.namedModules() {
            guard let dropout = module as? Dropout else { continue }
            dropout.generator = SeededGenerator(seed: settings.seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(epoch) &* 0x9E37_79B9 &+ index)
            index += 1
        }
    }

    /// `l1 Σ|w| + l2 Σ w²` over trainable weights of rank 2 and more.
    func penalty(_ model: Module) -> Tensor {
        var total = Tensor(scalar: 0)
        for (_, weight) in model.trainableParameters() where weight.rank >= 2 {
            if settings.l1 > 0 { total = total + weight.abs().sum() * settings.l1 }
            if settings.l2 > 0 { total = total + (weight * weight).sum() * settings.l2 }
        }
        return total
    }

    // MARK: Evaluation and prediction

    /// Runs `examples` through `model` in inference mode in evaluation batches.
    func outputs(model: Plugin.Model, examples: [Plugin.Example]) throws -> (outputs: [Plugin.Output], loss: Double?) {
        model.train(false)
        var outputs: [Plugin.Output] = []
        var lossSum = 0.0, lossCount = 0
        for start in stride(from: 0, to: examples.count, by: settings.evaluationBatchSize) {
            let batch = Array(examples[start ..< Swift.min(start + settings.evaluationBatchSize, examples.count)])
            let forward = try withoutGradients { try plugin.forward(model, examples: batch, context: context) }
            outputs += forward.outputs
            if let loss = forward.loss {
                lossSum += Double(loss.item) * Double(batch.count)
                lossCount += batch.count
            }
        }
        return (outputs, lossCount > 0 ? lossSum / Double(lossCount) : nil)
    }

    func evaluate(model: Plugin.Model, examples: [Plugin.Example], info: TaskModelInfo) throws -> (evaluation: TaskEvaluation, loss: Double?) {
        let (outputs, loss) = try outputs(model: model, examples: examples)
        var evaluation = try plugin.evaluate(outputs: outputs, examples: examples, info: info, context: context)
        if let loss { evaluation.metrics["loss"] = loss }
        return (evaluation, loss)
    }

    /// The trained model: the best checkpoint (or the last, when there is no best).
    public func loadTrainedModel() throws -> (model: Plugin.Model, state: RunState, checkpoint: URL) {
        let checkpoint = FileManager.default.fileExists(atPath: files.bestCheckpoint.path) ? files.bestCheckpoint : files.lastCheckpoint
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw TrainingError("\(files.folder.path): no trained model yet; run `factory train` first")
        }
        let state = try RunCheckpoint.readState(checkpoint)
        guard state.task == plugin.descriptor.id else {
            throw TrainingError("\(checkpoint.path) was trained for task \(state.task), not \(plugin.descriptor.id)")
        }
        // The model is rebuilt as it was trained: `model.*` options come from the run, not from
        // factory.yaml as it is now (which may have been edited since).
        var config = context.config
        for (key, value) in state.configuration.values where key.hasPrefix("model.") && config.values[key] != value {
            if let updated = try? config.setting(key, to: value) {
                progress.log("using \(key) = \(value) from the trained run (factory.yaml now says \(config[key]))")
                config = updated
            }
        }
        let modelContext = TaskContext(projectFolder: context.projectFolder, config: config, modelStore: context.modelStore, log: context.log)
        let model = try plugin.makeModel(modelContext, info: state.modelInfo)
        try attachTrainedAdapters(to: model, state: state)
        try RunCheckpoint.load(checkpoint, into: model)
        return (model, state, checkpoint)
    }

    /// Evaluates the trained model on a split and writes `output/eval.json`.
    /// - Parameter split: `test` (default), `validation` or `train`.
    public func evaluate(split: String = "test") throws -> TaskEvaluation {
        let data = try prepareData()
        guard let indices = data.splits.indices(named: split) else {
            throw TrainingError("no split named \"\(split)\"; use train, validation or test")
        }
        guard !indices.isEmpty else { throw TrainingError("the \(split) split is empty; raise data.test_fraction or add data") }
        let (model, state, checkpoint) = try loadTrainedModel()
        let evaluation = try evaluateWritingPredictions(model: model, examples: indices.map { data.examples[$0] }, info: state.modelInfo)
        var document: [(String, JSONValue)] = [
            ("task", .string(plugin.descriptor.id)), ("split", .string(split)), ("examples", .integer(indices.count)),
            ("checkpoint", .string(checkpoint.lastPathComponent)), ("epoch", .integer(state.bestEpoch ?? state.epochsCompleted)),
            ("metrics", .object(JSONObject(members: evaluation.metrics.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.double($0.value)) }))),
        ]
        for (key, value) in evaluation.details.sorted(by: { $0.key < $1.key }) { document.append((key, value)) }
        try AtomicFile.write(Data(JSONValue.object(JSONObject(members: document.map { (key: $0.0, value: $0.1) })).serialized(pretty: true).utf8), to: files.evaluation)
        return evaluation
    }

    /// Predicts answers for `inputs` (file paths or lines of text) with the trained model.
    public func predict(_ inputs: [String]) throws -> [TaskPrediction] {
        let (model, state, _) = try loadTrainedModel()
        let examples = try plugin.predictionExamples(from: inputs, context: context)
        guard examples.count == inputs.count else {
            throw TrainingError("the task made \(examples.count) example(s) from \(inputs.count) input(s)")
        }
        let (outputs, _) = try outputs(model: model, examples: examples)
        return zip(outputs, inputs).map { plugin.prediction(for: $0, input: $1, info: state.modelInfo) }
    }
}

extension JSONEncoder {
    /// Pretty-printed with sorted keys, for files people read and diff.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}
