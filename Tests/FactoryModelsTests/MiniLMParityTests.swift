// MiniLM parity: our BERT encoder with the real minilm-l6 weights (installed through the
// model store) must give what PyTorch gives on the shared fixture minilm.safetensors —
// last_hidden_state, the normalised masked-mean sentence embedding, a 3-class head's logits
// and loss on [CLS], and four gradients through the whole encoder by our autodiff.
// Tolerances are the fixture README's: outputs 1e-4 absolute, logits 1e-3 relative,
// gradients 1e-3 relative to the gradient's max-abs value.

import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite("MiniLM parity with PyTorch", .serialized)
struct MiniLMParityTests {
    static let fixture = "minilm.safetensors"

    /// The real model in evaluation mode and the fixture's padded batch of four sentences.
    static func modelAndInput() throws -> (BertModel, BertInput, ParityFixture) {
        let model = try BertModel.load(folder: InstalledBackbones.folder("minilm-l6"))
        model.train(false)
        let fixture = try ParityFixture(fixture)
        let shape = try fixture.file.info(for: "input_ids").shape
        let input = BertInput(
            ids: try fixture.integers("input_ids"), typeIDs: try fixture.integers("token_type_ids"),
            attentionMask: try fixture.integers("attention_mask"), batchSize: shape[0], sequenceLength: shape[1])
        return (model, input, fixture)
    }

    @Test func lastHiddenStateAndSentenceEmbedding() throws {
        let (model, input, fixture) = try Self.modelAndInput()
        #expect(!input.hasNoPadding, "the fixture batch is padded, so the mask path is exercised")
        let hidden = withoutGradients { model(input) }
        let hiddenError = try fixture.maximumAbsoluteError(hidden, "last_hidden_state")
        #expect(hiddenError <= 1e-4, "last_hidden_state: max abs error \(hiddenError)")

        let embedding = withoutGradients {
            SentencePooling.l2Normalized(SentencePooling.maskedMean(hidden, attentionMask: input.maskTensor))
        }
        let embeddingError = try fixture.maximumAbsoluteError(embedding, "sentence_embedding")
        #expect(embeddingError <= 1e-4, "sentence_embedding: max abs error \(embeddingError)")
    }

    @Test func headLogitsLossAndGradientsThroughTheEncoder() throws {
        let (model, input, fixture) = try Self.modelAndInput()
        let head = Linear(inputFeatures: 384, outputFeatures: 3)
        try head.load(stateDictionary: ["weight": fixture.tensor("head.weight"), "bias": fixture.tensor("head.bias")])

        let logits = head(SentencePooling.firstToken(model(input)))
        let loss = Tensor.crossEntropy(logits: logits, targets: try fixture.integers("labels"))
        loss.backward()

        let logitsError = try fixture.maximumRelativeError(logits, "logits")
        #expect(logitsError <= 1e-3, "logits: max error relative to max |logit| \(logitsError)")
        let lossError = abs(loss.item - (try fixture.tensor("loss").scalars[0]))
        #expect(lossError <= 1e-4, "loss: abs error \(lossError)")

        let parameters = model.stateDictionary()
        let gradients: [(name: String, gradient: Tensor?)] = [
            ("head.weight", head.weight.gradient),
            ("encoder.layer.5.output.dense.weight", parameters["encoder.layer.5.output.dense.weight"]?.gradient),
            ("encoder.layer.0.attention.self.query.weight", parameters["encoder.layer.0.attention.self.query.weight"]?.gradient),
            ("embeddings.LayerNorm.weight", parameters["embeddings.LayerNorm.weight"]?.gradient),
        ]
        for (name, gradient) in gradients {
            let ours = try #require(gradient, "\(name) has a gradient after backward")
            let error = try fixture.maximumRelativeError(ours, "grad.\(name)")
            #expect(error <= 1e-3, "grad.\(name): max error relative to max |grad| \(error)")
        }
    }
}
