// ImageClassificationAnswer: the answer `factory predict` gives for one image — the most
// probable class, the k most probable classes with their probabilities (most probable
// first), and every class's probability. Not here: computing probabilities (the model).

import FactoryKit

enum ImageClassificationAnswer {
    /// Class indices by falling probability (ties: the lower index first), at most `k`.
    static func topClasses(_ probabilities: [Float], k: Int) -> [Int] {
        Array(probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
            .prefix(Swift.max(k, 1)))
    }

    /// The answer for one image's probabilities.
    static func prediction(probabilities: [Float], topK: Int, input: String, labelNames: [String]) -> TaskPrediction {
        func name(_ index: Int) -> String { labelNames.indices.contains(index) ? labelNames[index] : String(index) }
        let top = topClasses(probabilities, k: topK)
        let best = top.first ?? 0
        let ranked = JSONValue.array(top.map { index in
            .object(JSONObject(members: [(key: "label", value: .string(name(index))), (key: "probability", value: .double(Double(probabilities[index])))]))
        })
        let all = JSONValue.object(JSONObject(members: probabilities.indices.map { (key: name($0), value: .double(Double(probabilities[$0]))) }))
        let summary = top.map { String(format: "%@ (%.2f)", name($0), probabilities[$0]) }.joined(separator: ", ")
        return TaskPrediction(input: input, summary: summary, fields: [
            "label": .string(name(best)), "probability": .double(Double(probabilities.isEmpty ? 0 : probabilities[best])),
            "top_k": ranked, "probabilities": all,
        ])
    }
}
