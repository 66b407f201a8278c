// TokenizerLoader: reads a Hugging Face tokenizer.json into a Tokenizer. Each pipeline
// section (normalizer, pre_tokenizer, model, post_processor, decoder) is built by the
// builder registered for its `type`; `TokenizerLoader.standard` knows the BERT family.
// To support another family (BPE, Unigram, ByteLevel, Metaspace…), copy the standard
// loader, register builders for the new types and load with it: nothing here changes.
// An unregistered type is a TokenizerError naming the type, the JSON path and the file.
// It does NOT download anything and does NOT read tokenizer_config.json.

import Foundation

/// Builds tokenizers from tokenizer.json, with a registry of stage builders by `type`.
public struct TokenizerLoader: Sendable {
    /// Builds a normalizer from its JSON section; the loader is passed for nested stages.
    /// Builders should throw ``TokenizerError`` (other errors are wrapped in one).
    public typealias NormalizerBuilder = @Sendable (TokenizerJSONNode, TokenizerLoader) throws -> any TextNormalizer
    /// Builds a pre-tokenizer from its JSON section.
    public typealias PreTokenizerBuilder = @Sendable (TokenizerJSONNode, TokenizerLoader) throws -> any PreTokenizer
    /// Builds a model from its JSON section.
    public typealias ModelBuilder = @Sendable (TokenizerJSONNode, TokenizerLoader) throws -> any TokenizerModel
    /// Builds a post-processor from its JSON section.
    public typealias PostProcessorBuilder = @Sendable (TokenizerJSONNode, TokenizerLoader) throws -> any TokenizerPostProcessor
    /// Builds a decoder from its JSON section.
    public typealias DecoderBuilder = @Sendable (TokenizerJSONNode, TokenizerLoader) throws -> any TokenizerDecoder

    /// Normalizer builders by `type`.
    public var normalizers: [String: NormalizerBuilder]
    /// Pre-tokenizer builders by `type`.
    public var preTokenizers: [String: PreTokenizerBuilder]
    /// Model builders by `type`.
    public var models: [String: ModelBuilder]
    /// Post-processor builders by `type`.
    public var postProcessors: [String: PostProcessorBuilder]
    /// Decoder builders by `type`.
    public var decoders: [String: DecoderBuilder]

    /// A loader with no builders; register some before loading.
    public init() {
        normalizers = [:]
        preTokenizers = [:]
        models = [:]
        postProcessors = [:]
        decoders = [:]
    }

    /// The BERT family: normalizers BertNormalizer, NFD, NFKD, NFC, NFKC, Lowercase,
    /// StripAccents, Sequence; pre-tokenizers BertPreTokenizer, WhitespaceSplit, Sequence;
    /// model WordPiece; post-processors TemplateProcessing, BertProcessing; decoder WordPiece.
    public static var standard: TokenizerLoader {
        var loader = TokenizerLoader()
        loader.normalizers["BertNormalizer"] = { node, loader in try BertNormalizer(json: node) }
        for form in UnicodeNormalFormNormalizer.Form.allCases {
            loader.normalizers[form.rawValue] = { _, _ in UnicodeNormalFormNormalizer(form: form) }
        }
        loader.normalizers["Lowercase"] = { _, _ in LowercaseNormalizer() }
        loader.normalizers["StripAccents"] = { _, _ in StripAccentsNormalizer() }
        loader.normalizers["Sequence"] = { node, loader in
            var stages: [any TextNormalizer] = []
            for element in try node.field("normalizers").array() { stages.append(try loader.normalizer(element)) }
            return SequenceNormalizer(normalizers: stages)
        }
        loader.preTokenizers["BertPreTokenizer"] = { _, _ in BertPreTokenizer() }
        loader.preTokenizers["WhitespaceSplit"] = { _, _ in WhitespaceSplitPreTokenizer() }
        loader.preTokenizers["Sequence"] = { node, loader in
            var stages: [any PreTokenizer] = []
            for element in try node.field("pretokenizers").array() { stages.append(try loader.preTokenizer(element)) }
            return SequencePreTokenizer(preTokenizers: stages)
        }
        loader.models["WordPiece"] = { node, loader in try WordPieceModel(json: node) }
        loader.postProcessors["TemplateProcessing"] = { node, loader in try TemplateProcessing(json: node) }
        loader.postProcessors["BertProcessing"] = { node, loader in try BertProcessingReader.read(node) }
        loader.decoders["WordPiece"] = { node, loader in try WordPieceDecoder(json: node) }
        return loader
    }

    /// Reads a tokenizer.json file.
    /// - Parameter url: the file.
    /// - Throws: ``TokenizerError`` naming the file and the JSON path of any problem.
    public func load(contentsOf url: URL) throws(TokenizerError) -> Tokenizer {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            throw .unreadableFile(file: url.path, reason: error.localizedDescription)
        }
        return try load(bytes: bytes, file: url.path)
    }

    /// Reads tokenizer.json content already in memory.
    /// - Parameters:
    ///   - bytes: the UTF-8 JSON text.
    ///   - file: the name used in error messages.
    public func load(bytes: [UInt8], file: String) throws(TokenizerError) -> Tokenizer {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw .invalidJSON(file: file, error: error)
        }
        let root = TokenizerJSONNode(value: document, path: "", file: file)
        guard document.objectValue != nil else { throw root.wrongType(expected: "an object") }

        let normalizerNode = try root.optionalField("normalizer")
        let normalizer = try normalizerNode.map { node throws(TokenizerError) in try self.normalizer(node) }
        let preTokenizer = try root.optionalField("pre_tokenizer").map { node throws(TokenizerError) in try self.preTokenizer(node) }
        let model = try build(try root.field("model"), stage: "model", builders: models)
        let postProcessor = try root.optionalField("post_processor").map { node throws(TokenizerError) in
            try self.build(node, stage: "post-processor", builders: self.postProcessors)
        }
        let decoder = try root.optionalField("decoder").map { node throws(TokenizerError) in
            try self.build(node, stage: "decoder", builders: self.decoders)
        }

        var addedTokens: [AddedToken] = []
        if let addedNode = try root.optionalField("added_tokens") {
            for element in try addedNode.array() {
                let token = try AddedToken(json: element)
                if let previous = addedTokens.first(where: { $0.id == token.id }) {
                    throw .duplicateVocabularyID(file: file, path: element.displayPath, id: token.id, firstToken: previous.content, secondToken: token.content)
                }
                addedTokens.append(token)
            }
        }
        let truncation = try root.optionalField("truncation").map { node throws(TokenizerError) in try TruncationSettings(json: node) }
        let padding = try root.optionalField("padding").map { node throws(TokenizerError) in try PaddingSettings(json: node) }

        return Tokenizer(
            normalizer: normalizer, preTokenizer: preTokenizer, model: model, postProcessor: postProcessor,
            decoder: decoder, addedVocabulary: AddedVocabulary(tokens: addedTokens, normalizer: normalizer),
            truncation: truncation, padding: padding)
    }

    /// Builds the normalizer a JSON section describes (for `Sequence` builders).
    public func normalizer(_ node: TokenizerJSONNode) throws(TokenizerError) -> any TextNormalizer {
        try build(node, stage: "normalizer", builders: normalizers)
    }

    /// Builds the pre-tokenizer a JSON section describes (for `Sequence` builders).
    public func preTokenizer(_ node: TokenizerJSONNode) throws(TokenizerError) -> any PreTokenizer {
        try build(node, stage: "pre-tokenizer", builders: preTokenizers)
    }

    private func build<Stage>(_ node: TokenizerJSONNode, stage: String, builders: [String: @Sendable (TokenizerJSONNode, TokenizerLoader) throws -> Stage]) throws(TokenizerError) -> Stage {
        let typeNode = try node.field("type")
        let type = try typeNode.string()
        guard let builder = builders[type] else {
            throw .unsupportedType(file: node.file, path: typeNode.displayPath, stage: stage, type: type, supported: Array(builders.keys))
        }
        do {
            return try builder(node, self)
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw node.invalid("could not be read as a \(stage) of type \"\(type)\": \(error)")
        }
    }
}
