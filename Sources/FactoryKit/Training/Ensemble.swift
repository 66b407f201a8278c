// Ensemble: several trained runs used as one model — the manifest that `train --folds
// --keep-ensemble` and `tune` write (ensemble.json: the task and the member run folders),
// reading `--ensemble` arguments (manifests or run folders), and evaluating and predicting
// with the members' outputs combined by the plugin's `average` (class probabilities are
// averaged). Members are loaded one at a time, so memory holds one model. Not here: how a
// task averages (the plugin), training the members (CrossValidation, tuning).

import Foundation

/// The file that lists an ensemble's members.
public struct EnsembleManifest: Sendable, Equatable, Codable {
    /// The name of a manifest file.
    public static let fileName = "ensemble.json"

    /// The task the members were trained for.
    public var task: String
    /// What made it: `cross-validation` or `tune`.
    public var source: String
    /// The members' run folders, relative to the manifest's folder (or absolute).
    public var members: [String]

    /// Creates a manifest.
    public init(task: String, source: String, members: [String]) {
        self.task = task
        self.source = source
        self.members = members
    }

    /// Writes the manifest to `url` atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(try JSONEncoder.sorted.encode(self), to: url)
    }

    /// Reads a manifest; errors name the file and what to do.
    public static func read(_ url: URL) throws -> EnsembleManifest {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError("\(url.path): cannot read the ensemble manifest (\(error.localizedDescription))")
        }
        do { return try JSONDecoder().decode(EnsembleManifest.self, from: data) } catch {
            throw TrainingError("\(url.path): not an ensemble manifest (expected {\"task\", \"source\", \"members\"}); give the ensemble.json that `factory train --folds K --keep-ensemble` or `factory tune` wrote, or run folders")
        }
    }
}

/// The trained runs of an ensemble.
public struct Ensemble: Sendable {
    /// The members' run folders (each holds `checkpoints/best.safetensors` or `last`).
    public var members: [URL]

    /// An ensemble of these run folders.
    public init(members: [URL]) { self.members = members }

    /// The ensemble that `--ensemble` arguments name: each is a manifest file, a folder
    /// holding `ensemble.json`, or a run folder (holding `checkpoints/`). Relative paths are
    /// taken from `folder` (the project).
    /// - Throws: ``TrainingError`` for a path that is none of these, or no members at all.
    public static func resolve(_ paths: [String], relativeTo folder: URL) throws -> Ensemble {
        var members: [URL] = []
        let fileManager = FileManager.default
        for path in paths {
            let expanded = (path as NSString).expandingTildeInPath
            let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : folder.appendingPathComponent(expanded)
            var isFolder: ObjCBool = false
            guard fileManager.fileExists(atPath: url.path, isDirectory: &isFolder) else {
                throw TrainingError("--ensemble \(path): no such file or folder; give an ensemble.json or trained run folders (such as output/folds/fold-1)")
            }
            let manifestURL = isFolder.boolValue ? url.appendingPathComponent(EnsembleManifest.fileName) : url
            if fileManager.fileExists(atPath: manifestURL.path) {
                let manifest = try EnsembleManifest.read(manifestURL)
                guard !manifest.members.isEmpty else { throw TrainingError("\(manifestURL.path): the ensemble lists no members") }
                let base = manifestURL.deletingLastPathComponent()
                members += manifest.members.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : base.appendingPathComponent($0) }
            } else if isFolder.boolValue, fileManager.fileExists(atPath: url.appendingPathComponent("checkpoints").path) {
                members.append(url)
            } else {
                throw TrainingError("--ensemble \(path): neither an ensemble.json nor a trained run folder (one with checkpoints/)")
            }
        }
        guard !members.isEmpty else { throw TrainingError("--ensemble: no members given") }
        return Ensemble(members: members.map(\.standardizedFileURL))
    }
}

extension FineTuningRun {
    /// Every member's outputs for `examples`, combined by the plugin, with the first
    /// member's model information (all members must share the task and the labels).
    func ensembleOutputs(_ ensemble: Ensemble, examples: [Plugin.Example]) throws -> (outputs: [Plugin.Output], info: TaskModelInfo) {
        var perModel: [[Plugin.Output]] = []
        var info: TaskModelInfo?
        for member in ensemble.members {
            let memberRun = try FineTuningRun(plugin: plugin, context: context, progress: progress)
            memberRun.files = RunFiles(folder: member)
            let (model, state, checkpoint) = try memberRun.loadTrainedModel()
            if let info, info.labelNames != state.modelInfo.labelNames {
                throw TrainingError("\(checkpoint.path) was trained with the labels \(state.modelInfo.labelNames), the first member with \(info.labelNames); an ensemble's models must share their labels")
            }
            info = info ?? state.modelInfo
            perModel.append(try memberRun.outputs(model: model, examples: examples).outputs)
        }
        guard let averaged = plugin.average(perModel) else {
            throw TrainingError("the \(plugin.descriptor.id) task cannot combine several models (its plugin does not implement average); use a single model without --ensemble")
        }
        guard averaged.count == examples.count else {
            throw TrainingError("the \(plugin.descriptor.id) plugin averaged \(averaged.count) output(s) for \(examples.count) example(s)")
        }
        return (averaged, info!)
    }

    /// Evaluates the ensemble on a split of the project's data and writes `output/eval.json`
    /// (with `"checkpoint": "ensemble"` and the members listed).
    /// - Parameter split: `test` (default), `validation` or `train`.
    public func evaluate(ensemble: Ensemble, split: String = "test") throws -> TaskEvaluation {
        let data = try prepareData()
        guard let indices = data.splits.indices(named: split) else {
            throw TrainingError("no split named \"\(split)\"; use train, validation or test")
        }
        guard !indices.isEmpty else { throw TrainingError("the \(split) split is empty; raise data.test_fraction or add data") }
        let examples = indices.map { data.examples[$0] }
        let (outputs, info) = try ensembleOutputs(ensemble, examples: examples)
        let evaluation = try plugin.evaluate(outputs: outputs, examples: examples, info: info, context: context)
        var document: [(key: String, value: JSONValue)] = [
            ("task", .string(plugin.descriptor.id)), ("split", .string(split)), ("examples", .integer(indices.count)),
            ("checkpoint", .string("ensemble")),
            ("ensemble", .array(ensemble.members.map { .string($0.path) })),
            ("metrics", .object(JSONObject(members: evaluation.metrics.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.double($0.value)) }))),
        ]
        for (key, value) in evaluation.details.sorted(by: { $0.key < $1.key }) { document.append((key, value)) }
        try FileManager.default.createDirectory(at: files.folder, withIntermediateDirectories: true)
        try AtomicFile.write(Data(JSONValue.object(JSONObject(members: document)).serialized(pretty: true).utf8), to: files.evaluation)
        return evaluation
    }

    /// Predicts answers for `inputs` with the ensemble's combined outputs.
    public func predict(_ inputs: [String], ensemble: Ensemble) throws -> [TaskPrediction] {
        let examples = try plugin.predictionExamples(from: inputs, context: context)
        guard examples.count == inputs.count else {
            throw TrainingError("the task made \(examples.count) example(s) from \(inputs.count) input(s)")
        }
        let (outputs, info) = try ensembleOutputs(ensemble, examples: examples)
        return zip(outputs, inputs).map { plugin.prediction(for: $0, input: $1, info: info) }
    }
}
