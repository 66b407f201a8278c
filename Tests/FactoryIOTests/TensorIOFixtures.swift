// Shared helpers for the weight-file reader tests: where the fixtures are, temporary folders,
// a seeded generator for the fuzz loops, and the test of "a typed reader error".

import FactoryIO
import Foundation
import Testing

enum TensorIOFixtures {
    /// Tests/FactoryIOTests.
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// A fixture made by Fixtures/torch/make_torch_fixtures.py.
    static func torch(_ name: String) -> URL {
        testsFolder.appendingPathComponent("Fixtures/torch/\(name)")
    }

    /// A file of ../shared/fixtures/parity (beside the repository).
    static func parity(_ name: String) -> URL {
        testsFolder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/parity/\(name)")
    }

    /// A new empty folder under the system temporary folder.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-tensorio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Whether `error` is one of the typed errors the weight-file readers promise.
    static func isTypedReaderError(_ error: Error) -> Bool {
        error is ByteReaderError || error is SafetensorsError || error is TensorArchiveError || error is PickleError
            || error is TorchCheckpointError || error is MappedFileError
    }

    /// Opens `url` with any reader and reads every tensor (and the integers of integer tensors).
    static func readEverything(_ url: URL) throws {
        let archive = try TensorArchives.open(url)
        try readEverything(archive)
    }

    static func readEverything(_ archive: any TensorArchive) throws {
        for name in archive.tensorNames {
            let info = try archive.info(for: name)
            let tensor = try archive.tensor(named: name)
            #expect(tensor.shape == info.shape)
            if info.dtype.isInteger { _ = try archive.integers(named: name) }
        }
    }
}
