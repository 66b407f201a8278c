// MBConvBlock at inference: with running batch-norm statistics and no gradient recorded the
// block folds its norms and runs as one fused op; that must equal the layer-by-layer
// forward (which runs when gradients are recorded), for a block with and without the
// expansion, stride 1 with the skip and stride 2 without it; and in training mode (batch
// statistics) the block keeps running layer by layer.

import FactoryModels
import FactoryNN
import FactoryTensor
import Testing
import TestSupport

@Suite struct MBConvBlockFusionTests {
    /// Non-trivial affine parameters and running statistics for every norm of `block`.
    static func randomiseNorms(_ block: MBConvBlock, seed: UInt64) throws {
        var seed = seed
        for norm in [block.expandNorm, block.depthwiseNorm, block.projectNorm].compactMap({ $0 }) {
            let channels = norm.channels
            try norm.load(stateDictionary: [
                "weight": TestData.uniform([channels], in: 0.5...1.5, seed: seed),
                "bias": TestData.uniform([channels], seed: seed + 1),
                "running_mean": TestData.uniform([channels], in: -0.2...0.2, seed: seed + 2),
                "running_var": TestData.uniform([channels], in: 0.2...2, seed: seed + 3),
                "num_batches_tracked": Tensor(scalar: 10),
            ])
            seed += 4
        }
    }

    @Test(arguments: [(16, 16, 3, 1, 6), (16, 24, 5, 2, 6), (32, 16, 3, 1, 1)])
    func fusedInferenceEqualsTheLayers(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int, expandRatio: Int) throws {
        var generator = SeededGenerator(seed: 60)
        let block = MBConvBlock(
            inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize, stride: stride,
            expandRatio: expandRatio, batchNormMomentum: 0.01, batchNormEpsilon: 1e-3, generator: &generator)
        try Self.randomiseNorms(block, seed: 61)
        block.eval()
        let x = TestData.uniform([2, inputChannels, 20, 19], seed: 62)
        let layered = block(x)                        // parameters need gradients: layer by layer
        let fused = withoutGradients { block(x) }     // folded and fused
        #expect(fused.shape == layered.shape)
        #expect(layered.gradientFunction != nil && fused.gradientFunction == nil)
        // Folding scales the weights instead of the sums: Float32 rounding of values ~10.
        let difference = TestData.maximumDifference(fused.scalars, layered.scalars)
        #expect(difference < 1e-4, "max difference \(difference)")
    }

    @Test func trainingModeRunsLayerByLayerWithBatchStatistics() throws {
        var generator = SeededGenerator(seed: 63)
        let block = MBConvBlock(
            inputChannels: 8, outputChannels: 8, kernelSize: 3, stride: 1, expandRatio: 6,
            batchNormMomentum: 0.1, batchNormEpsilon: 1e-3, generator: &generator)
        block.train()
        let before = block.depthwiseNorm.runningMean.scalars
        _ = withoutGradients { block(TestData.uniform([2, 8, 6, 6], seed: 64)) }
        // Batch statistics were used (and folded running ones were not): the running mean moved.
        #expect(block.depthwiseNorm.runningMean.scalars != before)
    }
}
