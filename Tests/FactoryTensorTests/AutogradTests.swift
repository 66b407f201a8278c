// Tests of the autodiff engine itself: accumulation, no-grad scopes, broadcast reduction,
// shared subexpressions, and deep graphs.

import FactoryTensor
import Foundation
import TestSupport
import Testing

@Suite struct AutogradTests {
    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor([1, 2, 3])
        x.requiresGradient = true
        (x * x).sum().backward()
        (x * 3).sum().backward()
        // d/dx (x^2) = 2x, plus 3 from the second call.
        #expect(x.gradient?.scalars == [5, 7, 9])
        x.zeroGradient()
        #expect(x.gradient == nil)
    }

    @Test func leafGradientsNeverShareStorage() {
        // Addition hands the same gradient tensor to both operands; a seed given to a leaf
        // is the caller's. Each leaf's gradient must be its own buffer.
        let x = Tensor([1, 2, 3]), y = Tensor([4, 5, 6])
        x.requiresGradient = true
        y.requiresGradient = true
        let seed = Tensor([1, 1, 1])
        (x + y).backward(seed)
        #expect(x.gradient!.storage !== y.gradient!.storage)
        #expect(x.gradient!.storage !== seed.storage && y.gradient!.storage !== seed.storage)
        #expect(x.gradient!.scalars == [1, 1, 1] && y.gradient!.scalars == [1, 1, 1])
        let leaf = Tensor([2, 3])
        leaf.requiresGradient = true
        let leafSeed = Tensor([7, 8])
        leaf.backward(leafSeed)
        #expect(leaf.gradient!.storage !== leafSeed.storage && leaf.gradient!.scalars == [7, 8])
    }

    @Test func freshDenseGradientIsKeptWithoutACopyAndStillAccumulates() {
        // An embedding table's gradient is a fresh dense kernel output that nothing else
        // holds: it becomes the leaf's gradient as it is, and later backward calls add to it.
        let table = TestData.uniform([5, 3], seed: 1)
        table.requiresGradient = true
        Tensor.embedding(table, indices: [1, 3, 1]).sum().backward()
        #expect(table.gradient!.scalars == [0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1, 0, 0, 0])
        Tensor.embedding(table, indices: [4]).sum().backward()
        #expect(table.gradient!.scalars == [0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    }

    @Test func noGradientScopeRecordsNothing() {
        let x = Tensor([1, 2])
        x.requiresGradient = true
        let y = withoutGradients { x * 2 }
        #expect(!y.requiresGradient)
        #expect(y.isLeaf)
        let z = x * 2
        #expect(z.requiresGradient)
    }

    @Test func broadcastGradientIsSummedToInputShape() {
        let matrix = TestData.uniform([3, 4], seed: 1)
        let row = TestData.uniform([4], seed: 2)
        let column = TestData.uniform([3, 1], seed: 3)
        for tensor in [matrix, row, column] { tensor.requiresGradient = true }
        (matrix + row + column).sum().backward()
        #expect(row.gradient?.shape == [4])
        #expect(row.gradient?.scalars == [3, 3, 3, 3])
        #expect(column.gradient?.shape == [3, 1])
        #expect(column.gradient?.scalars == [4, 4, 4])
        #expect(matrix.gradient?.scalars == [Float](repeating: 1, count: 12))
    }

    @Test func sharedSubexpressionReceivesBothContributions() {
        let x = Tensor([2])
        x.requiresGradient = true
        let y = x * x          // used twice below
        (y * y + y).sum().backward()
        // f = x^4 + x^2, f' = 4x^3 + 2x = 32 + 4 at x = 2.
        #expect(x.gradient?.scalars == [36])
    }

    @Test func deepChainDoesNotOverflowTheStack() {
        let x = Tensor([1])
        x.requiresGradient = true
        var y = x
        for _ in 0..<20_000 { y = y * 1.0001 }
        y.sum().backward()
        let expected = Float(pow(1.0001, 20_000.0))
        #expect(Swift.abs(x.gradient!.item - expected) / expected < 1e-3)
    }

    @Test func inputsWithoutGradientGetNone() {
        let x = Tensor([1, 2]), w = Tensor([3, 4])
        w.requiresGradient = true
        (x * w).sum().backward()
        #expect(x.gradient == nil)
        #expect(w.gradient?.scalars == [1, 2])
    }

    @Test func recordedResultsAreFreedWhenTheCallerDropsThem() {
        // A backward closure that captured its own result would keep the graph alive forever.
        let operations: [(String, (Tensor) -> Tensor)] = [
            ("exp", { $0.exp() }), ("sqrt", { $0.squareRoot() }), ("rsqrt", { $0.reciprocalSquareRoot() }),
            ("pow", { $0.pow(Tensor(scalar: 1.5)) }), ("clamp", { $0.clamped(min: 0.2, max: 0.8) }),
            ("tanh", { $0.tanh() }), ("sigmoid", { $0.sigmoid() }), ("gelu", { $0.gelu() }),
            ("softmax", { $0.softmax(axis: -1) }), ("logSoftmax", { $0.logSoftmax(axis: -1) }),
            ("layerNorm", { $0.layerNorm(normalizedShape: [4]) }),
            ("lstmCell", { Tensor.lstmCell(gates: $0.reshaped([1, 8]), cellState: $0.sliced(axis: 0, 0..<1).sliced(axis: 1, 0..<2)).hidden }),
            ("sum", { $0.sum() }), ("max", { $0.max(axis: 1).values }), ("matmul", { $0.matmul($0.transposed()) }),
        ]
        for (name, operation) in operations {
            let x = TestData.uniform([2, 4], in: 0.1...0.9, seed: 5)
            x.requiresGradient = true
            weak var weakResult: Tensor?
            do {
                let result = operation(x)
                weakResult = result
                #expect(result.requiresGradient, "\(name)")
            }
            #expect(weakResult == nil, "\(name): the result outlived its last reference")
        }
    }
}
