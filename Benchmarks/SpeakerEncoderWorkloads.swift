// Speaker-encoder workloads of BENCHMARKS.md: the GE2E encoder (3-layer LSTM 40→256, Linear
// 256→256, ReLU, L2 norm) with resemblyzer's real weights, installed through the model
// store, on a batch of 32 random 160-frame, 40-mel inputs: one Adam training step on the
// sum of the 32×32 cosine-similarity matrix, and the same forward in inference mode.
// Progress (installing, loading) goes to stderr. Not here: the mel front end.

import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation

enum SpeakerEncoderWorkloads {
    static let batch = 32, frames = 160, melChannels = 40

    /// resemblyzer's encoder from the standard model store, installed on first use.
    static func pretrainedEncoder() throws -> GE2ESpeakerEncoder {
        _ = try BenchmarkBackbones.folder("ge2e")
        return try GE2ESpeakerEncoder.load(from: ModelStore.standard()).encoder
    }

    /// Mel-like input: non-negative powers, seeded.
    static func randomMels() -> Tensor {
        var generator = SeededGenerator(seed: 21)
        return Tensor.uniform([batch, frames, melChannels], in: 0...1, using: &generator)
    }

    static let train = BenchmarkWorkload(
        name: "ge2e-train-b32-f160",
        summary: "GE2E encoder (real weights), batch 32 x 160 frames x 40 mels: sum of the 32x32 cosine-similarity matrix, backward, Adam lr 1e-4"
    ) {
        let encoder = try pretrainedEncoder()
        encoder.train()
        let input = randomMels()
        let optimizer = Adam(parameters: encoder.trainableParameters().map(\.tensor), learningRate: 1e-4)
        return PreparedWorkload(samplesPerRound: Double(batch), round: {
            optimizer.zeroGradients()
            let embeddings = encoder(input)                                    // [32, 256], unit rows
            let loss = embeddings.matmul(embeddings.transposed()).sum()       // Σ of the cosine matrix
            loss.backward()
            optimizer.step()
        })
    }

    static let infer = BenchmarkWorkload(
        name: "ge2e-infer-b32-f160",
        summary: "GE2E encoder (real weights), batch 32 x 160 frames x 40 mels, inference forward"
    ) {
        let encoder = try pretrainedEncoder()
        encoder.eval()
        let input = randomMels()
        return PreparedWorkload(samplesPerRound: Double(batch), round: {
            _ = withoutGradients { encoder(input) }
        })
    }
}
