// Saving and restoring optimizer state: an AdamW restored from another's state dictionary
// takes exactly the same next step; bad saved state is refused naming the key.

import FactoryNN
import Testing
import TestSupport

@Suite struct OptimizerStateDictionaryTests {
    func model() -> Linear { Linear(inputFeatures: 3, outputFeatures: 2, seed: 4) }

    func step(_ layer: Linear, _ optimizer: some Optimizer, seed: UInt64) {
        optimizer.zeroGradients()
        (layer(TestData.uniform([5, 3], seed: seed)) * TestData.uniform([5, 2], seed: seed + 1)).sum().backward()
        optimizer.step()
    }

    @Test func restoredAdamWTakesTheSameStep() throws {
        let original = model(), copy = model()
        let first = AdamW(parameters: original.parameters().map(\.tensor), learningRate: 0.1)
        for seed in [1, 3, 5] as [UInt64] { step(original, first, seed: seed) }
        try copy.load(stateDictionary: original.stateDictionary())
        let saved = first.stateDictionary(parameters: original.parameters())
        #expect(saved.steps["weight"] == 3)
        #expect(saved.buffers.keys.sorted() == ["bias.firstMoment", "bias.secondMoment", "weight.firstMoment", "weight.secondMoment"])
        let second = AdamW(parameters: copy.parameters().map(\.tensor), learningRate: 0.1)
        try second.loadStateDictionary(buffers: saved.buffers, steps: saved.steps, parameters: copy.parameters())
        step(original, first, seed: 7)
        step(copy, second, seed: 7)
        #expect(original.weight.scalars == copy.weight.scalars)
        #expect(original.bias!.scalars == copy.bias!.scalars)
    }

    @Test func refusesStateThatDoesNotFit() {
        let layer = model()
        let optimizer = AdamW(parameters: layer.parameters().map(\.tensor), learningRate: 0.1)
        #expect(throws: ModuleLoadError.self) {
            try optimizer.loadStateDictionary(buffers: ["weight.firstMoment": Tensor.zeros([3, 3])], steps: ["weight": 1], parameters: layer.parameters())
        }
        #expect(throws: ModuleLoadError.self) {
            try optimizer.loadStateDictionary(buffers: [:], steps: ["missing": 1], parameters: layer.parameters())
        }
    }
}
