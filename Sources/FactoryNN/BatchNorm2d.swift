// BatchNorm2d: batch normalisation over the channels of NCHW input, as PyTorch's
// `nn.BatchNorm2d` (affine, tracking running statistics). Parameters `weight`, `bias`;
// buffers `running_mean`, `running_var`, `num_batches_tracked` (a count, stored as a
// Float32 scalar). Training normalises with batch statistics and updates the running
// ones in place; evaluation (`train(false)`) uses the running ones, and so does a layer
// whose running statistics are frozen (`runningStatisticsFrozen`), even in training mode.
// The arithmetic is `Tensor.batchNorm`. Not here: momentum `None` (cumulative average),
// SyncBatchNorm, folding into a preceding convolution.

/// Batch normalisation over axis 1 of `[N, C, H, W]`.
///
/// Keys: `weight`, `bias` (`[C]`, trained) and the buffers `running_mean`, `running_var`
/// (`[C]`) and `num_batches_tracked` (`[]`).
public final class BatchNorm2d: Module, RunningStatisticsLayer {
    /// The per-channel scale, `[C]`.
    public let weight: Tensor
    /// The per-channel shift, `[C]`.
    public let bias: Tensor
    /// The running per-channel mean, `[C]` (a buffer).
    public let runningMean: Tensor
    /// The running per-channel unbiased variance, `[C]` (a buffer).
    public let runningVariance: Tensor
    /// How many training batches have updated the running statistics, `[]` (a buffer).
    public let batchesTracked: Tensor
    /// The weight of each batch in the running update.
    public let momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// When `true`, the layer normalises with its running statistics and leaves them (and
    /// `num_batches_tracked`) unchanged, in training mode too; `weight` and `bias` still
    /// train unless frozen. Common when fine-tuning on small batches. See
    /// ``Module/freezeRunningStatistics(_:keyPrefix:)``.
    public var runningStatisticsFrozen = false

    /// The number of channels C.
    public var channels: Int { weight.shape[0] }

    /// Creates a layer with weight 1, bias 0, running mean 0 and running variance 1.
    /// - Parameters:
    ///   - channels: C, the size of the input's axis 1.
    ///   - momentum: the weight of the batch statistics in the running update.
    ///   - epsilon: added to the variance before the square root.
    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(channels > 0, "BatchNorm2d: channels \(channels) must be positive")
        precondition(momentum >= 0 && momentum <= 1, "BatchNorm2d: momentum \(momentum) is outside [0, 1]")
        weight = Tensor.ones([channels])
        bias = Tensor.zeros([channels])
        weight.requiresGradient = true
        bias.requiresGradient = true
        runningMean = Tensor.zeros([channels])
        runningVariance = Tensor.ones([channels])
        batchesTracked = Tensor(scalar: 0)
        self.momentum = momentum
        self.epsilon = epsilon
        super.init()
    }

    override public var ownParameters: [(key: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    override public var ownBuffers: [(key: String, tensor: Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }

    /// Whether a forward pass now normalises with batch statistics (training mode and
    /// running statistics not frozen) rather than the running ones.
    public var usesBatchStatistics: Bool { isTraining && !runningStatisticsFrozen }

    /// Normalises `input` `[N, C, H, W]`: with batch statistics (updating the running
    /// ones) in training mode, with the running statistics in evaluation mode or when
    /// ``runningStatisticsFrozen`` is set.
    /// - Parameters:
    ///   - input: `[N, C, H, W]`.
    ///   - outputRange: when given, the output is clamped to it in the same pass (`0...6`
    ///     is a fused ReLU6, with ReLU6's gradient).
    public func callAsFunction(_ input: Tensor, outputRange: ClosedRange<Float>? = nil) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == channels,
                     "BatchNorm2d: input shape \(input.shape) is not [N, \(channels), H, W]")
        let batchStatistics = usesBatchStatistics
        precondition(!batchStatistics || input.shape[0] * input.shape[2] * input.shape[3] > 1,
                     "BatchNorm2d: training needs more than one value per channel, got input shape \(input.shape); use train(false) or freeze the running statistics for single samples")
        let output = input.batchNorm(
            runningMean: runningMean, runningVariance: runningVariance, weight: weight, bias: bias,
            training: batchStatistics, momentum: momentum, epsilon: epsilon, outputRange: outputRange)
        if batchStatistics {
            (batchesTracked.storage.pointer + batchesTracked.offset).pointee += 1
        }
        return output
    }
}
