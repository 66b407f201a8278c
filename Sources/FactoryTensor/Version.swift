// The factory release version, shared by `factory --version` and the benchmark engine name.

/// The version of this build of factory.
public enum FactoryVersion {
    /// Semantic version of the package.
    public static let current = "0.1.0"
}
