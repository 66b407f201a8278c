// The defaults of the optional plugin requirements for cached features: an example's content
// fingerprint is its reflection, and a plugin that does not provide `features` is simply not
// cached. Not here: the cache itself (Training/FeatureCache.swift).

extension TaskExample {
    /// Default: every stored property, as `String(reflecting:)` prints them.
    public var contentFingerprint: String { String(reflecting: self) }
}

extension TaskPlugin {
    /// Default: not cacheable.
    public func features(_ model: Model, examples: [Example], context: TaskContext) throws -> Tensor? { nil }

    /// Default: an error (a plugin that returns features must implement this too).
    public func headForward(_ model: Model, features: Tensor, examples: [Example], context: TaskContext) throws -> TaskForward<Output> {
        throw PluginError("task \(descriptor.id) provides cached features but no headForward(_:features:examples:context:); implement it or return nil from features")
    }
}
