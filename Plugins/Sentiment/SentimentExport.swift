// SentimentExport: the export layout of a sentiment model in Hugging Face's layout for a BERT
// sequence classifier, so other tools can load it: weights `bert.*` (the backbone's keys under
// `bert.`) and `classifier.weight` / `classifier.bias` (the head's Linear), a config.json that
// is the backbone's with `architectures: [BertForSequenceClassification]`, `id2label`,
// `label2id` and `num_labels`, and the backbone's tokenizer.json. The folder is also a valid
// `model.backbone` folder, so `factory predict --model DIR` needs no installed backbone.
// One difference remains and is written down in config.json: Hugging Face's
// BertForSequenceClassification feeds the head the pooler's output ([CLS] through a dense
// layer), while this model pools the token states itself (`factory_pooling`: mean or cls).
// Not here: writing the folder (the core's ModelExport).

import FactoryKit
import Foundation

enum SentimentExport {
    static func layout(_ model: SentimentModel, info: TaskModelInfo, context: TaskContext) throws -> ModelExportLayout {
        var names: [String: String] = [:]
        var hasAdapters = false
        for key in model.stateKeys() {
            if Module.isLoRAKey(key) { hasAdapters = true }
            if key.hasPrefix("backbone.") {
                names[key] = "bert." + key.dropFirst("backbone.".count)
            } else if key.hasPrefix("head.classifier.") {
                names[key] = "classifier." + key.dropFirst("head.classifier.".count)
            }
        }
        let backboneFolder = try context.backboneFolder(context.config.string("model.backbone"))
        let configURL = backboneFolder.appendingPathComponent("config.json")
        let parsed: JSONValue
        do { parsed = try JSONParser.parse([UInt8](Data(contentsOf: configURL))) } catch {
            throw SentimentDataError("\(configURL.path): cannot read the backbone's config.json (\(error)); reinstall the backbone")
        }
        guard let original = parsed.objectValue else {
            throw SentimentDataError("\(configURL.path): config.json is not a JSON object; reinstall the backbone")
        }
        let replaced: Set<String> = ["architectures", "id2label", "label2id", "num_labels", "problem_type", "factory_pooling"]
        var members = original.members.filter { !replaced.contains($0.key) }
        let labels = info.labelNames
        members += [
            ("architectures", .array([.string("BertForSequenceClassification")])),
            ("id2label", .object(JSONObject(members: labels.enumerated().map { (String($0.offset), JSONValue.string($0.element)) }))),
            ("label2id", .object(JSONObject(members: labels.enumerated().map { ($0.element, JSONValue.integer($0.offset)) }))),
            ("num_labels", .integer(labels.count)),
            ("problem_type", .string("single_label_classification")),
            ("factory_pooling", .string(model.pooling.rawValue)),
        ]
        let config = JSONValue.object(JSONObject(members: members)).serialized(pretty: true)
        let tokenizer = try Data(contentsOf: backboneFolder.appendingPathComponent("tokenizer.json"))
        // Unfused adapters (`…lora_A.weight`) are not part of a BERT checkpoint: such a folder
        // still loads through its manifest, but not as a plain backbone folder.
        return ModelExportLayout(tensorNames: names, files: ["config.json": Data(config.utf8), "tokenizer.json": tokenizer],
                                 isBackboneFolder: !hasAdapters)
    }
}
