// Timing of one AdamW step over MiniLM-sized parameters (about 22.7 M floats, shaped like
// all-MiniLM-L6-v2). Runs only when FACTORY_BENCH is set, since it allocates ~360 MB and
// measures rather than checks; prints the median of several steps.

import FactoryNN
import Foundation
import Testing

@Suite struct OptimizerTimingTests {
    /// Shapes of MiniLM-L6 (hidden 384, intermediate 1536, 6 layers, vocabulary 30522).
    private static func miniLMShapes() -> [[Int]] {
        var shapes: [[Int]] = [[30522, 384], [512, 384], [2, 384], [384], [384]]
        for _ in 0..<6 {
            for _ in 0..<4 { shapes += [[384, 384], [384]] }
            shapes += [[384], [384], [1536, 384], [1536], [384, 1536], [384], [384], [384]]
        }
        shapes += [[384, 384], [384]]
        return shapes
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["FACTORY_BENCH"] != nil))
    func adamWStepOnMiniLMSizedParameters() {
        let parameters = Self.miniLMShapes().map { shape -> Tensor in
            let parameter = Tensor(repeating: 0.01, shape: shape)
            parameter.requiresGradient = true
            parameter.gradient = Tensor(repeating: 0.001, shape: shape)
            return parameter
        }
        let total = parameters.reduce(0) { $0 + $1.count }
        let optimizer = AdamW(parameters: parameters, learningRate: 1e-4)
        optimizer.step()  // first step allocates the moment buffers
        var times: [Double] = []
        for _ in 0..<10 {
            let start = DispatchTime.now().uptimeNanoseconds
            optimizer.step()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let clipStart = DispatchTime.now().uptimeNanoseconds
        clipGradientNorm(parameters, maxNorm: 1)
        let clipTime = Double(DispatchTime.now().uptimeNanoseconds - clipStart) / 1e6
        times.sort()
        print("AdamW step over \(total) parameters (\(parameters.count) tensors, \(Parallel.threadCount) threads): median \(times[times.count / 2]) ms, min \(times[0]) ms; clipGradientNorm \(clipTime) ms")
        #expect(parameters[0].scalars[0] < 0.01)
    }
}
