// GE2ESpeakerEncoder: the speaker encoder of Wan et al. 2018 ("Generalized End-to-End Loss
// for Speaker Verification") as resemblyzer ships it: a 3-layer LSTM over 40-channel mel
// frames, the last layer's final hidden state through Linear(256, 256) and ReLU, then L2
// normalised to a 256-dimensional speaker embedding. Keys are the checkpoint's
// (`lstm.weight_ih_l0` … `linear.bias`). Dimension letters: B batch, T frames, M mel
// channels, H hidden, D embedding. Not here: the mel front end (FactoryIO MelSpectrogram),
// loading (GE2ECheckpoint.swift), the GE2E loss (GE2ELoss.swift), or resemblyzer's
// utterance pipeline (silence trimming, 160-frame partials averaged).

import FactoryNN
import FactoryTensor

/// The GE2E LSTM speaker encoder: mel frames `[B, T, M]` → unit-length embeddings `[B, D]`.
public final class GE2ESpeakerEncoder: Module {
    /// The architecture name the catalog gives GE2E backbones.
    public static let architecture = "ge2e-lstm"

    /// The stacked LSTM, key `lstm`.
    public let lstm: LSTM
    /// The projection of the final hidden state, key `linear`.
    public let linear: Linear

    /// M, the mel channels per frame.
    public var melChannels: Int { lstm.inputSize }
    /// D, the embedding size.
    public var embeddingSize: Int { linear.outputFeatures }

    /// Creates an encoder with PyTorch's initialisation (load pretrained weights with
    /// ``load(contentsOf:)``).
    /// - Parameters:
    ///   - melChannels: M, mel channels per input frame (resemblyzer: 40).
    ///   - hiddenSize: H, the LSTM state size (256).
    ///   - layers: stacked LSTM layers (3).
    ///   - embeddingSize: D, the embedding size (256).
    ///   - seed: seeds the initial weights.
    public init(melChannels: Int = 40, hiddenSize: Int = 256, layers: Int = 3, embeddingSize: Int = 256, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        lstm = LSTM(inputSize: melChannels, hiddenSize: hiddenSize, layers: layers, generator: &generator)
        linear = Linear(inputFeatures: hiddenSize, outputFeatures: embeddingSize, generator: &generator)
        super.init()
    }

    override public var children: [(key: String, module: Module)] {
        [("lstm", lstm), ("linear", linear)]
    }

    /// Embeds a batch of mel spectrograms.
    /// - Parameter mels: `[B, T, M]` power mel frames (not log), T ≥ 1.
    /// - Returns: `[B, D]`, each row of unit length (a zero row, possible after the ReLU,
    ///   stays zero).
    public func callAsFunction(_ mels: Tensor) -> Tensor {
        precondition(mels.rank == 3 && mels.shape[2] == melChannels && mels.shape[1] > 0,
                     "GE2ESpeakerEncoder: input \(mels.shape) is not [B, T > 0, \(melChannels)] mel frames")
        let (_, finalStates) = lstm(mels)
        let lastHidden = finalStates[finalStates.count - 1].hidden        // [B, H]
        return linear(lastHidden).relu().l2Normalized(axis: -1)
    }
}

extension Tensor {
    /// `x / ‖x‖₂` along `axis`, composed from differentiable primitives. ε = 1e-24 under the
    /// square root keeps a zero vector at zero instead of NaN; for any norm above 1e-10 it
    /// changes nothing a Float32 can represent.
    func l2Normalized(axis: Int) -> Tensor {
        let squaredNorm = (self * self).sum(axes: [axis], keepingDimensions: true)
        return self * (squaredNorm + 1e-24).reciprocalSquareRoot()
    }
}
