// TaskDescriptor: what the catalog says about a task plugin — id, name, summary, version, the
// plugin API version it was built for, the Swift type, input formats, outputs, backbones,
// metrics, sample and tags. A plugin returns its own; `catalog.json` lists the same fields,
// and a test checks the two agree. Not here: reading catalog.json (TaskCatalog).

/// The catalog entry of a task plugin.
public struct TaskDescriptor: Sendable, Equatable, Codable {
    /// The task id users type (`sentiment`, `defect-detection`): lower case, digits, dashes.
    public var id: String
    /// A short human name ("Sentiment analysis").
    public var name: String
    /// One sentence on what the task does.
    public var summary: String
    /// The plugin's own version (semantic versioning).
    public var version: String
    /// The plugin API version it implements; must equal ``PluginAPI/version``.
    public var apiVersion: Int
    /// The Swift type that implements it (`Sentiment.SentimentPlugin`), for the catalog.
    public var type: String
    /// Accepted input formats (`csv`, `tsv`, `jsonl`, `png`, ...).
    public var inputFormats: [String]
    /// What the task outputs (`label`, `probabilities`, ...).
    public var outputs: [String]
    /// Backbones it can use, the default first.
    public var backbones: [String]
    /// The metrics `factory eval` reports, by their `eval.json` names.
    public var metrics: [String]
    /// The sample project folder (`Samples/sentiment`).
    public var sample: String
    /// Search words.
    public var tags: [String]

    /// Creates a descriptor.
    public init(id: String, name: String, summary: String, version: String, apiVersion: Int = PluginAPI.version,
                type: String, inputFormats: [String], outputs: [String], backbones: [String], metrics: [String],
                sample: String, tags: [String]) {
        self.id = id
        self.name = name
        self.summary = summary
        self.version = version
        self.apiVersion = apiVersion
        self.type = type
        self.inputFormats = inputFormats
        self.outputs = outputs
        self.backbones = backbones
        self.metrics = metrics
        self.sample = sample
        self.tags = tags
    }
}

/// The version of the plugin API (``TaskPlugin`` and what it uses). A plugin or catalog
/// entry built for another version is refused with a message naming both versions.
public enum PluginAPI {
    /// The API version this build of factory implements.
    public static let version = 1
}
