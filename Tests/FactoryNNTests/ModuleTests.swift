// Tests of Module's key discovery, freezing (whole tree and by key prefix), train/eval
// propagation and buffers, on a miniature BERT with Hugging Face's names.

import FactoryNN
import TestSupport
import Testing

@Suite struct ModuleTests {
    @Test func parameterKeysAreBERTCheckpointNames() {
        let model = TinyBert(layers: 2)
        #expect(model.parameters().map(\.key) == TinyBert.checkpointKeys(layers: 2))
        #expect(model.stateKeys() == TinyBert.checkpointKeys(layers: 2))
        #expect(model.buffers().isEmpty)
    }

    @Test func parameterShapesFollowPyTorch() {
        let shapes = Dictionary(uniqueKeysWithValues: TinyBert(hidden: 4, layers: 1).parameters().map { ($0.key, $0.tensor.shape) })
        #expect(shapes["embeddings.word_embeddings.weight"] == [10, 4])
        #expect(shapes["encoder.layer.0.attention.self.query.weight"] == [4, 4])
        #expect(shapes["encoder.layer.0.intermediate.dense.weight"] == [8, 4])   // [out, in]
        #expect(shapes["encoder.layer.0.output.dense.weight"] == [4, 8])
        #expect(shapes["encoder.layer.0.output.LayerNorm.bias"] == [4])
    }

    @Test func namedModulesWalkDepthFirst() {
        let keys = TinyBert(layers: 1).namedModules().map(\.key)
        #expect(keys.first == "")
        #expect(keys.contains("encoder.layer.0.attention.self"))
        #expect(keys.contains("encoder.layer.0.attention.self.dropout"))   // modules without parameters too
        let layer = keys.firstIndex(of: "encoder.layer.0")!, query = keys.firstIndex(of: "encoder.layer.0.attention.self.query")!
        #expect(layer < query)
    }

    @Test func newParametersAreTrainable() {
        let model = TinyBert(layers: 1)
        #expect(model.trainableParameters().count == model.parameters().count)
        #expect(model.parameters().allSatisfy { $0.tensor.requiresGradient && $0.tensor.isLeaf })
    }

    @Test func freezeByPrefixMatchesWholeComponents() throws {
        let model = TinyBert(layers: 11)
        let total = model.parameters().count
        let frozen = try model.freeze(keyPrefix: "encoder.layer.1")
        #expect(frozen.count == 16)
        #expect(frozen.allSatisfy { $0.hasPrefix("encoder.layer.1.") })   // not encoder.layer.10
        let trainable = Set(model.trainableParameters().map(\.key))
        #expect(trainable.count == total - 16)
        #expect(trainable.contains("encoder.layer.10.output.dense.weight"))
        #expect(!trainable.contains("encoder.layer.1.output.dense.weight"))
        #expect(model.encoder.layer[1].output.dense.weight.requiresGradient == false)

        try model.freeze(keyPrefix: "embeddings")
        #expect(model.trainableParameters().count == total - 16 - 5)
        try model.unfreeze(keyPrefix: "encoder.layer.1.output.dense")
        #expect(model.trainableParameters().count == total - 16 - 5 + 2)
        // A full key is a prefix too.
        try model.freeze(keyPrefix: "encoder.layer.10.output.dense.bias")
        #expect(model.encoder.layer[10].output.dense.bias?.requiresGradient == false)
    }

    @Test func freezeAndUnfreezeWholeTree() {
        let model = TinyBert(layers: 2)
        model.freeze()
        #expect(model.trainableParameters().isEmpty)
        model.encoder.layer[1].unfreeze()
        #expect(model.trainableParameters().map(\.key) == model.parameters().map(\.key).filter { $0.hasPrefix("encoder.layer.1.") })
        model.unfreeze()
        #expect(model.trainableParameters().count == model.parameters().count)
    }

    @Test func frozenParametersReceiveNoGradient() {
        let linear = Linear(inputFeatures: 3, outputFeatures: 2, seed: 1)
        linear.freeze()
        let input = TestData.uniform([2, 3], seed: 2)
        input.requiresGradient = true
        linear(input).sum().backward()
        #expect(linear.weight.gradient == nil)
        #expect(linear.bias?.gradient == nil)
        #expect(input.gradient != nil)
    }

    @Test func unknownPrefixThrowsWithSuggestions() {
        let model = TinyBert(layers: 2)
        let error = #expect(throws: ModuleKeyError.self) { try model.freeze(keyPrefix: "encoder.layers.0") }
        if case .noParameterMatches(let prefix, let suggestions)? = error {
            #expect(prefix == "encoder.layers.0")
            #expect(suggestions.contains("encoder.layer.0"))
        }
        #expect(error?.description.contains("encoder.layers.0") == true)
        #expect(error?.description.contains("encoder.layer.0,") == true)
        #expect(model.trainableParameters().count == model.parameters().count)
    }

    @Test func trainAndEvalReachEveryModule() {
        let model = TinyBert(layers: 2)
        #expect(model.namedModules().allSatisfy { $0.module.isTraining })
        model.train(false)
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
        #expect(model.encoder.layer[1].attention.selfAttention.dropout.isTraining == false)
        model.train(true)
        #expect(model.namedModules().allSatisfy { $0.module.isTraining })
        model.encoder.eval()
        #expect(model.embeddings.isTraining && !model.encoder.layer[0].isTraining)
    }

    @Test func buffersAreListedApartFromParameters() {
        let block = TinyConvBlock()
        #expect(block.parameters().map(\.key) == ["conv.weight", "bn.weight", "bn.bias"])
        #expect(block.buffers().map(\.key) == ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"])
        #expect(Set(block.stateDictionary().keys) == Set(block.parameters().map(\.key) + block.buffers().map(\.key)))
        #expect(block.buffers().allSatisfy { !$0.tensor.requiresGradient })
        block.freeze()
        block.unfreeze()
        #expect(block.buffers().allSatisfy { !$0.tensor.requiresGradient })
    }

    @Test func tiedTensorsAreOneParameter() {
        final class Tied: Module {
            let embedding = Embedding(count: 5, dimensions: 3, seed: 1)
            override var ownParameters: [(key: String, tensor: Tensor)] { [("decoder_weight", embedding.weight)] }
            override var children: [(key: String, module: Module)] { [("embedding", embedding)] }
        }
        let tied = Tied()
        #expect(tied.parameters().map(\.key) == ["decoder_weight"])
        #expect(Set(tied.stateDictionary().keys) == ["decoder_weight", "embedding.weight"])
    }

    @Test func moduleListKeysArePositions() {
        let list = ModuleList([Linear(inputFeatures: 2, outputFeatures: 2, seed: 1), Linear(inputFeatures: 2, outputFeatures: 1, bias: false, seed: 2)])
        #expect(list.count == 2)
        #expect(list.parameters().map(\.key) == ["0.weight", "0.bias", "1.weight"])
        #expect(list[1].outputFeatures == 1)
    }
}
