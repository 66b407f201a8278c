// A plugin imports FactoryKit alone: the tensor, module, IO and backbone types must be
// visible through it.

import FactoryKit
import Testing

@Suite struct FactoryKitReExportTests {
    @Test func pluginSeesTheLibrariesThroughFactoryKit() {
        let layer = Linear(inputFeatures: 2, outputFeatures: 1, seed: 1)     // FactoryNN
        let output = layer(Tensor([1, 2], shape: [1, 2]))                    // FactoryTensor
        #expect(output.shape == [1, 1])
        #expect(BertConfiguration(vocabularySize: 4, hiddenSize: 2, layerCount: 1, headCount: 1, intermediateSize: 2).problems.isEmpty)  // FactoryModels
        #expect(JSONValue.null.typeName == "null")                            // FactoryIO
    }
}
