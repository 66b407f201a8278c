// The three real checkpoints, installed through the model store, read by FactoryIO: every
// tensor name and shape is what the PyTorch models have (../shared/fixtures/parity lists
// the names; MiniLM's config.json gives its shapes), and every tensor loads as finite floats.

import FactoryModels
import Foundation
import Testing
import TestSupport

@Suite struct RealCheckpointTests {
    static let parity = TokenizerParity.parityFixturesDirectory

    static func json(_ name: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: parity.appendingPathComponent(name))) as? [String: Any])
    }

    /// Shapes of the gradient tensors in a parity file: a gradient has its parameter's shape.
    static func gradientShapes(_ file: String) throws -> [String: [Int]] {
        let archive = try SafetensorsFile(contentsOf: parity.appendingPathComponent(file))
        var shapes: [String: [Int]] = [:]
        for name in archive.tensorNames where name.hasPrefix("grad.") && !name.hasPrefix("grad.head.") {
            shapes[String(name.dropFirst("grad.".count))] = try archive.info(for: name).shape
        }
        return shapes
    }

    static func expectAllFinite(_ archive: any TensorArchive) throws {
        for name in archive.tensorNames where try archive.info(for: name).dtype.isFloatingPoint {
            let values = try archive.tensor(named: name).scalars
            let allFinite = values.allSatisfy { $0.isFinite }
            #expect(allFinite, "\(name) has non-finite values")
        }
    }

    @Test func efficientNetLite0() throws {
        let store = try InstalledBackbones.store(with: "efficientnet-lite0")
        let checkpoint = try TorchCheckpoint(contentsOf: store.resolve("efficientnet-lite0").weightsFile)
        #expect(checkpoint.format == .torchLegacy)
        #expect(checkpoint.stateDictPath.isEmpty)
        let parameterNames = try #require(try Self.json("efficientnet_lite0.json")["param_names"] as? [String])
        // Parameters in the checkpoint's order; the rest are batch-norm buffers only.
        let names = checkpoint.tensorNames
        #expect(names.filter { Set(parameterNames).contains($0) } == parameterNames)
        let buffers = names.filter { !Set(parameterNames).contains($0) }
        #expect(buffers.allSatisfy { $0.hasSuffix(".running_mean") || $0.hasSuffix(".running_var") || $0.hasSuffix(".num_batches_tracked") })
        #expect(names.count == 296 && parameterNames.count == 149)
        for (name, shape) in try Self.gradientShapes("efficientnet_lite0.safetensors") {
            #expect(try checkpoint.info(for: name).shape == shape, "\(name)")
        }
        #expect(try checkpoint.info(for: "_fc.weight").shape == [1000, 1280])
        try Self.expectAllFinite(checkpoint)
    }

    @Test func ge2eSpeakerEncoder() throws {
        let store = try InstalledBackbones.store(with: "ge2e")
        let checkpoint = try TorchCheckpoint(contentsOf: store.resolve("ge2e").weightsFile)
        let description = try Self.json("ge2e.json")
        #expect(checkpoint.topLevelKeys.map(\.key) == description["checkpoint_keys"] as? [String])
        #expect(checkpoint.stateDictPath == ["model_state"])
        #expect(checkpoint.tensorNames == description["state_keys"] as? [String])
        for (name, shape) in try Self.gradientShapes("ge2e.safetensors") {
            #expect(try checkpoint.info(for: name).shape == shape, "\(name)")
        }
        for layer in 0..<3 {
            #expect(try checkpoint.info(for: "lstm.weight_ih_l\(layer)").shape == [1024, layer == 0 ? 40 : 256])
            #expect(try checkpoint.info(for: "lstm.bias_hh_l\(layer)").shape == [1024])
        }
        try Self.expectAllFinite(checkpoint)
    }

    @Test func miniLMMatchesItsConfig() throws {
        let store = try InstalledBackbones.store(with: "minilm-l6")
        let folder = try store.path("minilm-l6")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any])
        let hidden = try #require(config["hidden_size"] as? Int), layers = try #require(config["num_hidden_layers"] as? Int)
        let intermediate = try #require(config["intermediate_size"] as? Int), vocabulary = try #require(config["vocab_size"] as? Int)
        let positions = try #require(config["max_position_embeddings"] as? Int), types = try #require(config["type_vocab_size"] as? Int)
        var expected: [String: [Int]] = [
            "embeddings.word_embeddings.weight": [vocabulary, hidden],
            "embeddings.position_embeddings.weight": [positions, hidden],
            "embeddings.token_type_embeddings.weight": [types, hidden],
            "embeddings.LayerNorm.weight": [hidden], "embeddings.LayerNorm.bias": [hidden],
            "embeddings.position_ids": [1, positions],
            "pooler.dense.weight": [hidden, hidden], "pooler.dense.bias": [hidden],
        ]
        for layer in 0..<layers {
            let prefix = "encoder.layer.\(layer)."
            for projection in ["query", "key", "value"] {
                expected[prefix + "attention.self.\(projection).weight"] = [hidden, hidden]
                expected[prefix + "attention.self.\(projection).bias"] = [hidden]
            }
            expected[prefix + "attention.output.dense.weight"] = [hidden, hidden]
            expected[prefix + "attention.output.dense.bias"] = [hidden]
            expected[prefix + "intermediate.dense.weight"] = [intermediate, hidden]
            expected[prefix + "intermediate.dense.bias"] = [intermediate]
            expected[prefix + "output.dense.weight"] = [hidden, intermediate]
            expected[prefix + "output.dense.bias"] = [hidden]
            for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
                expected[prefix + norm + ".weight"] = [hidden]
                expected[prefix + norm + ".bias"] = [hidden]
            }
        }
        let weights = try SafetensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        #expect(Set(weights.tensorNames) == Set(expected.keys))
        for (name, shape) in expected { #expect(try weights.info(for: name).shape == shape, "\(name)") }
        for (name, shape) in try Self.gradientShapes("minilm.safetensors") {
            #expect(try weights.info(for: name).shape == shape, "\(name)")
        }
        #expect(try weights.integers(named: "embeddings.position_ids") == Array(0..<positions))
        try Self.expectAllFinite(weights)
    }
}
