// BERT-family encoder without the real weights: config.json parsing and its errors, loading
// any checkpoint in the Hugging Face layout (a `bert.` prefix, old gamma/beta names, task
// heads skipped), errors for weights that do not fit or cannot be read, padding invariance
// of the attention mask, masked-mean pooling by hand, and the tanh GELU by hand.

import FactoryIO
import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite("BERT encoder")
struct BertModelTests {
    static let tinyConfiguration = BertConfiguration(
        vocabularySize: 40, hiddenSize: 8, layerCount: 2, headCount: 2, intermediateSize: 16, maximumPositions: 12,
        typeVocabularySize: 2)

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-bert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func writeConfig(_ text: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("config.json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static let tinyConfigJSON = """
        {"vocab_size": 40, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
         "intermediate_size": 16, "max_position_embeddings": 12, "type_vocab_size": 2,
         "layer_norm_eps": 1e-12, "hidden_act": "gelu", "model_type": "bert"}
        """

    @Test func readsTheRealMiniLMConfiguration() throws {
        let configuration = try BertConfiguration.load(
            contentsOf: InstalledBackbones.folder("minilm-l6").appendingPathComponent("config.json"))
        #expect(configuration == BertConfiguration(
            vocabularySize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536,
            maximumPositions: 512, typeVocabularySize: 2, layerNormEpsilon: 1e-12, activation: .gelu,
            hiddenDropout: 0.1, attentionDropout: 0.1))
    }

    @Test func configurationErrorsNameTheFileAndEveryProblem() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try Self.writeConfig("""
            {"vocab_size": 40, "hidden_size": 10, "num_hidden_layers": 2.5, "num_attention_heads": 3,
             "hidden_act": "swish", "position_embedding_type": "relative_key"}
            """, in: folder)
        do {
            _ = try BertConfiguration.load(contentsOf: url)
            Issue.record("a bad config.json was accepted")
        } catch {
            let message = error.description
            #expect(message.contains(url.path))
            #expect(message.contains("num_hidden_layers is 2.5"))
            #expect(message.contains("intermediate_size is missing"))
            #expect(message.contains("hidden_act \"swish\" is not supported"))
            #expect(message.contains("position_embedding_type \"relative_key\""))
        }
        // Values that parse but cannot build a model.
        let divides = try Self.writeConfig("""
            {"vocab_size": 40, "hidden_size": 10, "num_hidden_layers": 2, "num_attention_heads": 3, "intermediate_size": 16}
            """, in: folder)
        #expect(throws: BertLoadError.badConfiguration(
            file: divides.path, problems: ["num_attention_heads 3 does not divide hidden_size 10"])) {
            try BertConfiguration.load(contentsOf: divides)
        }
        let notJSON = try Self.writeConfig("{\"vocab_size\": 40,", in: folder)
        #expect(throws: BertLoadError.self) { try BertConfiguration.load(contentsOf: notJSON) }
        #expect(throws: BertLoadError.missingFile(folder.appendingPathComponent("none.json").path,
                                                  what: "the model configuration (config.json)")) {
            try BertConfiguration.load(contentsOf: folder.appendingPathComponent("none.json"))
        }
    }

    @Test func checkpointNamesMapToEncoderKeys() {
        #expect(BertModel.encoderKey(forCheckpointName: "bert.encoder.layer.0.attention.output.LayerNorm.gamma")
                == "encoder.layer.0.attention.output.LayerNorm.weight")
        #expect(BertModel.encoderKey(forCheckpointName: "bert.embeddings.LayerNorm.beta") == "embeddings.LayerNorm.bias")
        #expect(BertModel.encoderKey(forCheckpointName: "pooler.dense.weight") == "pooler.dense.weight")
        #expect(BertModel.encoderKey(forCheckpointName: "embeddings.position_ids") == nil)
        #expect(BertModel.encoderKey(forCheckpointName: "classifier.weight") == nil)
        #expect(BertModel.encoderKey(forCheckpointName: "cls.predictions.bias") == nil)
    }

    /// A task checkpoint (`bert.` prefix, gamma/beta, a classifier) loads into the same model.
    @Test func loadsATaskCheckpointWithPrefixAndOldNames() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.writeConfig(Self.tinyConfigJSON, in: folder)
        let original = BertModel(configuration: Self.tinyConfiguration, includesPooler: true, seed: 5)
        var tensors: [(name: String, tensor: Tensor)] = original.stateDictionary().map { key, tensor in
            var name = "bert." + key
            if name.hasSuffix("LayerNorm.weight") { name = String(name.dropLast("weight".count)) + "gamma" }
            if name.hasSuffix("LayerNorm.bias") { name = String(name.dropLast("bias".count)) + "beta" }
            return (name, tensor)
        }
        tensors.append(("classifier.weight", Tensor.zeros([3, 8])))
        tensors.append(("bert.embeddings.position_ids", Tensor.zeros([1, 12])))
        try SafetensorsWriter.write(tensors, to: folder.appendingPathComponent("model.safetensors"))

        var report: BertLoadReport?
        let loaded = try BertModel.load(folder: folder) { report = $0 }
        #expect(report?.hasPooler == true)
        #expect(report?.skippedTensors.sorted() == ["bert.embeddings.position_ids", "classifier.weight"])
        original.train(false)
        loaded.train(false)
        let input = BertInput(ids: [2, 7, 9, 3, 2, 5, 0, 0], attentionMask: [1, 1, 1, 1, 1, 1, 0, 0], batchSize: 2, sequenceLength: 4)
        let difference = TestData.maximumDifference(loaded(input).scalars, original(input).scalars)
        #expect(difference == 0, "the loaded model computes exactly what the saved one did")
    }

    @Test func weightsThatDoNotFitNameEveryKey() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.writeConfig(Self.tinyConfigJSON, in: folder)
        var state = BertModel(configuration: Self.tinyConfiguration, includesPooler: false).stateDictionary()
        state["encoder.layer.1.output.dense.weight"] = Tensor.zeros([8, 15])
        state["encoder.layer.0.attention.self.key.bias"] = nil
        state["encoder.layer.2.output.dense.bias"] = Tensor.zeros([8])
        try SafetensorsWriter.write(state, to: folder.appendingPathComponent("model.safetensors"))
        do {
            _ = try BertModel.load(folder: folder)
            Issue.record("weights that do not fit were accepted")
        } catch {
            guard case .weightsDoNotFit(_, let loadError) = error else {
                Issue.record("expected weightsDoNotFit, got \(error)")
                return
            }
            #expect(loadError.missingKeys == ["encoder.layer.0.attention.self.key.bias"])
            #expect(loadError.unexpectedKeys == ["encoder.layer.2.output.dense.bias"])
            #expect(loadError.mismatchedShapes.map(\.key) == ["encoder.layer.1.output.dense.weight"])
            #expect(error.description.contains("model.safetensors"))
        }
    }

    @Test func truncatedOrMissingWeightsAreClearErrors() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.writeConfig(Self.tinyConfigJSON, in: folder)
        let weights = folder.appendingPathComponent("model.safetensors")
        #expect(throws: BertLoadError.missingFile(weights.path, what: "the model weights (model.safetensors)")) {
            try BertModel.load(folder: folder)
        }
        try SafetensorsWriter.write(BertModel(configuration: Self.tinyConfiguration).stateDictionary(), to: weights)
        let bytes = try Data(contentsOf: weights)
        try bytes.prefix(bytes.count - 100).write(to: weights)
        do {
            _ = try BertModel.load(folder: folder)
            Issue.record("a truncated weights file was accepted")
        } catch {
            guard case .unreadableWeights(let file, _) = error else {
                Issue.record("expected unreadableWeights, got \(error)")
                return
            }
            #expect(file == weights.path)
        }
    }

    /// Padding a sequence with masked tokens changes nothing at its real positions.
    @Test func paddingIsInvisibleToRealTokens() {
        let model = BertModel(configuration: Self.tinyConfiguration, seed: 9)
        model.train(false)
        let short = BertInput(ids: [2, 11, 17, 3], batchSize: 1, sequenceLength: 4)
        let padded = BertInput(ids: [2, 11, 17, 3, 0, 0, 0, 2, 11, 17, 3, 0], attentionMask: [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0],
                               batchSize: 2, sequenceLength: 6)
        let alone = model(short).scalars
        let batched = model(padded)
        let firstRow = batched.selecting(axis: 0, index: 0).sliced(axis: 0, 0..<4).contiguous().scalars
        // The second row's 5th token is real: the rows differ, so padding really is what is masked.
        let secondRow = batched.selecting(axis: 0, index: 1).sliced(axis: 0, 0..<4).contiguous().scalars
        // Tolerance: float32 sums over 4 vs 6 keys in a different order.
        #expect(TestData.maximumDifference(alone, firstRow) <= 1e-5)
        #expect(TestData.maximumDifference(alone, secondRow) > 1e-3)
    }

    /// Inference with whole sequences per thread (no gradients recorded, evaluation mode)
    /// equals the whole batch at once (the path taken while gradients are recorded), padded
    /// sequences included. With one core both calls take the same path.
    @Test(arguments: [4, 9])
    func inferenceWithSequencesPerThreadEqualsTheWholeBatch(batch: Int) {
        let model = BertModel(configuration: Self.tinyConfiguration, seed: 4)
        model.train(false)
        var generator = SeededGenerator(seed: 8)
        let ids = (0..<batch * 6).map { _ in Int(generator.next() % 40) }
        let mask = (0..<batch * 6).map { $0 % 6 >= 6 - $0 / 6 % 3 ? 0 : 1 }
        let input = BertInput(ids: ids, attentionMask: mask, batchSize: batch, sequenceLength: 6)
        let perThread = withoutGradients { model(input) }
        let whole = model(input)
        #expect(perThread.shape == [batch, 6, 8])
        // Tolerance: float32, the same sums blocked differently by BLAS for a part of the batch.
        #expect(TestData.maximumDifference(perThread.scalars, whole.scalars) <= 1e-5)
    }

    @Test func maskedMeanByHand() {
        // Two sequences of three tokens, C = 2; the second has one padded token.
        let hidden = Tensor([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 500, 600], shape: [2, 3, 2])
        let mask = Tensor([1, 1, 1, 1, 1, 0], shape: [2, 3])
        let pooled = SentencePooling.maskedMean(hidden, attentionMask: mask)
        #expect(pooled.scalars == [3, 4, 20, 30])
        #expect(SentencePooling.firstToken(hidden).scalars == [1, 2, 10, 20])
        let normalised = SentencePooling.l2Normalized(Tensor([3, 4, 0, 0], shape: [2, 2]))
        #expect(normalised.scalars == [0.6, 0.8, 0, 0])
    }

    @Test func tanhGELUByHand() throws {
        var configuration = Self.tinyConfiguration
        configuration.activation = .geluTanh
        let model = BertModel(configuration: configuration, seed: 3)
        let dense = model.layers[0].intermediate.dense
        // Make dense the identity on the first 8 outputs (and zero elsewhere) to read the activation.
        let identity = Tensor((0..<16 * 8).map { $0 / 8 == $0 % 8 ? Float(1) : 0 }, shape: [16, 8])
        try dense.load(stateDictionary: ["weight": identity, "bias": Tensor.zeros([16])])
        let x: [Float] = [-3, -1, -0.5, 0, 0.5, 1, 2, 4]
        let out = withoutGradients { model.layers[0].intermediate(Tensor(x, shape: [1, 8])) }.scalars
        for (index, value) in x.enumerated() {
            let v = Double(value)
            let expected = 0.5 * v * (1 + Foundation.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
            #expect(abs(Double(out[index]) - expected) <= 1e-6, "gelu_new(\(value)) = \(out[index]), expected \(expected)")
        }
    }
}
