// TemplateProcessing: the post-processor that wraps the text tokens in special tokens by a
// template, e.g. single "[CLS] $A [SEP]" and pair "[CLS] $A [SEP] $B:1 [SEP]:1", each piece
// with its token type id. Also BertProcessing, the older fixed form of the same BERT
// template. It is NOT RobertaProcessing or ByteLevel post-processing.

/// One piece of a template: a text sequence or a special token, with its type id.
public enum TemplatePiece: Sendable, Equatable {
    /// The first text (`$A`, `isSecond` false) or the second (`$B`).
    case sequence(isSecond: Bool, typeID: Int)
    /// A special token by its name in ``TemplateProcessing/specialTokens``.
    case specialToken(name: String, typeID: Int)
}

/// The template post-processor (`"type": "TemplateProcessing"`).
public struct TemplateProcessing: TokenizerPostProcessor {
    /// The template for a single text.
    public let single: [TemplatePiece]
    /// The template for a text pair.
    public let pair: [TemplatePiece]
    /// Special token name → the ids and token strings it stands for (usually one each).
    public let specialTokens: [String: [Token]]

    /// Makes a template; every special-token piece must name an entry of `specialTokens`.
    public init(single: [TemplatePiece], pair: [TemplatePiece], specialTokens: [String: [Token]]) {
        self.single = single
        self.pair = pair
        self.specialTokens = specialTokens
    }

    /// BERT's template: single `[CLS] $A [SEP]`, pair `[CLS] $A [SEP] $B:1 [SEP]:1`.
    public static func bert(classification: Token, separator: Token) -> TemplateProcessing {
        TemplateProcessing(
            single: [
                .specialToken(name: classification.value, typeID: 0), .sequence(isSecond: false, typeID: 0),
                .specialToken(name: separator.value, typeID: 0),
            ],
            pair: [
                .specialToken(name: classification.value, typeID: 0), .sequence(isSecond: false, typeID: 0),
                .specialToken(name: separator.value, typeID: 0), .sequence(isSecond: true, typeID: 1),
                .specialToken(name: separator.value, typeID: 1),
            ],
            specialTokens: [classification.value: [classification], separator.value: [separator]])
    }

    /// Reads the `post_processor` section: `single`, `pair`, `special_tokens`.
    public init(json: TokenizerJSONNode) throws(TokenizerError) {
        var specialTokens: [String: [Token]] = [:]
        for (name, node) in try json.field("special_tokens").members() {
            let idNodes = try node.field("ids").array()
            let tokenNodes = try node.field("tokens").array()
            guard idNodes.count == tokenNodes.count else {
                throw node.invalid("has \(idNodes.count) ids but \(tokenNodes.count) tokens; they must pair up")
            }
            var tokens: [Token] = []
            for (idNode, tokenNode) in zip(idNodes, tokenNodes) {
                tokens.append(Token(id: try idNode.nonNegativeInteger(), value: try tokenNode.string()))
            }
            specialTokens[name] = tokens
        }
        self.specialTokens = specialTokens
        self.single = try Self.readTemplate(try json.field("single"), specialTokens: specialTokens)
        self.pair = try Self.readTemplate(try json.field("pair"), specialTokens: specialTokens)
    }

    private static func readTemplate(_ json: TokenizerJSONNode, specialTokens: [String: [Token]]) throws(TokenizerError) -> [TemplatePiece] {
        var pieces: [TemplatePiece] = []
        for pieceNode in try json.array() {
            if let sequence = try pieceNode.optionalField("Sequence") {
                let idNode = try sequence.field("id")
                let name = try idNode.string()
                guard name == "A" || name == "B" else { throw idNode.invalid("is \"\(name)\"; expected \"A\" or \"B\"") }
                pieces.append(.sequence(isSecond: name == "B", typeID: try sequence.field("type_id").nonNegativeInteger()))
            } else if let special = try pieceNode.optionalField("SpecialToken") {
                let idNode = try special.field("id")
                let name = try idNode.string()
                guard specialTokens[name] != nil else {
                    throw idNode.invalid("names the special token \"\(name)\", which special_tokens does not define")
                }
                pieces.append(.specialToken(name: name, typeID: try special.field("type_id").nonNegativeInteger()))
            } else {
                throw pieceNode.invalid("is neither {\"Sequence\": …} nor {\"SpecialToken\": …}")
            }
        }
        return pieces
    }

    public func addedTokenCount(isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { total, piece in
            if case .specialToken(let name, _) = piece { return total + (specialTokens[name]?.count ?? 0) }
            return total
        }
    }

    public func process(_ first: TokenEncoding, pair second: TokenEncoding?, addSpecialTokens: Bool) -> TokenEncoding {
        var result = TokenEncoding(tokens: [])
        for piece in second == nil ? single : pair {
            switch piece {
            case .sequence(let isSecond, let typeID):
                guard var sequence = isSecond ? second : first else { continue }
                sequence.typeIDs = Array(repeating: typeID, count: sequence.count)
                result.append(sequence)
            case .specialToken(let name, let typeID):
                guard addSpecialTokens, let tokens = specialTokens[name] else { continue }
                result.append(
                    TokenEncoding(
                        ids: tokens.map(\.id), typeIDs: Array(repeating: typeID, count: tokens.count),
                        tokens: tokens.map(\.value), attentionMask: Array(repeating: 1, count: tokens.count),
                        specialTokensMask: Array(repeating: 1, count: tokens.count)))
            }
        }
        return result
    }
}

/// Reads BertProcessing (`"type": "BertProcessing"`, fields `cls` and `sep` as
/// [token, id]) as the equivalent ``TemplateProcessing``.
enum BertProcessingReader {
    static func read(_ json: TokenizerJSONNode) throws(TokenizerError) -> TemplateProcessing {
        func pair(_ key: String) throws(TokenizerError) -> Token {
            let node = try json.field(key)
            let elements = try node.array()
            guard elements.count == 2 else { throw node.invalid("should be [token, id]") }
            return Token(id: try elements[1].nonNegativeInteger(), value: try elements[0].string())
        }
        return TemplateProcessing.bert(classification: try pair("cls"), separator: try pair("sep"))
    }
}
