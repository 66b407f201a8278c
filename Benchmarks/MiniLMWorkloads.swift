// MiniLM workloads of BENCHMARKS.md: the real MiniLM-L6-H384 weights, batch 16 × 128 tokens
// (random ids, all-ones mask). `minilm-train-b16-s128` is one fine-tuning step (train mode
// with dropout 0.1, a new 2-class head on [CLS], cross-entropy, backward, AdamW lr 2e-5 on
// every parameter); `minilm-infer-b16-s128` is the same forward pass in inference mode.

import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation

enum MiniLMWorkloads {
    static let batchSize = 16
    static let sequenceLength = 128

    /// The real model, a 2-class head, and a seeded random batch with labels.
    static func prepare() throws -> (model: BertModel, head: Linear, input: BertInput, labels: [Int]) {
        let model = try BertModel.load(folder: BenchmarkBackbones.folder("minilm-l6"))
        var generator = SeededGenerator(seed: 17)
        let head = Linear(inputFeatures: model.configuration.hiddenSize, outputFeatures: 2, generator: &generator)
        let vocabulary = UInt64(model.configuration.vocabularySize)
        let ids = (0..<batchSize * sequenceLength).map { _ in Int(generator.next() % vocabulary) }
        let labels = (0..<batchSize).map { _ in Int(generator.next() % 2) }
        return (model, head, BertInput(ids: ids, batchSize: batchSize, sequenceLength: sequenceLength), labels)
    }

    static let train = BenchmarkWorkload(
        name: "minilm-train-b16-s128",
        summary: "MiniLM-L6 + 2-class head on [CLS], batch 16 x 128 tokens, dropout 0.1: forward, backward, AdamW step"
    ) {
        let (model, head, input, labels) = try prepare()
        model.train(true)
        let optimizer = AdamW(parameters: (model.parameters() + head.parameters()).map(\.tensor), learningRate: 2e-5)
        return PreparedWorkload(samplesPerRound: Double(batchSize), round: {
            optimizer.zeroGradients()
            let logits = head(SentencePooling.firstToken(model(input)))
            Tensor.crossEntropy(logits: logits, targets: labels).backward()
            optimizer.step()
        })
    }

    static let infer = BenchmarkWorkload(
        name: "minilm-infer-b16-s128",
        summary: "MiniLM-L6 + 2-class head on [CLS], batch 16 x 128 tokens, inference mode: forward only"
    ) {
        let (model, head, input, _) = try prepare()
        model.train(false)
        return PreparedWorkload(samplesPerRound: Double(batchSize), round: {
            withoutGradients { _ = head(SentencePooling.firstToken(model(input))).softmax(axis: -1) }
        })
    }
}
