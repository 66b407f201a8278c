// LoRA adapters: a fresh adapter leaves the layer's output bit-identical (B = 0); the adapted
// layer's gradients (input, A, B) match central finite differences; fusing gives a plain
// Linear with the same outputs (to 1e-5); targets are chosen by key pattern, the head and the
// adapters' own layers are never adapted, and a pattern that matches nothing is an error.

import FactoryNN
import Testing
import TestSupport

@Suite("LoRA")
struct LoRATests {
    /// A two-level tree with attention-style names, for target patterns.
    final class Block: Module {
        let query = Linear(inputFeatures: 6, outputFeatures: 6, seed: 1)
        let key = Linear(inputFeatures: 6, outputFeatures: 6, seed: 2)
        let value = Linear(inputFeatures: 6, outputFeatures: 6, seed: 3)
        override var children: [(key: String, module: Module)] { [("query", query), ("key", key), ("value", value)] }
    }
    final class Tree: Module {
        let layers = ModuleList([Block(), Block()])
        let head = Linear(inputFeatures: 6, outputFeatures: 2, seed: 4)
        override var children: [(key: String, module: Module)] { [("layer", layers), ("head", head)] }
    }

    /// Gives B non-zero values (a trained adapter), so every gradient path is exercised.
    func randomizeUp(_ layer: Linear, seed: UInt64) throws {
        let adapter = try #require(layer.adapter)
        try adapter.up.load(stateDictionary: ["weight": TestData.uniform(adapter.up.weight.shape, in: -0.5...0.5, seed: seed)])
    }

    @Test func aFreshAdapterChangesNothing() throws {
        let layer = Linear(inputFeatures: 5, outputFeatures: 4, seed: 7)
        let input = TestData.uniform([3, 5], seed: 8)
        let before = layer(input).scalars
        try layer.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4, dropout: 0, targets: ["*"], seed: 1))
        #expect(layer.adapter != nil)
        #expect(layer.adapter!.up.weight.scalars.allSatisfy { $0 == 0 }, "B starts at zero")
        #expect(layer.adapter!.down.weight.scalars.contains { $0 != 0 }, "A starts random")
        #expect(layer(input).scalars == before)
        #expect(layer.stateKeys() == ["weight", "bias", "lora_A.weight", "lora_B.weight"])
        #expect(layer.adapter!.down.weight.shape == [2, 5] && layer.adapter!.up.weight.shape == [4, 2])
    }

    @Test func adaptedGradientsMatchFiniteDifferences() throws {
        let layer = Linear(inputFeatures: 5, outputFeatures: 4, seed: 7)
        try layer.attachLoRA(LoRAConfiguration(rank: 3, alpha: 6, dropout: 0, targets: ["*"], seed: 2))
        try randomizeUp(layer, seed: 9)
        let adapter = try #require(layer.adapter)
        let input = TestData.uniform([3, 5], seed: 8)
        // A smooth function of the output, so second-order terms show up if the backward is wrong.
        let report = GradientCheck.run([input, adapter.down.weight, adapter.up.weight, layer.weight]) { _ in layer(input).tanh() }
        #expect(report.relativeError < 1e-3, "\(report)")
        // The update itself: y - base = (alpha / r) x Aᵀ Bᵀ, by hand.
        let a = adapter.down.weight.scalars, b = adapter.up.weight.scalars, x = input.scalars
        let withAdapter = withoutGradients { layer(input) }.scalars
        let base = withoutGradients { Tensor.linear(input, weight: layer.weight, bias: layer.bias) }.scalars
        for row in 0..<3 {
            for output in 0..<4 {
                var sum: Float = 0
                for k in 0..<3 {
                    var down: Float = 0
                    for i in 0..<5 { down += x[row * 5 + i] * a[k * 5 + i] }
                    sum += down * b[output * 3 + k]
                }
                #expect(abs(withAdapter[row * 4 + output] - base[row * 4 + output] - 2 * sum) < 1e-5)
            }
        }
    }

    @Test func fusingKeepsTheOutputsAndRemovesTheAdapter() throws {
        let tree = Tree()
        try tree.attachLoRA(LoRAConfiguration(rank: 2, alpha: 16, dropout: 0.1, targets: ["query", "value"], seed: 3))
        for (index, block) in tree.layers.modules.enumerated() {
            try randomizeUp(block.query, seed: 20 + UInt64(index))
            try randomizeUp(block.value, seed: 30 + UInt64(index))
        }
        tree.eval()
        let input = TestData.uniform([4, 6], seed: 5)
        let adapted = tree.layers.modules.map { $0.value($0.query(input)).scalars }
        let fused = tree.fuseLoRA()
        #expect(fused == ["layer.0.query", "layer.0.value", "layer.1.query", "layer.1.value"])
        #expect(tree.loraParameters().isEmpty)
        #expect(!tree.stateKeys().contains { $0.contains("lora") })
        let plain = tree.layers.modules.map { $0.value($0.query(input)).scalars }
        for (a, b) in zip(adapted, plain) { #expect(TestData.maximumDifference(a, b) < 1e-5) }
    }

    @Test func targetsArePatternsOverKeys() throws {
        let everything = Tree()
        let all = try everything.attachLoRA(LoRAConfiguration(rank: 2, targets: ["*"], seed: 1), excludingKeyPrefixes: ["head"])
        #expect(all == ["layer.0.query", "layer.0.key", "layer.0.value", "layer.1.query", "layer.1.key", "layer.1.value"],
                "every Linear but the excluded head, and never the adapters' own layers")
        let tree = Tree()
        let adapted = try tree.attachLoRA(LoRAConfiguration(rank: 2, targets: ["layer.*.value"], seed: 1), excludingKeyPrefixes: ["head"])
        #expect(adapted == ["layer.0.value", "layer.1.value"], "* matches one part")
        #expect(tree.loraParameters().map(\.key) == ["layer.0.value.lora_A.weight", "layer.0.value.lora_B.weight",
                                                     "layer.1.value.lora_A.weight", "layer.1.value.lora_B.weight"])
        #expect(throws: LoRAError.self) { try tree.attachLoRA(LoRAConfiguration(targets: ["value"])) }   // already adapted
        let other = Tree()
        let error = #expect(throws: LoRAError.self) { try other.attachLoRA(LoRAConfiguration(targets: ["attention.self.query"])) }
        #expect(error?.message.contains("matches no Linear layer") == true && error?.message.contains("layer.0.query") == true, "\(String(describing: error))")
        #expect(other.loraParameters().isEmpty, "a failed attach changes nothing")
    }

    @Test func adapterDropoutOnlyWhileTraining() throws {
        let layer = Linear(inputFeatures: 8, outputFeatures: 8, seed: 7)
        try layer.attachLoRA(LoRAConfiguration(rank: 4, alpha: 8, dropout: 0.5, targets: ["*"], seed: 2))
        try randomizeUp(layer, seed: 4)
        let input = TestData.uniform([2, 8], seed: 8)
        layer.eval()
        let first = layer(input).scalars
        #expect(layer(input).scalars == first, "inference is deterministic")
        layer.train(true)
        #expect(layer(input).scalars != first, "training drops adapter inputs")
    }
}
