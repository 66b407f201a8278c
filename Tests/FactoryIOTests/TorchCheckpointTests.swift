// TorchCheckpoint: the fixtures of Fixtures/torch (made by make_torch_fixtures.py, no torch
// needed) read in both layouts with the values the script put in: float32, float16, bfloat16
// and int64 storages, a transposed (non-contiguous) view, storage offsets, a strided view, a
// parameter, an OrderedDict, a nested `model_state`; hostile files are refused by name.

import FactoryIO
import FactoryTensor
import Foundation
import Testing

@Suite struct TorchCheckpointTests {
    static let basicNames = ["weight", "transposed", "offset_view", "strided", "half", "ids", "num_batches_tracked", "bf16", "param"]

    /// Checks the contents written by `basic_state_dict()` in the fixture script.
    static func expectBasicStateDict(_ checkpoint: TorchCheckpoint) throws {
        #expect(checkpoint.tensorNames == basicNames)
        #expect(try checkpoint.info(for: "weight") == TensorInfo(name: "weight", dtype: .float32, shape: [2, 3], byteCount: 24))
        #expect(try checkpoint.info(for: "half") == TensorInfo(name: "half", dtype: .float16, shape: [4], byteCount: 8))
        #expect(try checkpoint.info(for: "ids") == TensorInfo(name: "ids", dtype: .int64, shape: [4], byteCount: 32))
        #expect(try checkpoint.info(for: "num_batches_tracked").shape == [])
        #expect(try checkpoint.info(for: "bf16").dtype == .bfloat16)

        #expect(try checkpoint.tensor(named: "weight").scalars == [0, 0.5, 1, 1.5, 2, 2.5])
        let transposed = try checkpoint.tensor(named: "transposed")
        #expect(transposed.shape == [3, 2] && transposed.isContiguous)
        #expect(transposed.scalars == [0, 1.5, 0.5, 2, 1, 2.5])
        #expect(try checkpoint.tensor(named: "offset_view").scalars == [3, 3.5, 4, 4.5])
        #expect(try checkpoint.tensor(named: "strided").scalars == [0.5, 1.5, 3.5, 4.5])
        #expect(try checkpoint.tensor(named: "half").scalars == [1, -2, 0.5, 65504])
        #expect(try checkpoint.integers(named: "ids") == [1, -2, 3_000_000_000, 7])
        #expect(try checkpoint.integers(named: "num_batches_tracked") == [42])
        #expect(try checkpoint.tensor(named: "num_batches_tracked").item == 42)
        #expect(try checkpoint.tensor(named: "bf16").scalars == [1, -3.5])
        #expect(try checkpoint.tensor(named: "param").scalars == [4.5, 5, 5.5])
        #expect(Set(checkpoint.globals) == ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch.FloatStorage",
                                            "torch.HalfStorage", "torch.LongStorage", "torch.BFloat16Storage",
                                            "torch._utils._rebuild_parameter"])
    }

    @Test(arguments: [("legacy_basic.pt", TensorArchiveFormat.torchLegacy), ("zip_basic.pt", .torchZip)])
    func readsEveryDTypeAndViewInBothLayouts(file: String, format: TensorArchiveFormat) throws {
        let checkpoint = try TorchCheckpoint(contentsOf: TensorIOFixtures.torch(file))
        #expect(checkpoint.format == format)
        #expect(checkpoint.stateDictPath == [])
        try Self.expectBasicStateDict(checkpoint)
        #expect(throws: TensorArchiveError.notIntegerTensor(name: "weight", path: checkpoint.url.path, dtype: .float32)) {
            try checkpoint.integers(named: "weight")
        }
    }

    @Test func readsProtocol4ZipWithANestedStateDict() throws {
        let checkpoint = try TorchCheckpoint(contentsOf: TensorIOFixtures.torch("zip_protocol4.pt"))
        #expect(checkpoint.format == .torchZip)
        #expect(checkpoint.stateDictPath == ["state_dict"])
        #expect(checkpoint.topLevelKeys.map(\.key) == ["epoch", "state_dict"])
        #expect(checkpoint.topLevelKeys[0].summary == "int 3")
        try Self.expectBasicStateDict(checkpoint)
    }

    @Test func findsModelStateAndFollowsExplicitKeyPaths() throws {
        let url = TensorIOFixtures.torch("legacy_nested.pt")
        let checkpoint = try TorchCheckpoint(contentsOf: url)
        #expect(checkpoint.stateDictPath == ["model_state"])
        #expect(checkpoint.topLevelKeys.map(\.key) == ["step", "model_state", "optimizer_state"])
        #expect(checkpoint.tensorNames == ["linear.weight", "linear.bias"])
        #expect(try checkpoint.tensor(named: "linear.weight").scalars == [1, 2, 3, 4])
        #expect(try checkpoint.tensor(named: "linear.weight").shape == [2, 2])
        #expect(try checkpoint.tensor(named: "linear.bias").scalars == [0.25, -0.25])
        #expect(checkpoint.value(at: ["step"])?.intValue == 12)
        guard case let .float(learningRate)? = checkpoint.value(at: ["optimizer_state", "param_groups"])?.sequence?.first?.dictValue?["lr"] else {
            Issue.record("no learning rate"); return
        }
        #expect(learningRate == 0.001)

        // Integer dict keys are reached by their text.
        let optimizer = try TorchCheckpoint(contentsOf: url, stateDictPath: ["optimizer_state", "state", "0"])
        #expect(optimizer.tensorNames == ["exp_avg"])
        #expect(try optimizer.tensor(named: "exp_avg").scalars == [9, 8])
        #expect(throws: TorchCheckpointError.keyPathNotFound(path: url.path, keyPath: ["model"], available: ["step", "model_state", "optimizer_state"])) {
            _ = try TorchCheckpoint(contentsOf: url, stateDictPath: ["model"])
        }
        #expect(throws: TorchCheckpointError.self) { _ = try TorchCheckpoint(contentsOf: url, stateDictPath: ["step"]) }

        do {
            _ = try checkpoint.tensor(named: "linear.weights")
            Issue.record("expected an error")
        } catch let TensorArchiveError.unknownTensor(_, _, suggestions) {
            #expect(suggestions.first == "linear.weight")
        }
    }

    @Test func summaryHasEverythingInspectPrints() throws {
        let summary = try TensorArchives.summary(of: TensorIOFixtures.torch("legacy_nested.pt"))
        #expect(summary.format == .torchLegacy)
        #expect(summary.tensors == [TensorInfo(name: "linear.weight", dtype: .float32, shape: [2, 2], byteCount: 16),
                                    TensorInfo(name: "linear.bias", dtype: .float32, shape: [2], byteCount: 8)])
        #expect(summary.globals == ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch.FloatStorage"])
        #expect(summary.stateDictPath == ["model_state"])
        #expect(summary.topLevelKeys.map(\.description) == ["step: int 12", "model_state: dict (2 keys, 2 tensors)",
                                                            "optimizer_state: dict (2 keys)"])
        #expect(summary.totalBytes == 24)
    }

    @Test(arguments: [("legacy_os_system.pt", "os.system"), ("zip_builtins_eval.pt", "builtins.eval")])
    func hostileCheckpointsAreRefusedByName(file: String, global: String) throws {
        let url = TensorIOFixtures.torch(file)
        do {
            _ = try TensorArchives.open(url)
            Issue.record("\(file) was opened")
        } catch let error as PickleError {
            guard case let .disallowedGlobal(_, _, named, allNamed) = error else { Issue.record("\(error)"); return }
            #expect(named == global && allNamed == [global])
            #expect("\(error)".contains(global))
        }
        // `factory models inspect` can still list what the file names, without running it.
        #expect(try TorchCheckpoint.globals(in: url) == [global])
    }

    @Test func storagesThatDoNotHoldTheirTensorsAreErrors() throws {
        let url = TensorIOFixtures.torch("legacy_out_of_bounds.pt")
        let checkpoint = try TorchCheckpoint(contentsOf: url)
        #expect(try checkpoint.tensor(named: "fine").scalars == [1, 2, 3, 4])
        #expect(throws: TorchCheckpointError.self) { try checkpoint.tensor(named: "too_long") }

        let missing = try TorchCheckpoint(contentsOf: TensorIOFixtures.torch("zip_missing_storage.pt"))
        #expect(try missing.tensor(named: "weight").scalars == [0, 0.5, 1, 1.5, 2, 2.5])
        #expect(throws: TorchCheckpointError.missingStorage(path: missing.url.path, key: "1")) { try missing.tensor(named: "half") }
    }

    @Test func aCheckpointWithoutTensorsSaysWhatItHas() throws {
        // magic, protocol 1001, sys info, {'a': 1}, [] (no storages).
        var bytes: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
        bytes += [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        bytes += Array(Data(base64Encoded: "gAJ9cQAoWBAAAABwcm90b2NvbF92ZXJzaW9ucQFN6QNYDQAAAGxpdHRsZV9lbmRpYW5xAohYCgAAAHR5cGVfc2l6ZXNxA31xBChYBQAAAHNob3J0cQVLAlgDAAAAaW50cQZLBFgEAAAAbG9uZ3EHSwR1dS4=")!)
        bytes += [0x80, 0x02, 0x7D, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x4B, 0x01, 0x73, 0x2E]
        bytes += [0x80, 0x02, 0x5D, 0x71, 0x00, 0x2E]
        let folder = try TensorIOFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("empty.pt")
        try Data(bytes).write(to: url)
        #expect(throws: TorchCheckpointError.noStateDict(path: url.path, topLevelKeys: ["a"])) { _ = try TorchCheckpoint(contentsOf: url) }

        // The wrong magic number is not a checkpoint.
        var wrong = bytes
        wrong[4] ^= 0xFF
        try Data(wrong).write(to: url)
        #expect(throws: TorchCheckpointError.self) { _ = try TorchCheckpoint(contentsOf: url) }
    }
}
