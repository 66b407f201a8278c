// Optimizer workloads: one AdamW step over parameters shaped like MiniLM-L6 (22.7 M floats),
// the update every fine-tuning step of the MiniLM workloads pays. Memory-bound: it reads
// weights, gradients and two moments and writes three of them back.

import FactoryNN
import Foundation

enum OptimizerWorkloads {
    /// Shapes of MiniLM-L6 (hidden 384, intermediate 1536, 6 layers, vocabulary 30522).
    static func miniLMShapes() -> [[Int]] {
        var shapes: [[Int]] = [[30522, 384], [512, 384], [2, 384], [384], [384]]
        for _ in 0..<6 {
            for _ in 0..<4 { shapes += [[384, 384], [384]] }
            shapes += [[384], [384], [1536, 384], [1536], [384, 1536], [384], [384], [384]]
        }
        shapes += [[384, 384], [384]]
        return shapes
    }

    static let adamWMiniLM = BenchmarkWorkload(
        name: "adamw-step-minilm", summary: "one AdamW step over MiniLM-L6-shaped parameters (22.7 M floats); memory-bound"
    ) {
        var generator = SeededGenerator(seed: 11)
        let parameters = miniLMShapes().map { shape -> Tensor in
            let parameter = Tensor.uniform(shape, in: -0.05...0.05, using: &generator)
            parameter.requiresGradient = true
            parameter.gradient = Tensor.uniform(shape, in: -0.001...0.001, using: &generator)
            return parameter
        }
        let count = parameters.reduce(0) { $0 + $1.count }
        let optimizer = AdamW(parameters: parameters, learningRate: 2e-5)
        optimizer.step()  // allocates the moment buffers outside the timed rounds
        return PreparedWorkload(samplesPerRound: 1, round: { optimizer.step() }) { seconds in
            // Bytes moved per step: read p, g, m, v; write p, m, v.
            [("milliseconds", seconds * 1e3), ("gb_per_s", Double(count * 4 * 7) / seconds / 1e9)]
        }
    }
}
