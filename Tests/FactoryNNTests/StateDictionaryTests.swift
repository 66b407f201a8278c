// Tests of state dictionaries: round trips, strict loads that report every missing,
// unexpected and mis-shaped key at once (and change nothing), and non-strict loads.

import FactoryNN
import TestSupport
import Testing

@Suite struct StateDictionaryTests {
    /// A deep copy of a state dictionary, so loading it does not alias the source tensors.
    private func copied(_ dictionary: [String: Tensor]) -> [String: Tensor] {
        dictionary.mapValues { Tensor($0.scalars, shape: $0.shape) }
    }

    private func snapshot(_ module: Module) -> [String: [Float]] {
        module.stateDictionary().mapValues(\.scalars)
    }

    @Test func roundTripCopiesIntoExistingTensors() throws {
        let source = TinyBert(layers: 2, seed: 1), target = TinyBert(layers: 2, seed: 2)
        let weight = target.encoder.layer[0].attention.selfAttention.query.weight
        #expect(snapshot(source) != snapshot(target))
        let skipped = try target.load(stateDictionary: copied(source.stateDictionary()))
        #expect(skipped.isEmpty)
        #expect(snapshot(source) == snapshot(target))
        #expect(target.encoder.layer[0].attention.selfAttention.query.weight === weight)   // same object, new values
        #expect(weight.requiresGradient)
    }

    @Test func roundTripIncludesBuffers() throws {
        let trained = TinyConvBlock()
        _ = trained.bn(trained.conv(TestData.uniform([2, 2, 3, 3], seed: 3)))
        let fresh = TinyConvBlock()
        try fresh.load(stateDictionary: copied(trained.stateDictionary()))
        #expect(fresh.bn.runningMean.scalars == trained.bn.runningMean.scalars)
        #expect(fresh.bn.runningVariance.scalars == trained.bn.runningVariance.scalars)
        #expect(fresh.bn.batchesTracked.item == 1)
    }

    @Test func strictLoadReportsEveryProblemAndLoadsNothing() {
        let source = TinyBert(layers: 2, seed: 1), target = TinyBert(layers: 2, seed: 2)
        var dictionary = copied(source.stateDictionary())
        dictionary["encoder.layer.1.output.dense.bias"] = nil
        dictionary["embeddings.LayerNorm.weight"] = nil
        dictionary["pooler.dense.weight"] = Tensor.zeros([4, 4])
        dictionary["cls.predictions.bias"] = Tensor.zeros([10])
        dictionary["encoder.layer.0.attention.self.query.weight"] = Tensor.zeros([4, 5])
        dictionary["embeddings.word_embeddings.weight"] = Tensor.zeros([12, 4])
        let before = snapshot(target)
        let thrown = #expect(throws: ModuleLoadError.self) {
            try target.load(stateDictionary: dictionary, strict: true)
        }
        if let error = thrown {
            #expect(error.missingKeys == ["embeddings.LayerNorm.weight", "encoder.layer.1.output.dense.bias"])
            #expect(error.unexpectedKeys == ["cls.predictions.bias", "pooler.dense.weight"])
            #expect(error.mismatchedShapes == [
                ShapeMismatch(key: "embeddings.word_embeddings.weight", expected: [10, 4], found: [12, 4]),
                ShapeMismatch(key: "encoder.layer.0.attention.self.query.weight", expected: [4, 4], found: [4, 5]),
            ])
            let message = error.description
            for key in error.missingKeys + error.unexpectedKeys + error.mismatchedShapes.map(\.key) {
                #expect(message.contains(key), "message names \(key)")
            }
            #expect(message.contains("TinyBert") && message.contains("nothing was loaded") && message.contains("strict: false"))
        }
        #expect(snapshot(target) == before)
    }

    @Test func nonStrictLoadSkipsMissingAndUnexpectedKeys() throws {
        let source = TinyBert(layers: 2, seed: 1), target = TinyBert(layers: 2, seed: 2)
        var dictionary = copied(source.stateDictionary())
        dictionary["encoder.layer.1.output.dense.bias"] = nil
        dictionary["pooler.dense.weight"] = Tensor.zeros([4, 4])
        let keptBias = target.encoder.layer[1].output.dense.bias!.scalars
        let skipped = try target.load(stateDictionary: dictionary, strict: false)
        #expect(skipped.missingKeys == ["encoder.layer.1.output.dense.bias"])
        #expect(skipped.unexpectedKeys == ["pooler.dense.weight"])
        #expect(target.encoder.layer[1].output.dense.bias!.scalars == keptBias)
        #expect(target.encoder.layer[1].output.dense.weight.scalars == source.encoder.layer[1].output.dense.weight.scalars)
    }

    @Test func nonStrictLoadStillRejectsWrongShapes() {
        let target = TinyBert(layers: 1, seed: 2)
        let before = snapshot(target)
        let error = #expect(throws: ModuleLoadError.self) {
            try target.load(stateDictionary: ["encoder.layer.0.output.dense.bias": Tensor.zeros([5]),
                                              "embeddings.LayerNorm.bias": Tensor.ones([4])], strict: false)
        }
        #expect(error?.mismatchedShapes.map(\.key) == ["encoder.layer.0.output.dense.bias"])
        #expect(error?.missingKeys == [] && error?.unexpectedKeys == [])
        #expect(snapshot(target) == before)
    }

    @Test func prefixedCheckpointKeysGetAHint() {
        let source = TinyBert(layers: 1, seed: 1), target = TinyBert(layers: 1, seed: 2)
        let prefixed = Dictionary(uniqueKeysWithValues: copied(source.stateDictionary()).map { ("bert." + $0.key, $0.value) })
        let error = #expect(throws: ModuleLoadError.self) { try target.load(stateDictionary: prefixed) }
        #expect(error?.description.contains("prefix \"bert.\"") == true)
    }
}
