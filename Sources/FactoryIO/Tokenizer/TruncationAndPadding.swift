// TruncationAndPadding: the `truncation` and `padding` sections of tokenizer.json and the
// library's algorithms for them. Truncation runs before special tokens are added and
// leaves room for them; `LongestFirst` shortens the longer text of a pair first. Padding
// runs last, to the batch's longest row or to a fixed length (never shortening a row),
// optionally rounded up to a multiple. Overflowing pieces (the library's `stride`) are
// NOT kept: the tokens cut off are dropped.

/// How to shorten inputs longer than the model takes.
public struct TruncationSettings: Sendable, Equatable {
    /// Which text of a pair gives up tokens.
    public enum Strategy: String, Sendable, CaseIterable {
        /// Take tokens from the longer text until both fit (BERT's default).
        case longestFirst = "LongestFirst"
        /// Take tokens from the first text only.
        case onlyFirst = "OnlyFirst"
        /// Take tokens from the second text only.
        case onlySecond = "OnlySecond"
    }

    /// The most tokens per input, special tokens included.
    public var maximumLength: Int
    /// Which text loses tokens.
    public var strategy: Strategy
    /// Remove tokens from the start (`true`, direction "Left") instead of the end.
    public var removesFromStart: Bool

    /// Makes the settings.
    public init(maximumLength: Int, strategy: Strategy = .longestFirst, removesFromStart: Bool = false) {
        self.maximumLength = maximumLength
        self.strategy = strategy
        self.removesFromStart = removesFromStart
    }

    /// Reads the `truncation` section: `max_length`, `strategy`, `direction` ("Right"/"Left").
    public init(json: TokenizerJSONNode) throws(TokenizerError) {
        self.maximumLength = try json.field("max_length").nonNegativeInteger()
        let strategyNode = try json.optionalField("strategy")
        let strategyName = try strategyNode?.string() ?? Strategy.longestFirst.rawValue
        guard let strategy = Strategy(rawValue: strategyName) else {
            throw strategyNode!.invalid("is \"\(strategyName)\"; expected one of \(Strategy.allCases.map(\.rawValue))")
        }
        self.strategy = strategy
        self.removesFromStart = try Self.readDirection(json) == "Left"
    }

    static func readDirection(_ json: TokenizerJSONNode) throws(TokenizerError) -> String {
        guard let node = try json.optionalField("direction") else { return "Right" }
        let direction = try node.string()
        guard direction == "Right" || direction == "Left" else {
            throw node.invalid("is \"\(direction)\"; expected \"Right\" or \"Left\"")
        }
        return direction
    }

    /// Truncates `first` and `pair` so that together they have at most `limit` tokens,
    /// as the library's `truncate_encodings` does.
    func truncate(_ first: inout TokenEncoding, _ pair: inout TokenEncoding?, limit: Int) throws(TokenizerError) {
        if limit == 0 {
            first.truncate(to: 0, keepingEnd: removesFromStart)
            pair?.truncate(to: 0, keepingEnd: removesFromStart)
            return
        }
        let total = first.count + (pair?.count ?? 0)
        guard total > limit else { return }
        let toRemove = total - limit
        switch strategy {
        case .longestFirst:
            guard var second = pair else {
                first.truncate(to: total - toRemove, keepingEnd: removesFromStart)
                return
            }
            // Shorter text keeps its length if it can; otherwise both get half.
            var shorter = min(first.count, second.count)
            var longer = max(first.count, second.count)
            let swapped = first.count > second.count
            if shorter > limit {
                longer = shorter
            } else {
                longer = max(shorter, limit - shorter)
            }
            if shorter + longer > limit {
                shorter = limit / 2
                longer = shorter + limit % 2
            }
            first.truncate(to: swapped ? longer : shorter, keepingEnd: removesFromStart)
            second.truncate(to: swapped ? shorter : longer, keepingEnd: removesFromStart)
            pair = second
        case .onlyFirst, .onlySecond:
            let target = strategy == .onlyFirst ? first : pair
            guard var target else {
                throw .truncationFailed(reason: "strategy OnlySecond needs a second text, but the input is a single text")
            }
            guard target.count > toRemove else {
                throw .truncationFailed(reason: "the \(strategy == .onlyFirst ? "first" : "second") text has \(target.count) tokens but \(toRemove) must go to fit \(limit)")
            }
            target.truncate(to: target.count - toRemove, keepingEnd: removesFromStart)
            if strategy == .onlyFirst { first = target } else { pair = target }
        }
    }
}

/// How to pad rows to a common length.
public struct PaddingSettings: Sendable, Equatable {
    /// The target length.
    public enum Strategy: Sendable, Equatable {
        /// The length of the longest row in the batch.
        case batchLongest
        /// A fixed length (longer rows are left as they are).
        case fixed(Int)
    }

    /// The target length.
    public var strategy: Strategy
    /// Pad on the left (`true`) instead of the right.
    public var padOnLeft: Bool
    /// Round the target length up to a multiple of this, when set and above zero.
    public var padToMultipleOf: Int?
    /// The id of the padding token.
    public var padID: Int
    /// The token type id of padding.
    public var padTypeID: Int
    /// The padding token's text.
    public var padToken: String

    /// Makes the settings; the defaults are the library's.
    public init(strategy: Strategy = .batchLongest, padOnLeft: Bool = false, padToMultipleOf: Int? = nil, padID: Int = 0, padTypeID: Int = 0, padToken: String = "[PAD]") {
        self.strategy = strategy
        self.padOnLeft = padOnLeft
        self.padToMultipleOf = padToMultipleOf
        self.padID = padID
        self.padTypeID = padTypeID
        self.padToken = padToken
    }

    /// Reads the `padding` section: `strategy` ("BatchLongest" or {"Fixed": n}),
    /// `direction`, `pad_to_multiple_of`, `pad_id`, `pad_type_id`, `pad_token`.
    public init(json: TokenizerJSONNode) throws(TokenizerError) {
        let strategyNode = try json.optionalField("strategy")
        switch strategyNode?.value {
        case nil, .string("BatchLongest")?:
            self.strategy = .batchLongest
        case .object(let object)? where object.count == 1 && object["Fixed"] != nil:
            self.strategy = .fixed(try strategyNode!.field("Fixed").nonNegativeInteger())
        default:
            throw strategyNode!.invalid("is \(strategyNode!.value); expected \"BatchLongest\" or {\"Fixed\": length}")
        }
        self.padOnLeft = try TruncationSettings.readDirection(json) == "Left"
        self.padToMultipleOf = try json.optionalField("pad_to_multiple_of")?.nonNegativeInteger()
        self.padID = try json.optionalField("pad_id")?.nonNegativeInteger() ?? 0
        self.padTypeID = try json.optionalField("pad_type_id")?.nonNegativeInteger() ?? 0
        self.padToken = try json.optionalField("pad_token")?.string() ?? "[PAD]"
    }

    /// Pads every encoding to the target length.
    func pad(_ encodings: inout [TokenEncoding]) {
        guard !encodings.isEmpty else { return }
        var length: Int
        switch strategy {
        case .batchLongest: length = encodings.map(\.count).max() ?? 0
        case .fixed(let fixed): length = fixed
        }
        if let multiple = padToMultipleOf, multiple > 0, length % multiple != 0 {
            length += multiple - length % multiple
        }
        for index in encodings.indices where encodings[index].count < length {
            let missing = length - encodings[index].count
            let padding = TokenEncoding(
                ids: Array(repeating: padID, count: missing), typeIDs: Array(repeating: padTypeID, count: missing),
                tokens: Array(repeating: padToken, count: missing), attentionMask: Array(repeating: 0, count: missing),
                specialTokensMask: Array(repeating: 1, count: missing))
            if padOnLeft {
                var padded = padding
                padded.append(encodings[index])
                encodings[index] = padded
            } else {
                encodings[index].append(padding)
            }
        }
    }
}
