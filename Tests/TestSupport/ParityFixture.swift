// ParityFixture: one of the shared PyTorch parity files (../shared/fixtures/parity/*.safetensors)
// opened for comparison, with the two error measures its README prescribes: the largest
// absolute difference (outputs) and the largest difference relative to the reference's
// max-abs value (gradients, logits). It compares; the tests choose the tolerances.

import FactoryIO
import FactoryTensor
import Foundation

/// A parity fixture file and the comparisons the tests make against it.
public struct ParityFixture {
    /// The opened safetensors file.
    public let file: SafetensorsFile

    /// Opens `name` (such as `minilm.safetensors`) in the shared parity folder.
    public init(_ name: String) throws {
        file = try SafetensorsFile(contentsOf: TokenizerParity.parityFixturesDirectory.appendingPathComponent(name))
    }

    /// A float tensor of the fixture.
    public func tensor(_ name: String) throws -> Tensor { try file.tensor(named: name) }

    /// An integer tensor of the fixture, as Ints.
    public func integers(_ name: String) throws -> [Int] { try file.integers(named: name) }

    /// The largest |ours - reference| over all elements; the shapes must be equal.
    public func maximumAbsoluteError(_ ours: Tensor, _ name: String) throws -> Float {
        let reference = try tensor(name)
        guard ours.shape == reference.shape else {
            throw ParityFixtureError("\(name): our shape \(ours.shape) differs from the fixture's \(reference.shape)")
        }
        return TestData.maximumDifference(ours.scalars, reference.scalars)
    }

    /// The largest |ours - reference| divided by the reference's largest |value|.
    public func maximumRelativeError(_ ours: Tensor, _ name: String) throws -> Float {
        let reference = try tensor(name)
        let scale = reference.scalars.reduce(0) { Swift.max($0, Swift.abs($1)) }
        guard scale > 0 else { throw ParityFixtureError("\(name): the reference is all zeros") }
        return try maximumAbsoluteError(ours, name) / scale
    }
}
