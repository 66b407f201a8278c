// ClassificationHead: the new output head most tasks add on top of a backbone — dropout
// then a Linear layer to one logit per class — and the shared helpers to turn logits into
// probabilities and class-weighted cross-entropy. Built-in and third-party plugins use it
// alike. Not here: the metrics (Metrics/), pooling (SentencePooling in FactoryModels).

/// Dropout followed by a Linear layer: features `[B, F]` to logits `[B, classes]`.
///
/// Keys: `classifier.weight`, `classifier.bias`.
public final class ClassificationHead: Module {
    /// Dropout on the features.
    public let dropout: Dropout
    /// Features to logits.
    public let classifier: Linear

    /// Creates a head.
    /// - Parameters:
    ///   - features: the size of the pooled features.
    ///   - classes: the number of classes.
    ///   - dropout: the dropout probability before the Linear layer.
    ///   - seed: seeds the initial weights and the dropout masks.
    public init(features: Int, classes: Int, dropout: Float, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        classifier = Linear(inputFeatures: features, outputFeatures: classes, generator: &generator)
        self.dropout = Dropout(probability: dropout, seed: generator.next())
        super.init()
    }

    override public var children: [(key: String, module: Module)] { [("dropout", dropout), ("classifier", classifier)] }

    /// Logits for pooled features.
    public func callAsFunction(_ features: Tensor) -> Tensor { classifier(dropout(features)) }
}

/// Shared pieces of classification tasks.
public enum Classification {
    /// Row-wise softmax probabilities of `[B, C]` logits, as one array per example.
    public static func probabilities(_ logits: Tensor) -> [[Float]] {
        let values = withoutGradients { logits.softmax(axis: -1) }.scalars
        let classes = logits.shape[1]
        return (0..<logits.shape[0]).map { Array(values[$0 * classes ..< ($0 + 1) * classes]) }
    }

    /// "Balanced" class weights, as scikit-learn computes them: `n / (classes * count_c)`
    /// from the examples per class (a class with no examples gets weight 1).
    public static func balancedWeights(classCounts counts: [Int]) -> [Float] {
        let total = counts.reduce(0, +)
        return counts.map { $0 == 0 ? 1 : Float(total) / Float(counts.count * $0) }
    }
}
