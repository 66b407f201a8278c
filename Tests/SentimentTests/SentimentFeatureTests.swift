// The sentiment plugin's optional parts on the real MiniLM backbone (installed through the
// standard model store): the cached-feature path — `headForward` on `features` — gives
// exactly what `forward` gives in inference mode, and the export layout is Hugging Face's
// (`bert.*`, `classifier.*`, config.json with the labels).

import FactoryKit
import Foundation
import Sentiment
import Testing

@Suite struct SentimentFeatureTests {
    @Test func headOnFeaturesEqualsTheFullForwardAndExportUsesHuggingFaceNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-sentiment-features-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plugin = SentimentPlugin()
        var registry = PluginRegistry()
        try registry.register(plugin)
        try ConfigWriter.write(schema: Project.schema(for: plugin), values: ["task": .string("sentiment")], header: "test",
                               to: folder.appendingPathComponent(Project.configFileName))
        let context = try Project.open(folder, registry: registry, modelStore: ModelStore.standard()) { _ in }.context
        let info = TaskModelInfo(labelNames: ["negative", "neutral", "positive"])
        let model = try plugin.makeModel(context, info: info)
        model.train(false)
        let examples = ["Loved it.", "It broke on the second day and nobody answered my emails.", "Arrived on Tuesday."]
            .enumerated().map { SentimentExample(text: $1, label: $0, source: "test") }
        let full = try withoutGradients { try plugin.forward(model, examples: examples, context: context) }
        let features = try #require(try withoutGradients { try plugin.features(model, examples: examples, context: context) })
        #expect(features.shape == [3, 384])
        let cached = try withoutGradients { try plugin.headForward(model, features: features, examples: examples, context: context) }
        #expect(cached.outputs == full.outputs, "the same arithmetic, bit for bit")
        #expect(cached.loss?.item == full.loss?.item)

        let layout = try plugin.exportLayout(model, info: info, context: context)
        #expect(layout.isBackboneFolder)
        #expect(layout.tensorNames["backbone.encoder.layer.0.attention.self.query.weight"] == "bert.encoder.layer.0.attention.self.query.weight")
        #expect(layout.tensorNames["head.classifier.weight"] == "classifier.weight")
        let config = try JSONParser.parse([UInt8](try #require(layout.files["config.json"])))
        #expect(config["id2label"]?["2"]?.stringValue == "positive")
        #expect(config["label2id"]?["neutral"]?.integerValue == 1)
        #expect(config["factory_pooling"]?.stringValue == "mean")
        #expect(layout.files["tokenizer.json"] != nil)
    }
}
