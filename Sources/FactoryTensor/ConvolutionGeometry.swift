// Convolution geometry: the small value types that describe a 2-D sliding window (`Size2D`
// for stride/dilation/kernel sizes, `Padding2D` for explicit, possibly asymmetric padding)
// and `ConvolutionGeometry`, which checks an input against them and derives output sizes
// and the ranges of output positions whose window tap lands inside the input.
// It holds no kernels and no tensors; convolution and pooling files share it.

/// A height/width pair: a stride, a dilation or a window size. An integer literal sets both.
public struct Size2D: Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The vertical (row) component.
    public var height: Int
    /// The horizontal (column) component.
    public var width: Int

    /// A pair with separate vertical and horizontal components.
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The same value along both axes.
    public init(_ both: Int) { self.init(height: both, width: both) }

    public init(integerLiteral value: Int) { self.init(value) }

    public var description: String { "(\(height), \(width))" }
}

/// Zero padding around the spatial axes of an NCHW input, given separately for each side.
///
/// PyTorch's `padding=p` is `Padding2D(p)`. TensorFlow's "SAME" padding is asymmetric when
/// the total is odd (the extra row/column goes after); see
/// ``sameAsTensorFlow(height:width:kernel:stride:dilation:)``.
public struct Padding2D: Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// Rows added above the input.
    public var top: Int
    /// Rows added below the input.
    public var bottom: Int
    /// Columns added left of the input.
    public var left: Int
    /// Columns added right of the input.
    public var right: Int

    /// Padding given per side.
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }

    /// The same padding on all four sides.
    public init(_ all: Int) { self.init(top: all, bottom: all, left: all, right: all) }

    public init(integerLiteral value: Int) { self.init(value) }

    /// No padding.
    public static let zero = Padding2D(0)

    /// TensorFlow "SAME" padding: the output has ceil(input / stride) positions per axis and
    /// the padding total is split with the smaller half before (e.g. a 3x3 stride-2 window
    /// on an even input gets 0 before and 1 after).
    /// - Parameters:
    ///   - height: input height.
    ///   - width: input width.
    ///   - kernel: window size.
    ///   - stride: window step.
    ///   - dilation: spacing between window taps.
    public static func sameAsTensorFlow(
        height: Int, width: Int, kernel: Size2D, stride: Size2D = 1, dilation: Size2D = 1
    ) -> Padding2D {
        func split(_ input: Int, _ kernel: Int, _ stride: Int, _ dilation: Int) -> (Int, Int) {
            let output = (input + stride - 1) / stride
            let total = Swift.max((output - 1) * stride + (kernel - 1) * dilation + 1 - input, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = split(height, kernel.height, stride.height, dilation.height)
        let (left, right) = split(width, kernel.width, stride.width, dilation.width)
        return Padding2D(top: top, bottom: bottom, left: left, right: right)
    }

    public var description: String { "(top: \(top), bottom: \(bottom), left: \(left), right: \(right))" }
}

/// The checked geometry of one 2-D sliding-window operation on an NCHW input.
struct ConvolutionGeometry {
    let batch: Int
    let channels: Int
    let height: Int
    let width: Int
    let kernel: Size2D
    let stride: Size2D
    let padding: Padding2D
    let dilation: Size2D
    let outputHeight: Int
    let outputWidth: Int

    /// Checks the input shape and window parameters; preconditions name `operation`.
    init(operation: String, inputShape: [Int], kernel: Size2D, stride: Size2D, padding: Padding2D, dilation: Size2D) {
        precondition(inputShape.count == 4, "\(operation): input must be [N, C, H, W], got \(inputShape)")
        precondition(kernel.height > 0 && kernel.width > 0, "\(operation): kernel \(kernel) must be positive")
        precondition(stride.height > 0 && stride.width > 0, "\(operation): stride \(stride) must be positive")
        precondition(dilation.height > 0 && dilation.width > 0, "\(operation): dilation \(dilation) must be positive")
        precondition(padding.top >= 0 && padding.bottom >= 0 && padding.left >= 0 && padding.right >= 0,
                     "\(operation): negative padding \(padding)")
        batch = inputShape[0]
        channels = inputShape[1]
        height = inputShape[2]
        width = inputShape[3]
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        let spanHeight = (kernel.height - 1) * dilation.height + 1
        let spanWidth = (kernel.width - 1) * dilation.width + 1
        let paddedHeight = height + padding.top + padding.bottom
        let paddedWidth = width + padding.left + padding.right
        precondition(paddedHeight >= spanHeight && paddedWidth >= spanWidth,
                     "\(operation): window \(kernel) (dilation \(dilation)) is larger than the padded input \(paddedHeight)x\(paddedWidth) of \(inputShape)")
        outputHeight = (paddedHeight - spanHeight) / stride.height + 1
        outputWidth = (paddedWidth - spanWidth) / stride.width + 1
    }

    var inputPlane: Int { height * width }
    var outputPlane: Int { outputHeight * outputWidth }
    var kernelArea: Int { kernel.height * kernel.width }

    /// Input row read by output row `outputRow` at kernel row `kernelRow` (may be padding).
    @inline(__always)
    func inputRow(_ outputRow: Int, kernelRow: Int) -> Int {
        outputRow * stride.height + kernelRow * dilation.height - padding.top
    }

    /// Output rows whose tap at `kernelRow` reads a real (unpadded) input row.
    @inline(__always)
    func validOutputRows(kernelRow: Int) -> Range<Int> {
        ConvolutionGeometry.validOutputRange(
            inputSize: height, outputSize: outputHeight, stride: stride.height,
            offset: kernelRow * dilation.height - padding.top)
    }

    /// Output columns whose tap at `kernelColumn` reads a real (unpadded) input column.
    @inline(__always)
    func validOutputColumns(kernelColumn: Int) -> Range<Int> {
        ConvolutionGeometry.validOutputRange(
            inputSize: width, outputSize: outputWidth, stride: stride.width,
            offset: kernelColumn * dilation.width - padding.left)
    }

    /// The outputs `o` in `0..<outputSize` with `0 <= o * stride + offset < inputSize`.
    @inline(__always)
    static func validOutputRange(inputSize: Int, outputSize: Int, stride: Int, offset: Int) -> Range<Int> {
        let lower = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let last = inputSize - 1 - offset
        if last < 0 { return 0..<0 }
        let upper = Swift.min(outputSize, last / stride + 1)
        return Swift.min(lower, upper)..<upper
    }
}
