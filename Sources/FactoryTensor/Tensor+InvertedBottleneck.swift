// The inverted-bottleneck block of MobileNetV2 / EfficientNet-Lite at inference, as one op:
// [expand 1x1 conv + bias + clamp] → depthwise kxk conv + bias + clamp → project 1x1 conv +
// bias [+ the block's input], with the batch norms already folded into weights and biases.
// Run as three separate convolutions over the whole batch, the expanded tensor (the block's
// largest, 6x its input) is written to memory by the expansion and read back by the
// depthwise kernel, and the depthwise output likewise; both are memory-bound at the large
// early planes. Here the block runs image by image (whole images per thread when they
// split evenly) and the expanded channels in slices sized for L2: each slice is expanded
// into a scratch, filtered by the depthwise kernel into a per-image buffer, and the
// projection reads that buffer while it is cached. With several slices, the image's
// input is packed for the fused 1x1 kernel once, not once per slice.
// Every element goes through the same kernels (ConvolutionKernels, DepthwiseConvolution-
// Kernels) with the same summation order as the separate convolutions.
// Records no gradients: inference only. Not here: training (batch statistics, gradients),
// squeeze-excitation, other activations than a clamp.

extension Tensor {
    /// One inverted-bottleneck block of this `[N, C, H, W]` tensor at inference, with batch
    /// norms folded into the convolutions:
    ///
    /// `e = clamp(conv1x1(x, expandWeight) + expandBias)` (or `e = x` without expansion),
    /// `d = clamp(depthwiseConv2d(e, depthwiseWeight, stride, padding) + depthwiseBias)`,
    /// `y = conv1x1(d, projectWeight) + projectBias`, plus `x` when `addsInput`.
    ///
    /// Equal to those convolutions run one after another (same kernels per element), but the
    /// expanded and depthwise tensors stay in cache. No gradient is recorded: use it only
    /// where none is needed.
    /// - Parameters:
    ///   - expandWeight: `[E, C, 1, 1]`, or `nil` for no expansion (then E = C).
    ///   - expandBias: `[E]`; required with `expandWeight`.
    ///   - depthwiseWeight: `[E, 1, kH, kW]`.
    ///   - depthwiseBias: `[E]`.
    ///   - stride: the depthwise window step.
    ///   - padding: the depthwise zero padding (may be asymmetric).
    ///   - projectWeight: `[O, E, 1, 1]`.
    ///   - projectBias: `[O]`.
    ///   - activationRange: the clamp after the expansion and after the depthwise
    ///     convolution (`0...6` is ReLU6), or `nil` for none.
    ///   - addsInput: add this tensor to the result (needs O == C and an unchanged plane).
    /// - Returns: `[N, O, OH, OW]`.
    public func invertedBottleneckInference(
        expandWeight: Tensor?, expandBias: Tensor?, depthwiseWeight: Tensor, depthwiseBias: Tensor,
        stride: Size2D, padding: Padding2D, projectWeight: Tensor, projectBias: Tensor,
        activationRange: ClosedRange<Float>?, addsInput: Bool
    ) -> Tensor {
        precondition(rank == 4, "invertedBottleneckInference: input must be [N, C, H, W], got \(shape)")
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let inner = expandWeight?.shape[0] ?? channels
        if let expandWeight {
            precondition(expandWeight.shape == [inner, channels, 1, 1] && expandBias?.shape == [inner],
                         "invertedBottleneckInference: expand weight \(expandWeight.shape) / bias \(expandBias?.shape ?? []) do not fit input \(shape)")
        }
        precondition(depthwiseWeight.rank == 4 && depthwiseWeight.shape[0] == inner && depthwiseWeight.shape[1] == 1
                     && depthwiseBias.shape == [inner],
                     "invertedBottleneckInference: depthwise weight \(depthwiseWeight.shape) / bias \(depthwiseBias.shape) need \(inner) channels")
        let outputChannels = projectWeight.shape[0]
        precondition(projectWeight.shape == [outputChannels, inner, 1, 1] && projectBias.shape == [outputChannels],
                     "invertedBottleneckInference: project weight \(projectWeight.shape) / bias \(projectBias.shape) do not take \(inner) channels")
        let kernel = Size2D(height: depthwiseWeight.shape[2], width: depthwiseWeight.shape[3])
        let whole = ConvolutionGeometry(
            operation: "invertedBottleneckInference", inputShape: [1, inner, height, width],
            kernel: kernel, stride: stride, padding: padding, dilation: 1)
        precondition(!addsInput || (outputChannels == channels && whole.outputHeight == height && whole.outputWidth == width),
                     "invertedBottleneckInference: adding the input needs an output of its shape \(shape), got [\(batch), \(outputChannels), \(whole.outputHeight), \(whole.outputWidth)]")

        return withoutGradients {
            let x = contiguous()
            let ew = expandWeight?.contiguous(), eb = expandBias?.contiguous()
            let dw = depthwiseWeight.contiguous(), db = depthwiseBias.contiguous()
            let pw = projectWeight.contiguous(), pb = projectBias.contiguous()
            let result = Tensor.uninitialized([batch, outputChannels, whole.outputHeight, whole.outputWidth])
            func address(_ tensor: Tensor) -> UnsafePointer<Float> { UnsafePointer(tensor.storage.pointer + tensor.offset) }
            InvertedBottleneckKernels.forward(
                batch: batch, channels: channels, height: height, width: width, inner: inner,
                input: address(x), expandWeight: ew.map(address), expandBias: eb.map(address),
                depthwise: whole, depthwiseWeight: address(dw), depthwiseBias: address(db),
                outputChannels: outputChannels, projectWeight: address(pw), projectBias: address(pb),
                activationRange: activationRange, addsInput: addsInput, output: result.storage.pointer)
            return result
        }
    }
}

/// The driver of ``Tensor/invertedBottleneckInference(expandWeight:expandBias:depthwiseWeight:depthwiseBias:stride:padding:projectWeight:projectBias:activationRange:addsInput:)``:
/// images on threads (each thread its own images and scratch) or, when they do not split
/// evenly, one after another with each kernel call threading inside; expanded channels in slices.
enum InvertedBottleneckKernels {
    /// Floats of one expanded slice (the scratch the expansion writes and the depthwise
    /// kernel reads): 512 KiB, so it stays in L2 between the two.
    static let sliceBudget = 128 * 1024

    /// Channels per slice for `inner` expanded channels of `plane` floats: as many as fit
    /// the budget, evened out over the slices and rounded up to whole 6-row tiles of the
    /// fused 1x1 kernel.
    static func sliceChannels(inner: Int, plane: Int) -> Int {
        let fitting = Swift.max(6, sliceBudget / Swift.max(plane, 1))
        let slices = (inner + fitting - 1) / fitting
        let even = (inner + slices - 1) / slices
        return Swift.min(inner, (even + 5) / 6 * 6)
    }

    static func forward(
        batch: Int, channels: Int, height: Int, width: Int, inner: Int,
        input: UnsafePointer<Float>, expandWeight: UnsafePointer<Float>?, expandBias: UnsafePointer<Float>?,
        depthwise whole: ConvolutionGeometry, depthwiseWeight: UnsafePointer<Float>, depthwiseBias: UnsafePointer<Float>,
        outputChannels: Int, projectWeight: UnsafePointer<Float>, projectBias: UnsafePointer<Float>,
        activationRange: ClosedRange<Float>?, addsInput: Bool, output: UnsafeMutablePointer<Float>
    ) {
        let plane = height * width, outputPlane = whole.outputPlane
        let slice = expandWeight == nil ? inner : sliceChannels(inner: inner, plane: plane)
        func pointwise(_ channels: Int, _ plane: (height: Int, width: Int), outputChannels: Int) -> ConvolutionKernels.Problem {
            ConvolutionKernels.Problem(
                geometry: ConvolutionGeometry(
                    operation: "invertedBottleneckInference", inputShape: [1, channels, plane.height, plane.width],
                    kernel: 1, stride: 1, padding: .zero, dilation: 1),
                outputChannels: outputChannels, groups: 1)
        }
        let kernelArea = whole.kernelArea
        let pointers = UncheckedSendable((input, expandWeight, expandBias, depthwiseWeight, depthwiseBias, projectWeight, projectBias, output))
        // Whole images per thread when they split evenly (or nearly: many images), each
        // thread with its own scratch in its own core's cache; else one image at a time with
        // the kernels threading inside.
        let threads = Parallel.threadCount
        let imagesPerThread = batch % threads == 0 || batch >= 4 * threads
        // With several slices through the fused 1x1 kernel, the image's input is packed
        // once for all of them (FusedGEMMKernels+PackedInput.swift: the same sums).
        let packsInputOnce = expandWeight != nil && slice < inner
            && FusedGEMMKernels.isPreferred(outputChannels: slice, depth: channels, columns: plane)
        let body: (Range<Int>) -> Void = { images in
            let (input, expandWeight, expandBias, depthwiseWeight, depthwiseBias, projectWeight, projectBias, output) = pointers.value
            let expanded = expandWeight == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: slice * plane)
            let filtered = UnsafeMutablePointer<Float>.allocate(capacity: inner * outputPlane)
            let packedInput = packsInputOnce
                ? UnsafeMutablePointer<Float>.allocate(capacity: FusedGEMMKernels.packedInputCount(depth: channels, columns: plane)) : nil
            defer {
                expanded?.deallocate()
                filtered.deallocate()
                packedInput?.deallocate()
            }
            for image in images {
                let source = input + image * channels * plane
                if let packedInput {
                    FusedGEMMKernels.packInput(depth: channels, columns: plane, input: source, into: packedInput)
                }
                var first = 0
                while first < inner {
                    let count = Swift.min(slice, inner - first)
                    let depthwiseInput: UnsafePointer<Float>
                    if let expandWeight, let expandBias, let expanded, let packedInput {
                        FusedGEMMKernels.forwardPacked(
                            outputChannels: count, depth: channels, columns: plane, packedInput: packedInput,
                            weight: expandWeight + first * channels, bias: expandBias + first,
                            output: expanded, outputRange: activationRange)
                        depthwiseInput = UnsafePointer(expanded)
                    } else if let expandWeight, let expandBias, let expanded {
                        ConvolutionKernels.forward(
                            problem: pointwise(channels, (height, width), outputChannels: count), input: source,
                            weight: expandWeight + first * channels, bias: expandBias + first,
                            output: expanded, outputRange: activationRange)
                        depthwiseInput = UnsafePointer(expanded)
                    } else {
                        depthwiseInput = source + first * plane
                    }
                    let geometry = ConvolutionGeometry(
                        operation: "invertedBottleneckInference", inputShape: [1, count, height, width],
                        kernel: whole.kernel, stride: whole.stride, padding: whole.padding, dilation: whole.dilation)
                    DepthwiseConvolutionKernels.forward(
                        geometry: geometry, input: depthwiseInput, weight: depthwiseWeight + first * kernelArea,
                        bias: depthwiseBias + first, output: filtered + first * outputPlane, outputRange: activationRange)
                    first += count
                }
                let target = output + image * outputChannels * outputPlane
                ConvolutionKernels.forward(
                    problem: pointwise(inner, (whole.outputHeight, whole.outputWidth), outputChannels: outputChannels),
                    input: filtered, weight: projectWeight, bias: projectBias, output: target, outputRange: nil)
                if addsInput {
                    let pointers = UncheckedSendable((source, target))
                    Parallel.forEachRange(outputChannels, costPerItem: outputPlane) { range in
                        let (source, target) = pointers.value
                        let start = range.lowerBound * outputPlane
                        VectorKernels.add(source + start, into: target + start, count: range.count * outputPlane)
                    }
                }
            }
        }
        if imagesPerThread {
            Parallel.forEachRangeRunningNestedWorkSerially(batch, costPerItem: inner * (plane + outputPlane) * kernelArea, body)
        } else {
            body(0..<batch)
        }
    }
}
