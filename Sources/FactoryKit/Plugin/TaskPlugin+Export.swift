// ModelExportLayout: how a plugin wants its model written by `factory export` — names for
// the tensors (for example Hugging Face's `bert.*` and `classifier.*`), extra files (a
// config.json, the tokenizer) and whether the exported folder can stand in for the backbone,
// so the model loads without any installed backbone. The default layout keeps the model's
// own keys and adds nothing; the core always writes the weights and its manifest
// (factory-model.json), so every plugin can export. Not here: writing and reading exports
// (Export/ModelExport.swift).

import Foundation

/// How a plugin's model is laid out in an exported folder.
public struct ModelExportLayout: Sendable {
    /// The exported name of a model key, for the keys the plugin renames (the others keep
    /// their key). Names must be unique.
    public var tensorNames: [String: String]
    /// Extra files to write into the folder, by file name (`config.json`, `tokenizer.json`).
    public var files: [String: Data]
    /// Whether the folder (its config, weights and tokenizer) can serve as `model.backbone`
    /// itself, so loading the export needs no installed backbone.
    public var isBackboneFolder: Bool

    /// Creates a layout.
    /// - Parameters:
    ///   - tensorNames: exported names by model key (keys not listed keep their name).
    ///   - files: extra files by name.
    ///   - isBackboneFolder: whether the export can be its own `model.backbone`.
    public init(tensorNames: [String: String] = [:], files: [String: Data] = [:], isBackboneFolder: Bool = false) {
        self.tensorNames = tensorNames
        self.files = files
        self.isBackboneFolder = isBackboneFolder
    }
}

extension TaskPlugin {
    /// Default: the model's own keys, no extra files; loading needs the backbone installed.
    public func exportLayout(_ model: Model, info: TaskModelInfo, context: TaskContext) throws -> ModelExportLayout {
        ModelExportLayout()
    }
}
