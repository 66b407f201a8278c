// RunCheckpoint: one checkpoint of a training run — the model's weights, optionally the
// optimizer's state (for `last`, so `--resume` continues exactly), and the run state as JSON
// (epoch, optimizer step, best metric, patience left, model info, a fingerprint of the
// configuration) — in ONE safetensors file (the JSON in its metadata), written atomically,
// plus a readable `.json` copy of the state next to it. Not here: deciding when to save
// (Trainer).

import Foundation

/// The run state saved with a checkpoint.
public struct RunState: Sendable, Equatable, Codable {
    /// The task id.
    public var task: String
    /// Epochs completed (1-based count: 1 after the first epoch).
    public var epochsCompleted: Int
    /// Optimizer steps taken.
    public var optimizerSteps: Int
    /// The best monitored validation value so far, and the epoch (1-based) it came from.
    public var bestValue: Double?
    public var bestEpoch: Int?
    /// Epochs since the last improvement.
    public var epochsWithoutImprovement: Int
    /// Whether early stopping has ended the run.
    public var stoppedEarly: Bool
    /// What the plugin needs to rebuild the model.
    public var modelInfo: TaskModelInfo
    /// The validation metrics of the last completed epoch.
    public var validationMetrics: [String: Double]
    /// The learning-rate factor of the plateau schedule (1 until the first reduction).
    public var plateauFactor: Double
    /// The configuration the run was started with (every option), so `--resume` can refuse
    /// a changed one and name what changed, and eval / predict rebuild the same model.
    public var configuration: ProjectConfig.Snapshot

    /// Creates a run state.
    public init(task: String, epochsCompleted: Int, optimizerSteps: Int, bestValue: Double?, bestEpoch: Int?,
                epochsWithoutImprovement: Int, stoppedEarly: Bool, modelInfo: TaskModelInfo,
                validationMetrics: [String: Double], plateauFactor: Double, configuration: ProjectConfig.Snapshot) {
        self.task = task
        self.epochsCompleted = epochsCompleted
        self.optimizerSteps = optimizerSteps
        self.bestValue = bestValue
        self.bestEpoch = bestEpoch
        self.epochsWithoutImprovement = epochsWithoutImprovement
        self.stoppedEarly = stoppedEarly
        self.modelInfo = modelInfo
        self.validationMetrics = validationMetrics
        self.plateauFactor = plateauFactor
        self.configuration = configuration
    }
}

/// A checkpoint that cannot be used.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The checkpoint file.
    public let file: String
    /// What is wrong and what to do.
    public let message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// Reading and writing run checkpoints.
public enum RunCheckpoint {
    static let stateKey = "factory.run_state"
    static let optimizerPrefix = "optimizer."
    static let optimizerStepsPrefix = "optimizer_steps."

    /// Writes `model`'s weights (and the optimizer's state, when given) with `state`, atomically.
    public static func write(
        to url: URL, model: Module, optimizer: (any Optimizer)?, state: RunState
    ) throws {
        var tensors: [(name: String, tensor: Tensor)] = model.stateDictionary().sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        var metadata: [String: String] = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let stateJSON = try encoder.encode(state)
        metadata[stateKey] = String(decoding: stateJSON, as: UTF8.self)
        if let optimizer {
            let saved = optimizer.stateDictionary(parameters: model.parameters())
            tensors += saved.buffers.sorted { $0.key < $1.key }.map { (optimizerPrefix + $0.key, $0.value) }
            for (key, step) in saved.steps { metadata[optimizerStepsPrefix + key] = String(step) }
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafetensorsWriter.write(tensors, metadata: metadata, to: url)
        try AtomicFile.write(stateJSON, to: url.deletingPathExtension().appendingPathExtension("json"))
    }

    /// Reads the run state of a checkpoint.
    public static func readState(_ url: URL) throws -> RunState {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(contentsOf: url) } catch {
            throw CheckpointError(file: url.path, message: "cannot be read (\(error)); delete it and train again without --resume")
        }
        guard let json = file.metadata[stateKey] else {
            throw CheckpointError(file: url.path, message: "is not a factory checkpoint (no run state in its metadata)")
        }
        do { return try JSONDecoder().decode(RunState.self, from: Data(json.utf8)) } catch {
            throw CheckpointError(file: url.path, message: "has an unreadable run state (\(error))")
        }
    }

    /// Loads the weights (and, when `optimizer` is given, the optimizer state) into `model`.
    public static func load(_ url: URL, into model: Module, optimizer: (any Optimizer)? = nil) throws {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(contentsOf: url) } catch {
            throw CheckpointError(file: url.path, message: "cannot be read (\(error)); train again")
        }
        var weights: [String: Tensor] = [:], buffers: [String: Tensor] = [:]
        for name in file.tensorNames {
            if name.hasPrefix(optimizerPrefix) {
                buffers[String(name.dropFirst(optimizerPrefix.count))] = try file.tensor(named: name)
            } else {
                weights[name] = try file.tensor(named: name)
            }
        }
        do { try model.load(stateDictionary: weights, strict: true) } catch {
            throw CheckpointError(file: url.path, message: "does not fit the model the configuration builds: \(error)")
        }
        if let optimizer {
            var steps: [String: Int] = [:]
            for (key, value) in file.metadata where key.hasPrefix(optimizerStepsPrefix) {
                steps[String(key.dropFirst(optimizerStepsPrefix.count))] = Int(value) ?? 0
            }
            do { try optimizer.loadStateDictionary(buffers: buffers, steps: steps, parameters: model.parameters()) } catch {
                throw CheckpointError(file: url.path, message: "has optimizer state that does not fit: \(error)")
            }
        }
    }
}
