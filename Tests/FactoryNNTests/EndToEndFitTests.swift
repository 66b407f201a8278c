// End to end: fit y = 3x + 1 with a linear model written directly with tensors (leaves w
// and b), mean-squared error, backward, gradient clipping, AdamW and a warm-up + linear
// decay schedule. Checks that training drives the loss under a stated threshold.

import FactoryNN
import Testing

@Suite struct EndToEndFitTests {
    @Test func adamWFitsALine() {
        // 32 points on [−1, 1]; w and b start at 0 (initial loss = mean((3x + 1)²) ≈ 4.1).
        let count = 32
        let xs = (0..<count).map { -1 + 2 * Float($0) / Float(count - 1) }
        let x = Tensor(xs, shape: [count, 1])
        let y = Tensor(xs.map { 3 * $0 + 1 }, shape: [count, 1])
        let weight = Tensor.zeros([1, 1]), bias = Tensor.zeros([1])
        weight.requiresGradient = true
        bias.requiresGradient = true

        let steps = 300
        let optimizer = AdamW(groups: [
            ParameterGroup(parameters: [weight], learningRate: 0.1, weightDecay: 0, name: "weight"),
            ParameterGroup(parameters: [bias], learningRate: 0.1, weightDecay: 0, name: "bias"),
        ])
        let schedule = LinearWarmupDecay(warmupSteps: 10, totalSteps: steps)
        var firstLoss: Float = 0, lastLoss: Float = 0
        for step in 0..<steps {
            optimizer.applySchedule(schedule, step: step)
            optimizer.zeroGradients()
            let prediction = x.matmul(weight) + bias
            let loss = Tensor.meanSquaredError(prediction: prediction, target: y)
            loss.backward()
            clipGradientNorm([weight, bias], maxNorm: 10)
            optimizer.step()
            if step == 0 { firstLoss = loss.item }
            lastLoss = loss.item
        }
        // Threshold: 1e-4 (the line is exactly representable; Adam with a decaying rate
        // settles well below it). w → 3, b → 1 within 0.01.
        #expect(firstLoss > 4)
        #expect(lastLoss < 1e-4, "loss after \(steps) steps: \(lastLoss)")
        #expect(abs(weight.item - 3) < 0.01 && abs(bias.item - 1) < 0.01, "w \(weight.item), b \(bias.item)")
    }
}
