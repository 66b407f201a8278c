// EfficientNet-Lite without pretrained weights: the Lite0–Lite4 scalings (block counts,
// parameter counts against the published figures, output shapes of every feature API),
// the checkpoint key layout, frozen batch-norm statistics in training mode, and the typed
// errors of the loader on missing, unreadable and ill-fitting weight files.

import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite struct EfficientNetLiteTests {
    typealias Variant = EfficientNetLiteConfiguration.Variant

    /// Published parameter counts (TensorFlow's EfficientNet-Lite table, in millions, one
    /// decimal; Lite0's exact count is the catalog's 4,652,008) and block counts.
    static let published: [(variant: Variant, millions: Double, blocks: Int)] = [
        (.lite0, 4.7, 16), (.lite1, 5.4, 21), (.lite2, 6.1, 21), (.lite3, 8.2, 24), (.lite4, 13.0, 30),
    ]

    static func parameterCount(_ model: Module) -> Int {
        model.parameters().reduce(0) { $0 + $1.tensor.count }
    }

    @Test(arguments: published.map(\.variant))
    func variantsHaveThePublishedSize(_ variant: Variant) {
        let expected = Self.published.first { $0.variant == variant }!
        let model = EfficientNetLite(configuration: .lite(variant))
        #expect(model.blocks.count == expected.blocks)
        let millions = Double(Self.parameterCount(model)) / 1e6
        // The published figures are rounded to 0.1 M.
        #expect(Swift.abs(millions - expected.millions) <= 0.05, "\(variant): \(millions) M parameters")
        if variant == .lite0 { #expect(Self.parameterCount(model) == 4_652_008) }
        // Stem and head are not scaled in the Lite family.
        #expect(model.stemConvolution.weight.shape == [32, 3, 3, 3])
        #expect(model.headConvolution.outputChannels == 1280)
        #expect(model.stageBlockRanges.count == 7 && model.stageBlockRanges.last?.upperBound == model.blocks.count)
    }

    @Test(arguments: [Variant.lite1, .lite4])
    func scaledVariantsRunAtASmallResolution(_ variant: Variant) {
        let model = EfficientNetLite(configuration: .lite(variant, classCount: 7))
        model.eval()
        let images = TestData.uniform([2, 3, 64, 48], seed: 1)
        let (logits, features, stages) = withoutGradients { (model(images), model.features(images), model.stageOutputs(images)) }
        #expect(logits.shape == [2, 7])
        #expect(features.shape == [2, 1280, 2, 2])   // ceil(64 / 32), ceil(48 / 32)
        let configuration = EfficientNetLiteConfiguration.lite(variant)
        let strides = [2, 4, 8, 16, 16, 32, 32]
        #expect(stages.map(\.shape) == zip(configuration.stages, strides).map { stage, stride in
            [2, stage.outputChannels, (64 + stride - 1) / stride, (48 + stride - 1) / stride]
        })
        let allFinite = logits.scalars.allSatisfy { $0.isFinite }
        #expect(allFinite)
    }

    @Test func lite0KeysAreTheCheckpointParameterNames() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: TokenizerParity.parityFixturesDirectory
            .appendingPathComponent("efficientnet_lite0.json")))
        let names = try #require((json as? [String: Any])?["param_names"] as? [String])
        let model = EfficientNetLite(configuration: .lite(.lite0))
        #expect(model.parameters().map(\.key) == names)
        let buffers = model.buffers().map(\.key)
        #expect(buffers.count == 147 && buffers.contains("_blocks.15._bn1.running_var"))
    }

    @Test func stageChannelsOfLite0() {
        let stages = EfficientNetLiteConfiguration.lite(.lite0).stages
        #expect(stages.map(\.outputChannels) == [16, 24, 40, 80, 112, 192, 320])
        #expect(stages.map(\.repeats) == [1, 2, 2, 3, 3, 4, 1])
        let lite4 = EfficientNetLiteConfiguration.lite(.lite4)
        #expect(lite4.stages.map(\.outputChannels) == [24, 32, 56, 112, 160, 272, 448])
        #expect(lite4.stages.first?.inputChannels == 32)   // the fixed stem
        #expect(lite4.stages.first?.repeats == 1 && lite4.stages.last?.repeats == 1)
    }

    @Test func midLevelFeaturesAreBlockOutputs() {
        let model = EfficientNetLite(configuration: .lite(.lite0))
        model.eval()
        let images = TestData.uniform([1, 3, 32, 32], seed: 2)
        let (stem, sixBlocks, stages) = withoutGradients {
            (model.features(images, upToBlocks: 0), model.features(images, upToBlocks: 5), model.stageOutputs(images))
        }
        #expect(stem.shape == [1, 32, 16, 16])
        #expect(sixBlocks.shape == [1, 40, 4, 4])    // blocks 0..<5 end stage 3 (stride 8)
        #expect(sixBlocks.scalars == stages[2].scalars)
    }

    // MARK: Frozen batch-norm statistics

    static func runningStatistics(_ model: Module) -> [Float] {
        model.buffers().flatMap { $0.tensor.scalars }
    }

    @Test func frozenStatisticsStayUnchangedInTrainingMode() throws {
        let model = EfficientNetLite(configuration: .lite(.lite0))
        let images = TestData.uniform([2, 3, 32, 32], seed: 3)
        model.eval()
        let evaluation = withoutGradients { model.features(images) }
        model.train()
        let frozen = try model.freezeRunningStatistics()
        #expect(frozen.count == 49 && frozen.first == "_bn0" && frozen.contains("_blocks.3._bn2"))
        let before = Self.runningStatistics(model)
        let output = model.features(images)
        output.sum().backward()
        // Exactly unchanged: frozen layers never write their buffers.
        #expect(Self.runningStatistics(model) == before)
        // And they normalise with the running statistics, as in evaluation mode (where batch
        // norm is folded into the convolutions: equal up to Float32 rounding).
        let difference = TestData.maximumDifference(output.scalars, evaluation.scalars)
        #expect(difference <= 1e-5, "frozen training-mode features vs evaluation: \(difference)")
        // Weight and bias still train.
        #expect(model.stemNorm.weight.gradient != nil && model.blocks[3].projectNorm.bias.gradient != nil)

        try model.freezeRunningStatistics(false)
        _ = withoutGradients { model.features(images) }
        let after = Self.runningStatistics(model)
        #expect(after != before)
        #expect(model.stemNorm.batchesTracked.item == 1)
    }

    @Test func freezingStatisticsOfPartOfTheModel() throws {
        let model = EfficientNetLite(configuration: .lite(.lite0))
        let keys = try model.freezeRunningStatistics(keyPrefix: "_blocks.1")
        #expect(keys == ["_blocks.1._bn0", "_blocks.1._bn1", "_blocks.1._bn2"])
        #expect(model.blocks[1].depthwiseNorm.runningStatisticsFrozen && !model.blocks[10].depthwiseNorm.runningStatisticsFrozen)
        let error = #expect(throws: ModuleKeyError.self) { try model.freezeRunningStatistics(keyPrefix: "_block.1") }
        if case .noRunningStatisticsMatches(let prefix, _)? = error { #expect(prefix == "_block.1") } else { Issue.record("wrong case: \(String(describing: error))") }
    }

    // MARK: Loader errors

    @Test func missingWeightsFileIsNamed() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-efficientnet-lite0.pth")
        #expect(throws: EfficientNetLiteLoadError.weightsFileMissing(path: path.path)) {
            try EfficientNetLite.load(contentsOf: path, variant: .lite0)
        }
    }

    @Test func unreadableWeightsFileIsNamed() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("garbage-efficientnet-lite0-\(UUID().uuidString).pth")
        try Data("not a checkpoint at all".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: EfficientNetLiteLoadError.self) { try EfficientNetLite.load(contentsOf: url, variant: .lite0) }
        guard case .unreadableWeights(let path, let reason)? = error else { Issue.record("wrong case: \(String(describing: error))"); return }
        #expect(path == url.path && !reason.isEmpty)
    }

    @Test func weightsOfAnotherShapeNameEveryBadKey() throws {
        // A Lite0 state dictionary with one renamed key and one mis-shaped tensor, saved as safetensors.
        let model = EfficientNetLite(configuration: .lite(.lite0))
        var state = model.stateDictionary()
        state["_blocks.0._depthwise_conv.kernel"] = state.removeValue(forKey: "_blocks.0._depthwise_conv.weight")
        state["_blocks.4._bn1.running_mean"] = Tensor.zeros([7])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-lite0-\(UUID().uuidString).safetensors")
        try SafetensorsWriter.write(state, to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: EfficientNetLiteLoadError.self) { try EfficientNetLite.load(contentsOf: url, variant: .lite0) }
        guard case .weightsDoNotFit(_, let variant, let detail)? = error else { Issue.record("wrong case: \(String(describing: error))"); return }
        #expect(variant == "lite0")
        #expect(detail.missingKeys == ["_blocks.0._depthwise_conv.weight"])
        #expect(detail.unexpectedKeys == ["_blocks.0._depthwise_conv.kernel"])
        #expect(detail.mismatchedShapes == [ShapeMismatch(key: "_blocks.4._bn1.running_mean", expected: [240], found: [7])])
        #expect(error?.description.contains("_blocks.4._bn1.running_mean") == true)
    }

    @Test func lite0WeightsDoNotFitLite2() throws {
        let store = try InstalledBackbones.store(with: "efficientnet-lite0")
        let url = try store.resolve("efficientnet-lite0").weightsFile
        let error = #expect(throws: EfficientNetLiteLoadError.self) { try EfficientNetLite.load(contentsOf: url, variant: .lite2) }
        guard case .weightsDoNotFit(_, _, let detail)? = error else { Issue.record("wrong case: \(String(describing: error))"); return }
        #expect(!detail.missingKeys.isEmpty && !detail.mismatchedShapes.isEmpty)
    }

    @Test func aFileNameWithoutAVariantIsRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("weights-\(UUID().uuidString).pth")
        try Data("x".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: EfficientNetLiteLoadError.unknownVariant(model: url.path)) {
            try EfficientNetLite.pretrained(url.path, store: ModelStore.standard())
        }
    }
}
