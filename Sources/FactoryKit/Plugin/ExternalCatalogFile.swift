// ExternalCatalogFile: reading one catalog of external task plugins (the user catalog, or a
// FACTORY_CATALOG file) leniently — every good entry is kept, and every bad file or entry
// becomes a CatalogProblem naming the file and the entry, so one broken plugin never stops
// factory from listing or running the others. Also the catalog's JSON form for writing.
// Not here: where the files are (CatalogLocations), conflicts between files (MergedTaskCatalog).

import Foundation

/// Something wrong in a catalog, reported rather than fatal.
public struct CatalogProblem: Sendable, Equatable, CustomStringConvertible {
    /// The catalog file.
    public var file: String
    /// The entry (`tasks[2]`, with its id when it has one), or `nil` for the whole file.
    public var entry: String?
    /// The task id concerned, when known.
    public var taskID: String?
    /// What is wrong and what to do.
    public var message: String

    /// Creates a problem.
    public init(file: String, entry: String? = nil, taskID: String? = nil, message: String) {
        self.file = file
        self.entry = entry
        self.taskID = taskID
        self.message = message
    }

    public var description: String { "\(file): " + (entry.map { "\($0): " } ?? "") + message }
}

/// One external catalog file.
public enum ExternalCatalogFile {
    /// The tasks `url` lists and what is wrong in it. A missing, unreadable or invalid file
    /// is one problem and no tasks; a bad entry is one problem and the others are kept. A
    /// task for another plugin API version, or whose executable is missing, is kept with
    /// that status (and reported by MergedTaskCatalog).
    public static func read(_ url: URL) -> (tasks: [ExternalTask], problems: [CatalogProblem]) {
        let file = url.path
        guard FileManager.default.fileExists(atPath: file) else {
            return ([], [CatalogProblem(file: file, message: "no such file; fix the path in \(CatalogLocations.extraCatalogsVariable)")])
        }
        let root: JSONValue
        do {
            let data = try Data(contentsOf: url)
            root = try JSONParser.parse([UInt8](data))
        } catch let error as JSONSyntaxError {
            return ([], [CatalogProblem(file: file, message: "is not valid JSON (\(error)); fix the file or remove it")])
        } catch {
            return ([], [CatalogProblem(file: file, message: "cannot be read (\(error.localizedDescription))")])
        }
        guard let object = root.objectValue else {
            return ([], [CatalogProblem(file: file, message: "must be a JSON object with \"apiVersion\" and \"tasks\", found a \(root.typeName)")])
        }
        var problems: [CatalogProblem] = []
        let fileVersion = object["apiVersion"]?.integerValue
        if fileVersion == nil {
            problems.append(CatalogProblem(file: file, message: "has no integer \"apiVersion\"; add \"apiVersion\": \(PluginAPI.version)"))
        }
        guard let entries = object["tasks"]?.arrayValue else {
            problems.append(CatalogProblem(file: file, message: "has no \"tasks\" array; a catalog lists its tasks in \"tasks\": [...]"))
            return ([], problems)
        }
        var tasks: [ExternalTask] = []
        for (index, entry) in entries.enumerated() {
            let id = entry["id"]?.stringValue
            let name = "tasks[\(index)]" + (id.map { " (id \"\($0)\")" } ?? "")
            do {
                var task = try ExternalTask(entry: entry, file: url)
                if let fileVersion, fileVersion != PluginAPI.version {
                    task.status = .wrongAPIVersion(fileVersion)
                } else if task.descriptor.apiVersion != PluginAPI.version {
                    task.status = .wrongAPIVersion(task.descriptor.apiVersion)
                } else if !FileManager.default.isExecutableFile(atPath: task.command) {
                    task.status = .executableMissing
                }
                tasks.append(task)
            } catch {
                problems.append(CatalogProblem(file: file, entry: name, taskID: id,
                                               message: "\(error); fix the entry or remove it" + (id.map { " (`factory plugin remove \($0)`)" } ?? "")))
            }
        }
        return (tasks, problems)
    }

    /// The catalog document listing `entries` (each an ``ExternalTask/entry``), for writing.
    public static func document(entries: [JSONValue]) -> JSONValue {
        .object(JSONObject(members: [("apiVersion", .integer(PluginAPI.version)), ("tasks", .array(entries))]))
    }
}
