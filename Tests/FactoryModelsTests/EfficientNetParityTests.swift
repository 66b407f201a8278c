// EfficientNet-Lite0 parity with PyTorch: the real ImageNet weights (installed through the
// model store) on the fixture image must give PyTorch's head features, logits and top-5,
// the loss of a new 5-class head on pooled features and the gradients of four parameters
// (../shared/fixtures/parity/efficientnet_lite0.safetensors, eval mode). And the same
// image read through our own PNG decoder and normalised by us gives the same top-5.

import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite("EfficientNet-Lite0 parity with PyTorch")
struct EfficientNetParityTests {
    static let fixtures = TokenizerParity.parityFixturesDirectory

    static func fixture() throws -> SafetensorsFile {
        try SafetensorsFile(contentsOf: fixtures.appendingPathComponent("efficientnet_lite0.safetensors"))
    }

    static func fixtureTop5() throws -> [Int] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("efficientnet_lite0.json")))
        return try #require((json as? [String: Any])?["top5_imagenet_indices"] as? [Int])
    }

    static func pretrainedModel() throws -> EfficientNetLite {
        let store = try InstalledBackbones.store(with: "efficientnet-lite0")
        return try EfficientNetLite.pretrained("efficientnet-lite0", store: store)
    }

    /// Indices of the five largest values of a [1, C] tensor, largest first.
    static func top5(_ logits: Tensor) -> [Int] {
        let values = logits.scalars
        return Array(values.indices.sorted { values[$0] > values[$1] }.prefix(5))
    }

    /// max |a - b| / max |b|.
    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
        let scale = expected.scalars.reduce(0) { Swift.max($0, Swift.abs($1)) }
        return TestData.maximumDifference(actual.scalars, expected.scalars) / scale
    }

    @Test func featuresLogitsAndTop5MatchPyTorch() throws {
        let file = try Self.fixture()
        let model = try Self.pretrainedModel()
        model.eval()
        let input = try file.tensor(named: "input")
        let (features, logits) = withoutGradients { (model.features(input), model(input)) }
        let expectedFeatures = try file.tensor(named: "features")
        #expect(features.shape == [1, 1280, 7, 7])
        // Forward outputs: within 1e-4 absolute (fixture README).
        let featureError = TestData.maximumDifference(features.scalars, expectedFeatures.scalars)
        #expect(featureError <= 1e-4, "features: max abs error \(featureError)")
        // Logits: within 1e-3 relative to their largest magnitude.
        let expectedLogits = try file.tensor(named: "logits")
        let logitError = Self.relativeError(logits, expectedLogits)
        #expect(logitError <= 1e-3, "logits: relative error \(logitError)")
        #expect(Self.top5(logits) == (try Self.fixtureTop5()))
        #expect(Self.top5(expectedLogits) == (try Self.fixtureTop5()))
    }

    @Test func newHeadLossAndGradientsMatchPyTorch() throws {
        let file = try Self.fixture()
        let model = try Self.pretrainedModel()
        model.eval()  // running batch-norm statistics, as the fixture
        let head = Linear(inputFeatures: 1280, outputFeatures: 5)
        try head.load(stateDictionary: ["weight": file.tensor(named: "head.weight"), "bias": file.tensor(named: "head.bias")])
        let logits = head(model.pooledFeatures(try file.tensor(named: "input")))
        let loss = Tensor.crossEntropy(logits: logits, targets: [3])
        let expectedLoss = try file.tensor(named: "loss").item
        // Loss: a forward output, within 1e-4 absolute.
        #expect(Swift.abs(loss.item - expectedLoss) <= 1e-4, "loss \(loss.item) vs PyTorch \(expectedLoss)")
        loss.backward()

        let parameters = Dictionary(uniqueKeysWithValues: model.parameters().map { ($0.key, $0.tensor) })
        let gradients: [(name: String, tensor: Tensor?)] = [
            ("head.weight", head.weight.gradient),
            ("_conv_head.weight", parameters["_conv_head.weight"]?.gradient),
            ("_blocks.15._depthwise_conv.weight", parameters["_blocks.15._depthwise_conv.weight"]?.gradient),
            ("_conv_stem.weight", parameters["_conv_stem.weight"]?.gradient),
        ]
        for (name, gradient) in gradients {
            let actual = try #require(gradient, "\(name) received no gradient")
            let expected = try file.tensor(named: "grad." + name)
            #expect(actual.shape == expected.shape, "\(name)")
            // Gradients: within 1e-3 relative to the gradient's max-abs value.
            let error = Self.relativeError(actual, expected)
            #expect(error <= 1e-3, "grad.\(name): relative error \(error)")
        }
    }

    @Test func ourPNGDecoderAndNormalisationGiveTheSameTop5() throws {
        let image = try ImageFile.read(Self.fixtures.appendingPathComponent("china_224.png"))
        #expect(image.shape == [3, 224, 224])
        let normalized = ImageTransforms.normalize(
            image, mean: EfficientNetLite.imageNetMean, standardDeviation: EfficientNetLite.imageNetStandardDeviation)
        let input = normalized.unsqueezed(axis: 0)
        // Decoding and normalising are exact up to Float32 rounding of (x - mean) / std.
        let inputError = TestData.maximumDifference(input.scalars, try Self.fixture().tensor(named: "input").scalars)
        #expect(inputError <= 1e-5, "input: max abs error \(inputError)")
        let model = try Self.pretrainedModel()
        model.eval()
        let logits = withoutGradients { model(input) }
        #expect(Self.top5(logits) == (try Self.fixtureTop5()))
    }
}
