// ClassificationAveraging: how a classification plugin combines the class probabilities of
// several models into an ensemble's (the plain mean per class, which stays a distribution).
// A plugin opts in by returning it from `TaskPlugin.average`. Not here: loading the models
// (Ensemble).

extension Classification {
    /// The mean of several models' class probabilities, example by example and class by class.
    ///
    /// `outputs[m][i][c]` is model `m`'s probability of class `c` for example `i`; the result's
    /// `[i][c]` is the mean over `m`. Every model must give the same number of examples and
    /// classes (a programmer error otherwise; the core checks the models' labels first).
    /// - Returns: the averaged probabilities, or `nil` for no models.
    public static func averageProbabilities(_ outputs: [[[Float]]]) -> [[Float]]? {
        guard let first = outputs.first else { return nil }
        for (model, output) in outputs.enumerated() {
            precondition(output.count == first.count, "averageProbabilities: model \(model) has \(output.count) outputs, model 0 has \(first.count)")
            for (example, row) in output.enumerated() {
                precondition(row.count == first[example].count, "averageProbabilities: model \(model), example \(example): \(row.count) classes, model 0 has \(first[example].count)")
            }
        }
        let scale = 1 / Double(outputs.count)
        return first.indices.map { example in
            first[example].indices.map { label in
                Float(outputs.reduce(0.0) { $0 + Double($1[example][label]) } * scale)
            }
        }
    }
}
