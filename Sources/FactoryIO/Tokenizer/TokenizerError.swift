// TokenizerError: everything that can go wrong reading a Hugging Face tokenizer.json or
// encoding with it. Each message says what is wrong, where (the file and the JSON path,
// e.g. `model.vocab["hello"]`) and what to do. It is NOT used for programmer errors.

/// An error reading a tokenizer file or encoding with it.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read at all (missing, a folder, no permission).
    case unreadableFile(file: String, reason: String)
    /// The file is not valid JSON.
    case invalidJSON(file: String, error: JSONSyntaxError)
    /// A required field is absent.
    case missingField(file: String, path: String)
    /// A field has the wrong JSON type.
    case wrongType(file: String, path: String, expected: String, found: String)
    /// A pipeline stage names a `type` this build does not implement.
    case unsupportedType(file: String, path: String, stage: String, type: String, supported: [String])
    /// Two vocabulary tokens share one id, so decoding would be ambiguous.
    case duplicateVocabularyID(file: String, path: String, id: Int, firstToken: String, secondToken: String)
    /// A field has a value of the right type that makes no sense (negative id, unknown token…).
    case invalidValue(file: String, path: String, reason: String)
    /// Truncation cannot satisfy its settings for this input (e.g. `OnlySecond` without a pair).
    case truncationFailed(reason: String)
    /// A batch was asked for as a [B, T] array but its rows have different lengths.
    case raggedBatch(lengths: [Int])

    public var description: String {
        switch self {
        case .unreadableFile(let file, let reason):
            return "cannot read tokenizer file \(file): \(reason). Check the path points to a tokenizer.json file."
        case .invalidJSON(let file, let error):
            return "tokenizer file \(file) is not valid JSON at \(error). Re-download or re-export the tokenizer."
        case .missingField(let file, let path):
            return "tokenizer file \(file) has no field \(path). The file is incomplete or not a Hugging Face tokenizer.json."
        case .wrongType(let file, let path, let expected, let found):
            return "tokenizer file \(file): \(path) should be \(expected) but is \(found). The file is damaged or from an unsupported version."
        case .unsupportedType(let file, let path, let stage, let type, let supported):
            return "tokenizer file \(file): \(path) is a \(stage) of type \"\(type)\", which is not supported (supported: \(supported.sorted().joined(separator: ", "))). Use a model with a supported tokenizer, or register a \(stage) for \"\(type)\" in a TokenizerLoader."
        case .duplicateVocabularyID(let file, let path, let id, let firstToken, let secondToken):
            return "tokenizer file \(file): \(path) gives id \(id) to both \"\(firstToken)\" and \"\(secondToken)\"; every id must name one token. The vocabulary is damaged."
        case .invalidValue(let file, let path, let reason):
            return "tokenizer file \(file): \(path) \(reason)."
        case .truncationFailed(let reason):
            return "cannot truncate the input: \(reason). Change the truncation strategy or raise max_length."
        case .raggedBatch(let lengths):
            return "the batch rows have different lengths \(lengths), so they do not form a [B, T] array. Enable padding (tokenizer.padding) before encoding the batch."
        }
    }
}
