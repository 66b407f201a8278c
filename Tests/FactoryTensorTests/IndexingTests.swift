// Tests of integer indexing (embedding, indexSelect, gather) and of joining and cutting
// along an axis (concatenate, stack, split): values against hand-written loops or
// literals, gradients against finite differences.

import FactoryTensor
import TestSupport
import Testing

/// These ops are linear in their input, so central differences are exact up to Float32
/// rounding of the objective (~1e-6 of its size over a 2e-2 step); 1e-3 leaves headroom.
private let linearOperationTolerance = 1e-3

@Suite struct IndexingTests {
    // MARK: Embedding

    @Test func embeddingLooksUpRowsInIndexShape() {
        let weight = Tensor((0..<12).map(Float.init), shape: [4, 3])
        let result = Tensor.embedding(weight, indices: [2, 0, 2, 3], shape: [2, 2])
        #expect(result.shape == [2, 2, 3])
        #expect(result.scalars == [6, 7, 8, 0, 1, 2, 6, 7, 8, 9, 10, 11])
        #expect(Tensor.embedding(weight, indices: [1]).shape == [1, 3])
    }

    @Test func embeddingGradientCountsRepeatedIndices() {
        let weight = TestData.uniform([5, 4], seed: 1)
        weight.requiresGradient = true
        Tensor.embedding(weight, indices: [1, 3, 1, 1, 0, 4], shape: [2, 3]).sum().backward()
        // d sum / d weight[v, :] = number of times v occurs: 0 once, 1 three times, 2 never,
        // 3 once, 4 once.
        let expectedCounts: [Float] = [1, 3, 0, 1, 1]
        #expect(weight.gradient?.shape == [5, 4])
        #expect(weight.gradient?.scalars == expectedCounts.flatMap { [Float](repeating: $0, count: 4) })
    }

    @Test func embeddingGradientOnWideTableMatchesCounts() {
        // Wide enough (D = 1024, many lookups) to take the threaded column-split path.
        let weight = TestData.uniform([7, 1024], seed: 2)
        weight.requiresGradient = true
        let indices = (0..<64).map { ($0 * 5) % 7 }
        Tensor.embedding(weight, indices: indices, shape: [8, 8]).sum().backward()
        let gradient = weight.gradient!
        for row in 0..<7 {
            let occurrences = Float(indices.filter { $0 == row }.count)
            #expect(gradient[row, 0] == occurrences && gradient[row, 1023] == occurrences && gradient[row, 517] == occurrences)
        }
    }

    @Test func embeddingRejectsOutOfRangeIndex() async {
        // A precondition trap. (Release builds do not print precondition messages, so the
        // message naming the index and V is not checked here.)
        await #expect(processExitsWith: .failure) {
            _ = Tensor.embedding(Tensor.zeros([3, 2]), indices: [0, 3])
        }
        await #expect(processExitsWith: .success) {
            _ = Tensor.embedding(Tensor.zeros([3, 2]), indices: [0, 2])
        }
    }

    @Test func embeddingGradientMatchesFiniteDifferences() {
        let weight = TestData.uniform([5, 4], seed: 3)
        let report = GradientCheck.run([weight]) { inputs in
            Tensor.embedding(inputs[0], indices: [1, 3, 1, 1, 0, 4], shape: [2, 3])
        }
        #expect(report.relativeError < linearOperationTolerance, "\(report)")
    }

    // MARK: Index select

    @Test(arguments: [0, 1, 2, -1])
    func indexSelectPicksSlicesAlongAxis(axis: Int) {
        let input = TestData.uniform([3, 4, 5], seed: 4)
        let resolved = (axis + 3) % 3
        let indices = [2, 0, 2]
        let result = input.indexSelect(axis: axis, indices: indices)
        var expectedShape = input.shape
        expectedShape[resolved] = 3
        #expect(result.shape == expectedShape)
        var expected: [Float] = []
        for a in 0..<expectedShape[0] {
            for b in 0..<expectedShape[1] {
                for c in 0..<expectedShape[2] {
                    var coordinates = [a, b, c]
                    coordinates[resolved] = indices[coordinates[resolved]]
                    expected.append(input[coordinates[0], coordinates[1], coordinates[2]])
                }
            }
        }
        #expect(result.scalars == expected)
    }

    @Test(arguments: [0, 1, 2])
    func indexSelectGradientMatchesFiniteDifferences(axis: Int) {
        let input = TestData.uniform([3, 4, 5], seed: 5)
        let report = GradientCheck.run([input]) { inputs in
            inputs[0].transposed(0, 2).indexSelect(axis: axis, indices: [1, 0, 1, 2])
        }
        #expect(report.relativeError < linearOperationTolerance, "\(report)")
    }

    // MARK: Gather

    /// torch.gather by its definition, one element at a time.
    private func naiveGather(_ input: Tensor, axis: Int, indices: [Int], shape: [Int]) -> [Float] {
        var result: [Float] = []
        for flat in 0..<indices.count {
            var remainder = flat
            var coordinates = [Int](repeating: 0, count: shape.count)
            for dimension in stride(from: shape.count - 1, through: 0, by: -1) {
                coordinates[dimension] = remainder % shape[dimension]
                remainder /= shape[dimension]
            }
            coordinates[axis] = indices[flat]
            var value: Float = 0
            switch coordinates.count {
            case 2: value = input[coordinates[0], coordinates[1]]
            default: value = input[coordinates[0], coordinates[1], coordinates[2]]
            }
            result.append(value)
        }
        return result
    }

    @Test func gatherPicksOnePerRowLikeTorch() {
        // torch.gather(x, 1, [[2], [0]]) on [[0, 1, 2], [3, 4, 5]] is [[2], [3]].
        let input = Tensor([0, 1, 2, 3, 4, 5], shape: [2, 3])
        let result = input.gather(axis: 1, indices: [2, 0], shape: [2, 1])
        #expect(result.shape == [2, 1])
        #expect(result.scalars == [2, 3])
    }

    @Test func gatherMatchesDefinitionOnEveryAxis() {
        let matrix = TestData.uniform([3, 4], seed: 6)
        let rows = [2, 0, 1, 1, 0, 0, 2, 2]
        #expect(matrix.gather(axis: 0, indices: rows, shape: [2, 4]).scalars == naiveGather(matrix, axis: 0, indices: rows, shape: [2, 4]))
        let columns = [3, 3, 0, 1, 2, 1]
        #expect(matrix.gather(axis: 1, indices: columns, shape: [3, 2]).scalars == naiveGather(matrix, axis: 1, indices: columns, shape: [3, 2]))
        let cube = TestData.uniform([2, 3, 4], seed: 7)
        let middle = [0, 2, 1, 1, 2, 0, 2, 2, 2, 0, 1, 0]
        #expect(cube.gather(axis: 1, indices: middle, shape: [2, 2, 3]).scalars == naiveGather(cube, axis: 1, indices: middle, shape: [2, 2, 3]))
    }

    @Test func gatherGradientMatchesFiniteDifferences() {
        let cube = TestData.uniform([2, 3, 4], seed: 8)
        let middle = [0, 2, 1, 1, 2, 0, 2, 2, 2, 0, 1, 0]   // repeats: scatter-add must accumulate
        let first = [1, 1, 0, 1, 0, 0]
        let report = GradientCheck.run([cube]) { inputs in
            let alongMiddle = inputs[0].gather(axis: 1, indices: middle, shape: [2, 2, 3])
            let alongFirst = inputs[0].gather(axis: 0, indices: first, shape: [2, 1, 3])
            return Tensor.concatenate([alongMiddle, alongFirst], axis: 1)
        }
        #expect(report.relativeError < linearOperationTolerance, "\(report)")
    }

    @Test func gatherGradientAccumulatesRepeats() {
        let input = Tensor([1, 2, 3], shape: [1, 3])
        input.requiresGradient = true
        input.gather(axis: 1, indices: [2, 2, 0, 2], shape: [1, 4]).sum().backward()
        // Column 2 is read three times, column 0 once, column 1 never.
        #expect(input.gradient?.scalars == [1, 0, 3])
    }

    // MARK: Concatenate, stack, split

    @Test func concatenateJoinsViewsAlongAxis() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2])
        let b = Tensor([5, 6, 7, 8, 9, 10], shape: [3, 2]).transposed()   // [[5, 7, 9], [6, 8, 10]]
        let c = Tensor([0, -1], shape: [2, 1])
        let joined = Tensor.concatenate([a, b, c], axis: -1)
        #expect(joined.shape == [2, 6])
        #expect(joined.scalars == [1, 2, 5, 7, 9, 0, 3, 4, 6, 8, 10, -1])
        let rows = Tensor.concatenate([a, c.transposed()], axis: 0)
        #expect(rows.scalars == [1, 2, 3, 4, 0, -1])
    }

    @Test func concatenateGradientMatchesFiniteDifferences() {
        let a = TestData.uniform([2, 3], seed: 9)
        let b = TestData.uniform([4, 2], seed: 10)   // used transposed: a non-contiguous input
        let c = TestData.uniform([2, 1], seed: 11)
        let report = GradientCheck.run([a, b, c]) { inputs in
            Tensor.concatenate([inputs[0], inputs[1].transposed(), inputs[2], inputs[0]], axis: 1)
        }
        #expect(report.relativeError < linearOperationTolerance, "\(report)")
    }

    @Test func stackAddsAnAxis() {
        let a = Tensor([1, 2, 3]), b = Tensor([4, 5, 6])
        #expect(Tensor.stack([a, b]).shape == [2, 3])
        #expect(Tensor.stack([a, b]).scalars == [1, 2, 3, 4, 5, 6])
        let last = Tensor.stack([a, b], axis: -1)
        #expect(last.shape == [3, 2])
        #expect(last.scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test(arguments: [0, 1, 2])
    func stackGradientMatchesFiniteDifferences(axis: Int) {
        let a = TestData.uniform([2, 3], seed: 12), b = TestData.uniform([3, 2], seed: 13)
        let report = GradientCheck.run([a, b]) { inputs in
            Tensor.stack([inputs[0], inputs[1].transposed(), inputs[0] * inputs[0]], axis: axis)
        }
        #expect(report.relativeError < linearOperationTolerance, "\(report)")
    }

    @Test func splitCutsIntoViews() {
        let input = Tensor((0..<12).map(Float.init), shape: [3, 4])
        let pieces = input.split(axis: 1, sizes: [1, 3, 0])
        #expect(pieces.map(\.shape) == [[3, 1], [3, 3], [3, 0]])
        #expect(pieces[0].scalars == [0, 4, 8])
        #expect(pieces[1].scalars == [1, 2, 3, 5, 6, 7, 9, 10, 11])
        #expect(pieces[1].storage === input.storage)
        let halves = input.split(axis: 1, parts: 2)
        #expect(halves[1].scalars == [2, 3, 6, 7, 10, 11])
        let rows = input.split(axis: 0, parts: 3)
        #expect(rows[2].scalars == [8, 9, 10, 11])
    }

    @Test func splitGradientMatchesFiniteDifferences() {
        let input = TestData.uniform([3, 6], seed: 14)
        let report = GradientCheck.run([input]) { inputs in
            let pieces = inputs[0].split(axis: 1, sizes: [2, 1, 3])
            let thirds = inputs[0].split(axis: 1, parts: 3)
            return Tensor.concatenate([pieces[2], pieces[0] * thirds[1]], axis: 1)
        }
        // Not linear (a product of two pieces), but quadratic: central differences are still
        // exact up to rounding.
        #expect(report.relativeError < linearOperationTolerance, "\(report)")
    }
}
