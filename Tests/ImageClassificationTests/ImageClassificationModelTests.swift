// The image classification model: its block key prefixes cover the backbone in input-to-
// output order (so every freezing policy and layer-wise decay work), the ImageNet classifier
// is left out, batch norm keeps its running statistics by default, and a forward pass gives
// probabilities, a loss and top-k answers. Random weights (`model.pretrained: false`) and a
// small input, so no download and little time.

import FactoryKit
import Foundation
import ImageClassification
import Testing

@Suite struct ImageClassificationModelTests {
    /// A project with two tiny classes and a random-weights model at 32 x 32.
    func smallModel(_ settings: [String: ConfigValue] = [:]) throws
        -> (ImageProjectFixture, TaskContext, ImageClassificationModel, [ImageClassificationExample])
    {
        let project = try ImageProjectFixture()
        for index in 0..<3 {
            try project.writeImage("data/images/dark/\(index).png", ImageProjectFixture.flatImage(value: 0.1 + 0.05 * Float(index)))
            try project.writeImage("data/images/light/\(index).png", ImageProjectFixture.flatImage(value: 0.9 - 0.05 * Float(index)))
        }
        let context = try project.context(settings.merging(["model.pretrained": .boolean(false), "model.image_size": .integer(32)]) { $1 })
        let data = try project.plugin.loadData(context)
        let model = try project.plugin.makeModel(context, info: TaskModelInfo(labelNames: data.labelNames, trainingClassCounts: [3, 3]))
        return (project, context, model, data.examples)
    }

    @Test func blockPrefixesCoverTheBackboneInOrderWithoutTheImageNetClassifier() throws {
        let (project, _, model, _) = try smallModel()
        defer { project.remove() }
        let prefixes = model.backboneBlockKeyPrefixes
        #expect(prefixes.count == 18)
        #expect(prefixes.first == "backbone.stem" && prefixes.last == "backbone.top")
        #expect(Array(prefixes[1...16]) == (0..<16).map { "backbone._blocks.\($0)" })
        let keys = model.parameters().map(\.key)
        #expect(keys.contains("backbone.stem._conv_stem.weight") && keys.contains("backbone.top._bn1.bias"))
        #expect(!keys.contains { $0.contains("_fc") }, "the ImageNet classifier is not part of the model")
        for key in keys {
            let owners = (prefixes + model.headKeyPrefixes).filter { key.hasPrefix($0 + ".") }
            #expect(owners.count == 1, "\(key) lies under \(owners)")
        }
        // Blocks appear in the parameter order of the network (input side first).
        let firstIndex = prefixes.map { prefix in keys.firstIndex { $0.hasPrefix(prefix + ".") } ?? -1 }
        #expect(firstIndex == firstIndex.sorted() && !firstIndex.contains(-1))
    }

    @Test func everyFreezingPolicyAndLayerDecayReachTheBlocks() throws {
        let (project, _, model, _) = try smallModel()
        defer { project.remove() }
        let headCount = 1280 * 2 + 2
        #expect(ParameterGrouping.applyFreezing(.backbone, to: model, epoch: 0) == headCount)
        let all = model.parameters().reduce(0) { $0 + $1.tensor.count }
        #expect(ParameterGrouping.applyFreezing(.none, to: model, epoch: 0) == all)
        ParameterGrouping.applyFreezing(.firstBlocks(2), to: model, epoch: 0)
        let trainable = Set(model.trainableParameters().map(\.key))
        #expect(!trainable.contains("backbone.stem._conv_stem.weight") && !trainable.contains("backbone._blocks.0._depthwise_conv.weight"))
        #expect(trainable.contains("backbone._blocks.1._depthwise_conv.weight") && trainable.contains("backbone.top._conv_head.weight"))
        // Gradual: epoch 0 trains the head only, epoch 1 adds the top block.
        #expect(ParameterGrouping.applyFreezing(.gradual, to: model, epoch: 0) == headCount)
        ParameterGrouping.applyFreezing(.gradual, to: model, epoch: 1)
        #expect(Set(model.trainableParameters().map(\.key)).contains("backbone.top._conv_head.weight"))
        #expect(!Set(model.trainableParameters().map(\.key)).contains("backbone._blocks.15._project_conv.weight"))
        // Layer decay 0.5: the stem's rate is 0.5^17 of the top block's.
        let groups = ParameterGrouping.groups(for: model, learningRate: 1, layerDecay: 0.5, weightDecay: 0)
        let rates = groups.map(\.learningRate)
        #expect(rates.max() == 1)
        #expect(Swift.abs((rates.min() ?? 0) - Float(Foundation.pow(0.5, 17.0))) <= 1e-9)
    }

    @Test func batchNormKeepsItsRunningStatisticsUnlessTold() throws {
        for freeze in [true, false] {
            let (project, context, model, examples) = try smallModel(["model.freeze_batch_norm": .boolean(freeze)])
            defer { project.remove() }
            let before = model.backbone.network.stemNorm.runningMean.scalars
            model.train(true)
            _ = try project.plugin.forward(model, examples: examples, context: context)
            let after = model.backbone.network.stemNorm.runningMean.scalars
            #expect((before == after) == freeze, "freeze_batch_norm \(freeze)")
        }
    }

    @Test func forwardGivesProbabilitiesALossAndTopKAnswers() throws {
        let (project, context, model, examples) = try smallModel(["predict.top_k": .integer(2)])
        defer { project.remove() }
        model.train(false)
        let forward = try withoutGradients { try project.plugin.forward(model, examples: examples, context: context) }
        #expect(forward.outputs.count == 6)
        for output in forward.outputs {
            #expect(Swift.abs(output.probabilities.reduce(0, +) - 1) <= 1e-5)
            #expect(output.topK == 2)
        }
        let loss = try #require(forward.loss)
        #expect(loss.item.isFinite && loss.item > 0)
        let unlabelled = examples.map { ImageClassificationExample(file: $0.file, label: nil, source: $0.source) }
        #expect(try withoutGradients { try project.plugin.forward(model, examples: unlabelled, context: context) }.loss == nil)

        let answer = project.plugin.prediction(for: ImageClassificationOutput(probabilities: [0.1, 0.6, 0.3], topK: 2), input: "x.png",
                                               info: TaskModelInfo(labelNames: ["a", "b", "c"]))
        #expect(answer.summary == "b (0.60), c (0.30)")
        #expect(answer.fields["label"]?.stringValue == "b")
        #expect(answer.fields["probability"]?.doubleValue.map { Swift.abs($0 - 0.6) <= 1e-6 } == true)
        let ranked = try #require(answer.fields["top_k"]?.arrayValue)
        #expect(ranked.compactMap { $0.objectValue?["label"]?.stringValue } == ["b", "c"])
        let all = try #require(answer.fields["probabilities"]?.objectValue)
        #expect(all.count == 3)
    }
}
