// The sentiment plugin's token dropout (`augmentation.text.token_dropout`): a training batch
// (context.augmentation set) drops tokens, so the logits change, the same (seed, epoch,
// example) gives the same logits, and a batch without augmentation is untouched. Builds the
// real MiniLM model from the user's model cache (installed on first use).

import FactoryKit
import Foundation
import Sentiment
import Testing

@Suite struct SentimentAugmentationTests {
    @Test func tokenDropoutOnlyOnTrainingBatches() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-sentiment-augment-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plugin = SentimentPlugin()
        var registry = PluginRegistry()
        try registry.register(plugin)
        try ConfigWriter.write(schema: Project.schema(for: plugin), values: ["task": .string("sentiment"), "augmentation.text.token_dropout": .number(0.5)],
                               header: "test", to: folder.appendingPathComponent(Project.configFileName))
        let context = try Project.open(folder, registry: registry, modelStore: try ModelStore.standard()) { _ in }.context
        let model = try plugin.makeModel(context, info: TaskModelInfo(labelNames: ["negative", "positive"]))
        model.train(false)  // no dropout layers: only the augmentation can change the output
        let examples = [SentimentExample(text: "The soup was cold, the bread was stale and the waiter never came back.", label: 0, source: "t:1")]
        let plain = try plugin.forward(model, examples: examples, context: context).outputs
        let augmentation = BatchAugmentation(settings: AugmentationSettings(context.config), seed: 42, epoch: 0, exampleIndices: [7])
        let training = try plugin.forward(model, examples: examples, context: context.withAugmentation(augmentation)).outputs
        let again = try plugin.forward(model, examples: examples, context: context.withAugmentation(augmentation)).outputs
        #expect(training != plain, "half the tokens dropped changes the prediction")
        #expect(training == again, "same seed, epoch and example: same tokens dropped")
        #expect(try plugin.forward(model, examples: examples, context: context).outputs == plain, "no augmentation: unchanged")
    }
}
