// Tests of frozen running statistics: a BatchNorm2d with frozen statistics in training
// mode normalises like evaluation mode (forward and gradients), never touches its buffers,
// and still trains weight and bias; `freezeRunningStatistics` reaches layers by key prefix,
// including a third-party layer that adopts RunningStatisticsLayer.

import FactoryNN
import TestSupport
import Testing

/// A layer outside FactoryNN that keeps running statistics (a stand-in for a plugin's own).
final class PluginNorm: Module, RunningStatisticsLayer {
    var runningStatisticsFrozen = false
}

final class TwoNorms: Module {
    let block = TinyConvBlock()
    let plugin = PluginNorm()
    override var children: [(key: String, module: Module)] { [("block", block), ("plugin", plugin)] }
}

@Suite struct RunningStatisticsTests {
    static func loadedNorm() throws -> BatchNorm2d {
        let norm = BatchNorm2d(channels: 3)
        try norm.load(stateDictionary: [
            "weight": Tensor([1.5, 0.5, -1]), "bias": Tensor([0.1, -0.1, 0.2]),
            "running_mean": Tensor([0.3, -0.2, 1]), "running_var": Tensor([1.2, 0.7, 2]), "num_batches_tracked": Tensor(scalar: 4),
        ])
        return norm
    }

    @Test func frozenStatisticsInTrainingModeMatchEvaluationMode() throws {
        let input = TestData.uniform([2, 3, 4, 5], seed: 1)
        let probe = TestData.uniform([2, 3, 4, 5], seed: 2)
        let reference = try Self.loadedNorm()
        reference.eval()
        let x1 = input.contiguousCopy(); x1.requiresGradient = true
        let expected = reference(x1)
        (expected * probe).sum().backward()

        let frozen = try Self.loadedNorm()
        frozen.runningStatisticsFrozen = true
        #expect(frozen.isTraining && !frozen.usesBatchStatistics)
        let x2 = input.contiguousCopy(); x2.requiresGradient = true
        let output = frozen(x2)
        (output * probe).sum().backward()
        // The same arithmetic on the same values: equal to the last bit.
        #expect(output.scalars == expected.scalars)
        #expect(x2.gradient?.scalars == x1.gradient?.scalars)
        #expect(frozen.weight.gradient?.scalars == reference.weight.gradient?.scalars)
        #expect(frozen.bias.gradient != nil)
        #expect(frozen.runningMean.scalars == [0.3, -0.2, 1] && frozen.runningVariance.scalars == [1.2, 0.7, 2])
        #expect(frozen.batchesTracked.item == 4)

        frozen.runningStatisticsFrozen = false
        _ = frozen(input)
        #expect(frozen.runningMean.scalars != [0.3, -0.2, 1])
        #expect(frozen.batchesTracked.item == 5)
    }

    @Test func freezingReachesEveryLayerUnderAPrefixIncludingThirdPartyOnes() throws {
        let model = TwoNorms()
        #expect(model.runningStatisticsLayers().map(\.key) == ["block.bn", "plugin"])
        #expect(try model.freezeRunningStatistics() == ["block.bn", "plugin"])
        #expect(model.block.bn.runningStatisticsFrozen && model.plugin.runningStatisticsFrozen)
        #expect(try model.freezeRunningStatistics(false, keyPrefix: "block") == ["block.bn"])
        #expect(!model.block.bn.runningStatisticsFrozen && model.plugin.runningStatisticsFrozen)
        // Parameters and training mode are left alone.
        #expect(model.isTraining && model.trainableParameters().count == model.parameters().count)
    }

    @Test func aPrefixThatNamesNoSuchLayerThrows() {
        let model = TwoNorms()
        let error = #expect(throws: ModuleKeyError.self) { try model.freezeRunningStatistics(keyPrefix: "block.conv") }
        guard case .noRunningStatisticsMatches(let prefix, let suggestions)? = error else {
            Issue.record("wrong case: \(String(describing: error))")
            return
        }
        #expect(prefix == "block.conv" && suggestions == ["block.bn"])
        #expect(error?.description.contains("block.conv") == true)
    }
}
