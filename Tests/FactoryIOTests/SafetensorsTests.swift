// SafetensorsFile and SafetensorsWriter: the parity files read with the right names, dtypes,
// shapes and ids; every dtype converts; the writer round-trips atomically with an 8-byte
// aligned header; malformed headers give SafetensorsError naming the tensor.

import FactoryIO
import FactoryTensor
import Foundation
import Testing

/// Builds safetensors bytes from a header JSON string and a data area.
func makeSafetensors(header: String, data: [UInt8]) -> Data {
    var bytes = Data()
    var length = UInt64(header.utf8.count).littleEndian
    bytes.append(Data(bytes: &length, count: 8))
    bytes.append(Data(header.utf8))
    bytes.append(Data(data))
    return bytes
}

private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}

@Suite struct SafetensorsTests {
    @Test func parityMiniLMFileListsTensorsAndIds() throws {
        let file = try SafetensorsFile(contentsOf: TensorIOFixtures.parity("minilm.safetensors"))
        #expect(Set(file.tensorNames) == [
            "attention_mask", "input_ids", "labels", "token_type_ids", "grad.embeddings.LayerNorm.weight",
            "grad.encoder.layer.0.attention.self.query.weight", "grad.encoder.layer.5.output.dense.weight",
            "grad.head.weight", "head.bias", "head.weight", "last_hidden_state", "logits", "loss", "sentence_embedding",
        ])
        #expect(try file.info(for: "input_ids") == TensorInfo(name: "input_ids", dtype: .int64, shape: [4, 18], byteCount: 4 * 18 * 8))
        #expect(try file.info(for: "last_hidden_state") == TensorInfo(name: "last_hidden_state", dtype: .float32,
                                                                      shape: [4, 18, 384], byteCount: 4 * 18 * 384 * 4))
        let ids = try file.integers(named: "input_ids")
        #expect(ids.count == 72)
        for row in 0..<4 { #expect(ids[row * 18] == 101) }  // every sentence starts with [CLS]
        let mask = try file.integers(named: "attention_mask")
        #expect(mask.allSatisfy { $0 == 0 || $0 == 1 } && mask.contains(0) && mask.contains(1))
        #expect(try file.integers(named: "token_type_ids").allSatisfy { $0 == 0 })
        // Sentence embeddings are L2-normalised: a value check that the floats decode right.
        let embedding = try file.tensor(named: "sentence_embedding")
        #expect(embedding.shape == [4, 384])
        let values = embedding.scalars
        for row in 0..<4 {
            let norm = values[(row * 384)..<((row + 1) * 384)].reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
        // File order is data order: each tensor starts where the previous one ended.
        #expect(file.tensorNames.count == 14)
        #expect(file.metadata.isEmpty || file.metadata["format"] != nil)
    }

    @Test(arguments: ["minilm.safetensors", "efficientnet_lite0.safetensors", "ge2e.safetensors"])
    func everyParityTensorReads(name: String) throws {
        let url = TensorIOFixtures.parity(name)
        #expect(try TensorArchives.format(of: url) == .safetensors)
        let archive = try TensorArchives.open(url)
        try TensorIOFixtures.readEverything(archive)
        let summary = try TensorArchives.summary(of: url)
        #expect(summary.tensors.count == archive.tensorNames.count && summary.globals.isEmpty)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        #expect(summary.totalBytes <= size && summary.totalBytes > size * 9 / 10)
    }

    @Test func fileOrderFollowsDataOffsetsAndMetadataIsRead() throws {
        let header = #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"__metadata__":{"format":"pt","note":"x"}}"#
        let data = makeSafetensors(header: header, data: littleEndianBytes([Float(3).bitPattern, Float(1).bitPattern, Float(2).bitPattern]))
        let file = try SafetensorsFile(data: data, url: URL(fileURLWithPath: "/tmp/order.safetensors"))
        #expect(file.tensorNames == ["b", "a"])
        #expect(file.metadata == ["format": "pt", "note": "x"])
        #expect(try file.tensor(named: "a").scalars == [1, 2])
        #expect(try file.tensor(named: "b").scalars == [3])
    }

    @Test func everyDTypeConverts() throws {
        var data: [UInt8] = []
        var entries: [String] = []
        func add(_ name: String, _ dtype: String, _ shape: [Int], _ bytes: [UInt8]) {
            entries.append(#""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[\#(data.count),\#(data.count + bytes.count)]}"#)
            data += bytes
        }
        add("f16", "F16", [3], littleEndianBytes([Float16(1.5).bitPattern, Float16(-2).bitPattern, Float16(65504).bitPattern]))
        add("bf16", "BF16", [2], littleEndianBytes([UInt16(0x3F80), UInt16(0xC060)]))  // 1.0, -3.5
        add("f64", "F64", [2], littleEndianBytes([Double(0.1).bitPattern, Double(-1e10).bitPattern]))
        add("i64", "I64", [2], littleEndianBytes([Int64(-3), Int64(1) << 40]))
        add("i32", "I32", [2], littleEndianBytes([Int32(-5), Int32.max]))
        add("i16", "I16", [2], littleEndianBytes([Int16(-300), Int16(7)]))
        add("i8", "I8", [2], [0xFF, 0x05])
        add("u8", "U8", [2], [0xFF, 0x05])
        add("flags", "BOOL", [3], [1, 0, 1])
        add("scalar", "F32", [], littleEndianBytes([Float(7).bitPattern]))
        add("empty", "F32", [0, 3], [])
        let file = try SafetensorsFile(data: makeSafetensors(header: "{" + entries.joined(separator: ",") + "}", data: data),
                                       url: URL(fileURLWithPath: "/tmp/dtypes.safetensors"))
        #expect(try file.tensor(named: "f16").scalars == [1.5, -2, 65504])
        #expect(try file.tensor(named: "bf16").scalars == [1, -3.5])
        #expect(try file.tensor(named: "f64").scalars == [Float(0.1), -1e10])
        #expect(try file.integers(named: "i64") == [-3, 1 << 40])
        #expect(try file.integers(named: "i32") == [-5, Int(Int32.max)])
        #expect(try file.integers(named: "i16") == [-300, 7])
        #expect(try file.integers(named: "i8") == [-1, 5])
        #expect(try file.integers(named: "u8") == [255, 5])
        #expect(try file.integers(named: "flags") == [1, 0, 1])
        #expect(try file.tensor(named: "i16").scalars == [-300, 7])  // integers also convert to Float32
        #expect(try file.tensor(named: "scalar").shape == [] && file.tensor(named: "scalar").item == 7)
        #expect(try file.tensor(named: "empty").shape == [0, 3])
        #expect(try file.info(for: "f16").byteCount == 6)
        #expect(throws: TensorArchiveError.notIntegerTensor(name: "f64", path: "/tmp/dtypes.safetensors", dtype: .float64)) {
            try file.integers(named: "f64")
        }
    }

    @Test func unknownNameSuggestsCloseNames() throws {
        let file = try SafetensorsFile(contentsOf: TensorIOFixtures.parity("minilm.safetensors"))
        do {
            _ = try file.tensor(named: "head.weigth")
            Issue.record("expected an error")
        } catch let TensorArchiveError.unknownTensor(name, _, suggestions) {
            #expect(name == "head.weigth")
            #expect(suggestions.first == "head.weight")
            #expect("\(TensorArchiveError.unknownTensor(name: name, path: "f", suggestions: suggestions))".contains("head.weight"))
        }
    }

    @Test func writerRoundTripsAtomicallyWithAlignedHeader() throws {
        let folder = try TensorIOFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("checkpoint.safetensors")
        let weight = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let tensors: [(name: String, tensor: Tensor)] = [
            (name: "layer.weight", tensor: weight.transposed(0, 1)),  // a view: written contiguous
            (name: "layer.bias", tensor: Tensor([0.5, -0.5])),
            (name: "scale", tensor: Tensor(scalar: 3)),
            (name: "nothing", tensor: Tensor.zeros([0, 4])),
            (name: "quote\"name\n", tensor: Tensor([9])),
        ]
        try Data("old contents".utf8).write(to: url)
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt", "epoch": "3"], to: url)
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.tensorNames == ["layer.weight", "layer.bias", "scale", "nothing", "quote\"name\n"])
        #expect(file.metadata == ["format": "pt", "epoch": "3"])
        #expect(file.headerLength % 8 == 0)
        #expect(try file.tensor(named: "layer.weight").scalars == [1, 4, 2, 5, 3, 6])
        #expect(try file.tensor(named: "layer.weight").shape == [3, 2])
        #expect(try file.tensor(named: "layer.bias").scalars == [0.5, -0.5])
        #expect(try file.tensor(named: "scale").shape == [])
        #expect(try file.tensor(named: "nothing").shape == [0, 4])
        #expect(try file.info(for: "quote\"name\n").dtype == .float32)
        // Only the target is left in the folder: the temporary file was renamed over it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["checkpoint.safetensors"])

        // The dictionary form writes names sorted.
        try SafetensorsWriter.write(["b": Tensor([1]), "a": Tensor([2])], to: url)
        #expect(try SafetensorsFile(contentsOf: url).tensorNames == ["a", "b"])
    }

    @Test func writerRefusesBadNamesAndLeavesTheTargetAlone() throws {
        let folder = try TensorIOFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("keep.safetensors")
        try SafetensorsWriter.write([(name: "x", tensor: Tensor([1]))], to: url)
        #expect(throws: SafetensorsError.self) {
            try SafetensorsWriter.write([(name: "x", tensor: Tensor([1])), (name: "x", tensor: Tensor([2]))], to: url)
        }
        #expect(throws: SafetensorsError.self) { try SafetensorsWriter.write([(name: "", tensor: Tensor([1]))], to: url) }
        #expect(throws: SafetensorsError.self) {
            try SafetensorsWriter.write([(name: "__metadata__", tensor: Tensor([1]))], to: url)
        }
        #expect(throws: SafetensorsError.self) {
            try SafetensorsWriter.write([(name: "x", tensor: Tensor([1]))], to: folder.appendingPathComponent("missing/dir.safetensors"))
        }
        #expect(try SafetensorsFile(contentsOf: url).tensor(named: "x").scalars == [1])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["keep.safetensors"])
    }

    @Test func malformedHeadersGiveTypedErrors() throws {
        let url = URL(fileURLWithPath: "/tmp/bad.safetensors")
        func open(_ header: String, _ data: [UInt8] = [0, 0, 0, 0]) throws {
            _ = try SafetensorsFile(data: makeSafetensors(header: header, data: data), url: url)
        }
        #expect(throws: SafetensorsError.invalidHeader(path: url.path, reason: "not valid JSON")) { try open("{not json") }
        #expect(throws: SafetensorsError.self) { try open("[1,2]") }
        #expect(throws: SafetensorsError.unsupportedDType(path: url.path, tensor: "t", dtype: "F8_E4M3")) {
            try open(#"{"t":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}"#)
        }
        #expect(throws: SafetensorsError.dataOutOfBounds(path: url.path, tensor: "t", begin: 0, end: 8, dataSize: 4)) {
            try open(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#)
        }
        #expect(throws: SafetensorsError.byteCountMismatch(path: url.path, tensor: "t", expected: 8, actual: 4)) {
            try open(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#)
        }
        #expect(throws: SafetensorsError.self) { try open(#"{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#) }
        #expect(throws: SafetensorsError.self) { try open(#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#) }
        #expect(throws: SafetensorsError.self) { try open(#"{"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#) }
        #expect(throws: SafetensorsError.self) { try open(#"{"t":{"dtype":"F32","shape":[1]}}"#) }
        #expect(throws: SafetensorsError.self) { try open(#"{"t":7}"#) }
        #expect(throws: SafetensorsError.self) { try open(#"{"__metadata__":{"a":1}}"#) }
        #expect(throws: SafetensorsError.self) {
            try open(#"{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#)
        }
        #expect(throws: SafetensorsError.dataOutOfBounds(path: url.path, tensor: "b", begin: 2, end: 6, dataSize: 8)) {
            try open(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#,
                     [UInt8](repeating: 0, count: 8))
        }
        // Deeply nested JSON is refused by the JSON parser's depth limit, not by a stack overflow.
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        #expect(throws: SafetensorsError.invalidHeader(path: url.path, reason: "not valid JSON")) { try open(#"{"t":"# + deep + "}") }
        #expect(throws: SafetensorsError.fileTooSmall(path: url.path, size: 5)) {
            _ = try SafetensorsFile(data: Data([1, 2, 3, 4, 5]), url: url)
        }
    }

    @Test func headerLengthOf2To60IsRefusedBeforeAnyAllocation() throws {
        var bytes = Data()
        var length = (UInt64(1) << 60).littleEndian
        bytes.append(Data(bytes: &length, count: 8))
        bytes.append(Data("{}".utf8))
        let url = URL(fileURLWithPath: "/tmp/huge.safetensors")
        #expect(throws: SafetensorsError.headerTooLarge(path: url.path, declared: 1 << 60, fileSize: 10)) {
            _ = try SafetensorsFile(data: bytes, url: url)
        }
        #expect(throws: MappedFileError.self) { _ = try SafetensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors")) }
    }

    @Test func formatDetectionByMagicBytes() throws {
        #expect(try TensorArchives.format(of: TensorIOFixtures.parity("minilm.safetensors")) == .safetensors)  // starts 0x80 0x04
        #expect(try TensorArchives.format(of: TensorIOFixtures.torch("legacy_basic.pt")) == .torchLegacy)
        #expect(try TensorArchives.format(of: TensorIOFixtures.torch("zip_basic.pt")) == .torchZip)
        let folder = try TensorIOFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let other = folder.appendingPathComponent("notes.txt")
        try Data("hello, weights".utf8).write(to: other)
        #expect(throws: TensorArchiveError.self) { try TensorArchives.open(other) }
    }
}
