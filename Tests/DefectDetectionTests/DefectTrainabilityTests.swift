// Which parameters the supervised defect-detection methods train: the head, the blocks above
// the ones PatchCore reads and the head convolution; never the stem and the lower blocks
// (the memory bank's features must not move) nor the ImageNet classifier that no method runs,
// whatever the freezing policy. Uses a randomly initialised EfficientNet-Lite0 (no download).

import DefectDetection
import FactoryKit
import Testing

@Suite("Defect detection trainability")
struct DefectTrainabilityTests {
    func model(method: DefectMethod) -> DefectDetectionModel {
        let backbone = EfficientNetLite(configuration: .lite(.lite0), seed: 3)
        let head = method.usesHead ? ClassificationHead(features: backbone.featureChannels, classes: 2, dropout: 0, seed: 1) : nil
        return DefectDetectionModel(backbone: backbone, head: head, method: method, extractor: PatchFeatureExtractor(backbone: backbone),
                                    imageSize: 64, smoothingSigma: 4, bankSize: 1)
    }

    @Test(arguments: [DefectMethod.supervised, .combined])
    func onlyTheUpperBlocksAndTheHeadTrain(method: DefectMethod) {
        let model = model(method: method)
        // Lite0's stages have 1, 2, 2, 3, 3, 4, 1 blocks; PatchCore reads stages 2 and 4, so
        // blocks 0-10 feed the bank and blocks 11-15 (stages 5 and 6) are the upper ones.
        let upper = ["backbone._blocks.11", "backbone._blocks.12", "backbone._blocks.13", "backbone._blocks.14",
                     "backbone._blocks.15", "backbone._conv_head", "backbone._bn1", "head"]
        func isUpper(_ key: String) -> Bool { upper.contains { key.hasPrefix($0 + ".") } }
        let policies: [(FreezingPolicy, epoch: Int)] = [(.none, 0), (.gradual, 100), (.firstBlocks(2), 0)]
        for (policy, epoch) in policies {
            let count = ParameterGrouping.applyFreezing(policy, to: model, epoch: epoch)
            let trainable = model.trainableParameters()
            #expect(!trainable.isEmpty && trainable.allSatisfy { isUpper($0.key) }, "\(policy): \(trainable.map(\.key).filter { !isUpper($0) })")
            #expect(count == trainable.reduce(0) { $0 + $1.tensor.count })
        }
        // With nothing frozen by the policy, every upper parameter trains.
        let count = ParameterGrouping.applyFreezing(.none, to: model, epoch: 0)
        let upperCount = model.parameters().filter { isUpper($0.key) }.reduce(0) { $0 + $1.tensor.count }
        #expect(count == upperCount)
        // The stem, block 0 and the 1000-class classifier are in the model (and its checkpoint) but not in any optimizer group.
        let grouped = ParameterGrouping.groups(for: model, learningRate: 1e-3, layerDecay: 0.8, weightDecay: 0.01).flatMap(\.parameters)
        for key in ["backbone._conv_stem.weight", "backbone._blocks.0._depthwise_conv.weight", "backbone._fc.weight"] {
            let tensor = model.parameters().first { $0.key == key }?.tensor
            #expect(tensor != nil, "\(key) is a parameter")
            #expect(!grouped.contains { $0 === tensor }, "\(key) is fixed")
        }
    }
}
