// EfficientNet-Lite0 workloads of BENCHMARKS.md: fine-tuning (train mode, batch
// statistics, AdamW on every parameter), training only a new head on a frozen backbone in
// inference mode, and inference; batch 16 of 3x224x224, a new 10-class linear head on
// globally pooled features. Real ImageNet weights, installed through the model store on
// first use (progress on stderr). Random seeded images and labels.

import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation

enum EfficientNetWorkloads {
    static let batch = 16
    static let resolution = 224
    static let classCount = 10

    /// The pretrained Lite0, installed into the user's model cache if it is not there yet.
    static func pretrainedLite0() throws -> EfficientNetLite {
        let store = try ModelStore.standard()
        try store.install("efficientnet-lite0") { message in
            FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
        }
        return try EfficientNetLite.pretrained("efficientnet-lite0", store: store)
    }

    /// Seeded images [16, 3, 224, 224] in roughly the normalised ImageNet range, and labels.
    static func batchOfImages() -> (images: Tensor, labels: [Int]) {
        var generator = SeededGenerator(seed: 21)
        let images = Tensor.normal([batch, 3, resolution, resolution], using: &generator)
        let labels = (0..<batch).map { _ in Int(generator.next() % UInt64(classCount)) }
        return (images, labels)
    }

    static let train = BenchmarkWorkload(
        name: "effnet-train-b16-224",
        summary: "EfficientNet-Lite0 + new 10-class head, batch 16, 224x224, train mode (batch statistics), cross-entropy, backward, AdamW on all parameters"
    ) {
        let model = try pretrainedLite0()
        let head = Linear(inputFeatures: model.featureChannels, outputFeatures: classCount, seed: 22)
        let (images, labels) = batchOfImages()
        model.train()
        let optimizer = AdamW(parameters: (model.parameters() + head.parameters()).map(\.tensor), learningRate: 1e-4)
        return PreparedWorkload(samplesPerRound: Double(batch)) {
            optimizer.zeroGradients()
            let loss = Tensor.crossEntropy(logits: head(model.pooledFeatures(images)), targets: labels)
            loss.backward()
            optimizer.step()
        }
    }

    static let frozen = BenchmarkWorkload(
        name: "effnet-frozen-b16-224",
        summary: "EfficientNet-Lite0 frozen in inference mode, only a new 10-class head trains (forward + head step), batch 16, 224x224"
    ) {
        let model = try pretrainedLite0()
        let head = Linear(inputFeatures: model.featureChannels, outputFeatures: classCount, seed: 22)
        let (images, labels) = batchOfImages()
        model.freeze()
        model.eval()
        let optimizer = AdamW(parameters: head.parameters().map(\.tensor), learningRate: 1e-4)
        return PreparedWorkload(samplesPerRound: Double(batch)) {
            optimizer.zeroGradients()
            let features = withoutGradients { model.pooledFeatures(images) }
            let loss = Tensor.crossEntropy(logits: head(features), targets: labels)
            loss.backward()
            optimizer.step()
        }
    }

    static let infer = BenchmarkWorkload(
        name: "effnet-infer-b16-224",
        summary: "EfficientNet-Lite0 features + 10-class head, inference mode, batch 16, 224x224"
    ) {
        let model = try pretrainedLite0()
        let head = Linear(inputFeatures: model.featureChannels, outputFeatures: classCount, seed: 22)
        let (images, _) = batchOfImages()
        model.eval()
        return PreparedWorkload(samplesPerRound: Double(batch)) {
            _ = withoutGradients { head(model.pooledFeatures(images)) }
        }
    }
}
