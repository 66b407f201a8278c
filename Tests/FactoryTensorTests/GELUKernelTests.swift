// Tensor.gelu on contiguous input runs GELUKernel (the erf GELU as one vector loop): it
// equals x·Φ(x) from Foundation's double-precision erf across the whole float range that
// matters, agrees with the generic GELUOperator path (a strided view), handles
// lengths that are not a multiple of 8 and keeps NaN.

import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite struct GELUKernelTests {
    @Test(arguments: [1, 7, 8, 13, 4001])
    func equalsDoublePrecisionReference(count: Int) {
        let values = (0..<count).map { Float(-9 + 18 * Double($0) / Double(Swift.max(count - 1, 1))) }
        let output = Tensor(values).gelu().scalars
        var worst = 0.0
        for (x, y) in zip(values, output) {
            let reference = Double(x) * 0.5 * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))
            worst = Swift.max(worst, Swift.abs(Double(y) - reference) / Swift.max(1, Swift.abs(reference)))
        }
        // erf within 4e-7 (VectorMath's bound) times |x|/2, plus float32 rounding of the product.
        #expect(worst < 1e-6, "worst error \(worst)")
    }

    @Test func equalsTheGenericOperatorPath() {
        let x = TestData.uniform([64, 37], in: -6...6, seed: 3)
        let fast = x.gelu().scalars
        // A transposed view is not contiguous, so it goes through mapElements(GELUOperator).
        let generic = x.transposed().gelu().transposed().contiguous().scalars
        // The same operations in the same order; the tolerance only allows for compiler contraction.
        #expect(TestData.maximumDifference(fast, generic) <= 2e-6)
    }

    @Test func keepsNaN() {
        let output = Tensor([0, .nan, 1, 2, 3, 4, 5, 6, .nan]).gelu().scalars
        #expect(output[1].isNaN && output[8].isNaN)
        #expect(output[0] == 0)
    }
}
