// UserTaskCatalog: changing the user catalog of external plugins (what `factory plugin add`
// and `remove` do) — read the file as JSON, replace or drop the entries of one task id,
// keep every other entry exactly as it was (even one factory cannot use), and write the
// result atomically, creating the folder on first use. Not here: reading it for use
// (ExternalCatalogFile), building plugins (FactoryCLI).

import Foundation

/// The user catalog file and its changes.
public struct UserTaskCatalog: Sendable {
    /// The file (it need not exist yet).
    public let file: URL

    /// The user catalog of `environment` (see ``CatalogLocations/userCatalog(environment:)``).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        file = CatalogLocations.userCatalog(environment: environment)
    }

    /// The catalog at `file`.
    public init(file: URL) { self.file = file }

    /// The raw entries, in file order (none when the file does not exist).
    /// - Throws: ``CatalogFileError`` when the file is not a catalog object with a tasks array.
    public func rawEntries() throws -> [JSONValue] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let root: JSONValue
        do { root = try JSONParser.parse([UInt8](Data(contentsOf: file))) } catch {
            throw CatalogFileError(file: file.path, message: "is not valid JSON (\(error)); fix it, or delete it and add the plugins again")
        }
        guard let tasks = root["tasks"]?.arrayValue else {
            throw CatalogFileError(file: file.path, message: "has no \"tasks\" array; fix it, or delete it and add the plugins again")
        }
        return tasks
    }

    /// Adds `task`, replacing any entry with the same id. Written atomically.
    public func add(_ task: ExternalTask) throws {
        let kept = try rawEntries().filter { $0["id"]?.stringValue != task.descriptor.id }
        try write(kept + [task.entry])
    }

    /// Removes every entry of task `id`.
    /// - Returns: how many entries were removed (0: the id was not there).
    @discardableResult
    public func remove(_ id: String) throws -> Int {
        let entries = try rawEntries()
        let kept = entries.filter { $0["id"]?.stringValue != id }
        if kept.count != entries.count { try write(kept) }
        return entries.count - kept.count
    }

    private func write(_ entries: [JSONValue]) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(ExternalCatalogFile.document(entries: entries).serialized(pretty: true).utf8), to: file)
    }
}
