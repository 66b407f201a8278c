// The typed errors of module key handling: a state dictionary that does not fit a module
// (every missing, unexpected and mis-shaped key in one error), and a freeze/unfreeze key
// prefix that names no parameter. Both are file or configuration problems, so they throw;
// shape mismatches in a layer's forward pass are programmer errors and stay preconditions.
// Not here: errors of reading checkpoint files (FactoryIO).

/// A key whose tensor in the state dictionary has a different shape from the module's.
public struct ShapeMismatch: Hashable, Sendable, CustomStringConvertible {
    /// The full key, such as `encoder.layer.0.attention.self.query.weight`.
    public let key: String
    /// The shape the module's tensor has.
    public let expected: [Int]
    /// The shape the state dictionary holds.
    public let found: [Int]

    /// Creates a record of one mis-shaped key.
    public init(key: String, expected: [Int], found: [Int]) {
        self.key = key
        self.expected = expected
        self.found = found
    }

    public var description: String { "\(key): the model has \(expected), the state dictionary \(found)" }
}

/// A state dictionary that does not fit a module, with every offending key.
///
/// Thrown by ``Module/load(stateDictionary:strict:)`` before anything is copied, so the
/// module is left exactly as it was.
public struct ModuleLoadError: Error, Equatable, CustomStringConvertible {
    /// The module's type, for the message (`BertModel`).
    public let moduleType: String
    /// Keys the module has and the state dictionary lacks (reported when loading strictly).
    public let missingKeys: [String]
    /// Keys the state dictionary has and the module lacks (reported when loading strictly).
    public let unexpectedKeys: [String]
    /// Keys present in both with different shapes (always reported).
    public let mismatchedShapes: [ShapeMismatch]

    /// Creates the error; the lists are reported in the order given.
    public init(moduleType: String, missingKeys: [String], unexpectedKeys: [String], mismatchedShapes: [ShapeMismatch]) {
        self.moduleType = moduleType
        self.missingKeys = missingKeys
        self.unexpectedKeys = unexpectedKeys
        self.mismatchedShapes = mismatchedShapes
    }

    public var description: String {
        var lines = ["The state dictionary does not fit \(moduleType); nothing was loaded."]
        if !missingKeys.isEmpty {
            lines.append("\(missingKeys.count) missing key(s) (in the model, not in the state dictionary): "
                         + missingKeys.joined(separator: ", "))
        }
        if !unexpectedKeys.isEmpty {
            lines.append("\(unexpectedKeys.count) unexpected key(s) (in the state dictionary, not in the model): "
                         + unexpectedKeys.joined(separator: ", "))
        }
        if !mismatchedShapes.isEmpty {
            lines.append("\(mismatchedShapes.count) mis-shaped key(s): "
                         + mismatchedShapes.map(\.description).joined(separator: "; "))
        }
        if let prefix = commonExtraPrefix {
            lines.append("The state dictionary's keys carry the prefix \"\(prefix)\": strip it before loading.")
        }
        if !mismatchedShapes.isEmpty {
            lines.append("Mis-shaped keys mean the model was built with another configuration (hidden size, "
                         + "vocabulary, class count) than the checkpoint: build it from the checkpoint's config.")
        }
        if !missingKeys.isEmpty || !unexpectedKeys.isEmpty {
            lines.append("To load the keys that do match and keep the rest as initialised, load with strict: false.")
        }
        return lines.joined(separator: "\n")
    }

    /// A prefix such that every missing key, prefixed, is an unexpected key (`bert.`).
    private var commonExtraPrefix: String? {
        guard let first = missingKeys.first else { return nil }
        let unexpected = Set(unexpectedKeys)
        for candidate in unexpectedKeys where candidate.hasSuffix("." + first) {
            let prefix = String(candidate.dropLast(first.count))
            if missingKeys.allSatisfy({ unexpected.contains(prefix + $0) }) { return prefix }
        }
        return nil
    }
}

/// A key prefix given to ``Module/freeze(keyPrefix:)``, ``Module/unfreeze(keyPrefix:)`` or
/// ``Module/freezeRunningStatistics(_:keyPrefix:)`` that names nothing it could act on.
public enum ModuleKeyError: Error, Equatable, CustomStringConvertible {
    /// No parameter key is `keyPrefix` or lies under it; `suggestions` are module keys
    /// that exist near it.
    case noParameterMatches(keyPrefix: String, suggestions: [String])
    /// No layer with running statistics (a ``RunningStatisticsLayer`` such as
    /// ``BatchNorm2d``) is `keyPrefix` or lies under it; `suggestions` are such layers' keys.
    case noRunningStatisticsMatches(keyPrefix: String, suggestions: [String])

    public var description: String {
        switch self {
        case .noParameterMatches(let keyPrefix, let suggestions):
            let hint = suggestions.isEmpty ? "" : " Keys near it: \(suggestions.joined(separator: ", "))."
            return "No parameter key starts with \"\(keyPrefix)\", so nothing was frozen or unfrozen.\(hint) "
                + "Use whole key components as in the checkpoint (`encoder.layer.0`); list the keys with parameters()."
        case .noRunningStatisticsMatches(let keyPrefix, let suggestions):
            let hint = suggestions.isEmpty ? " The model has no such layers." : " Such layers: \(suggestions.joined(separator: ", "))."
            return "No batch-norm layer (a layer with running statistics) has a key starting with \"\(keyPrefix)\", "
                + "so no statistics were frozen or unfrozen.\(hint) Use whole key components (`_blocks.3`); "
                + "an empty prefix means the whole model."
        }
    }
}
