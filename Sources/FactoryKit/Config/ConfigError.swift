// ConfigError: the one error a project configuration throws — bad YAML, an unknown option, a
// wrong value, a bad --set override, a missing file — located by file, line and key, in the
// compiler's "file:line: key: message" form. Not here: the checks themselves (ConfigLoader,
// ConfigValueKind).

/// Why a project configuration could not be read, set or written.
///
/// `description` reads like a compiler diagnostic:
/// `factory.yaml:12: train.epohcs: no such option; did you mean train.epochs?`
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as the user named it (`factory.yaml`, `my-line/factory.yaml`); nil for a
    /// value that came from `--set` or from code.
    public let file: String?
    /// The 1-based line in `file`, when known.
    public let line: Int?
    /// The option's dotted key (`train.epochs`), when the error is about one option.
    public let key: String?
    /// What is wrong and what to do.
    public let message: String

    /// Creates an error.
    /// - Parameters:
    ///   - file: The file as the user named it, if the error is in a file.
    ///   - line: The 1-based line, if known.
    ///   - key: The dotted key the error is about, if any.
    ///   - message: What is wrong and what to do.
    public init(file: String? = nil, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `file:line: key: message`, leaving out the parts that are not known.
    public var description: String {
        var location = ""
        switch (file, line) {
        case (let file?, let line?): location = "\(file):\(line): "
        case (let file?, nil): location = "\(file): "
        case (nil, let line?): location = "line \(line): "
        case (nil, nil): break
        }
        return location + (key.map { "\($0): " } ?? "") + message
    }
}
