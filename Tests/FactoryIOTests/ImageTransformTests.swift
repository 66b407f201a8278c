// ImageTransformTests: each transform against values computed by hand on tiny images
// (the PyTorch / torchvision conventions each function documents). Tolerance 1e-6.

import FactoryIO
import FactoryTensor
import Testing

private func close(_ actual: Tensor, _ expected: [Float], shape: [Int], tolerance: Float = 1e-6) {
    #expect(actual.shape == shape)
    #expect(actual.scalars.count == expected.count)
    for (index, (a, e)) in zip(actual.scalars, expected).enumerated() {
        #expect(abs(a - e) <= tolerance, "element \(index): \(a) vs \(e)")
    }
}

@Suite struct ImageTransformTests {
    /// F.interpolate(torch.tensor([[[[0., 1], [2, 3]]]]), size=4, mode="bilinear", align_corners=False)
    @Test func bilinearUpscaleUsesHalfPixelCentresAndClampsTheEdges() {
        let image = Tensor([0, 1, 2, 3], shape: [1, 2, 2])
        close(ImageTransforms.resizeBilinear(image, height: 4, width: 4), [
            0.0, 0.25, 0.75, 1.0,
            0.5, 0.75, 1.25, 1.5,
            1.5, 1.75, 2.25, 2.5,
            2.0, 2.25, 2.75, 3.0,
        ], shape: [1, 4, 4])
    }

    @Test func bilinearDownscaleSamplesBetweenPixels() {
        // 4 -> 2: scale 2, sources 0.5 and 2.5.
        close(ImageTransforms.resizeBilinear(Tensor([0, 1, 2, 3], shape: [1, 1, 4]), height: 1, width: 2),
              [0.5, 2.5], shape: [1, 1, 2])
        // 3 -> 2: scale 1.5, sources 0.25 and 1.75.
        close(ImageTransforms.resizeBilinear(Tensor([0, 4, 8], shape: [1, 1, 3]), height: 1, width: 2),
              [1, 7], shape: [1, 1, 2])
    }

    @Test func bilinearKeepsChannelsApartAndSameSizeIsIdentity() {
        let image = Tensor([0, 1, 2, 3, 10, 11, 12, 13], shape: [2, 2, 2])
        close(ImageTransforms.resizeBilinear(image, height: 2, width: 2), image.scalars, shape: [2, 2, 2])
        let wide = ImageTransforms.resizeBilinear(image, height: 1, width: 2)
        close(wide, [1, 2, 11, 12], shape: [2, 1, 2])  // rows 0,1 averaged (source 0.5)
    }

    /// F.interpolate(x, size=(1, 4), mode="area") on [0..5] = adaptive_avg_pool.
    @Test func areaResizeAveragesAdaptiveBoxes() {
        close(ImageTransforms.resizeArea(Tensor([0, 1, 2, 3, 4, 5], shape: [1, 1, 6]), height: 1, width: 4),
              [0.5, 1.5, 3.5, 4.5], shape: [1, 1, 4])
        let grid = Tensor((0..<16).map(Float.init), shape: [1, 4, 4])
        close(ImageTransforms.resizeArea(grid, height: 2, width: 2), [2.5, 4.5, 10.5, 12.5], shape: [1, 2, 2])
        close(ImageTransforms.resizeArea(grid, height: 1, width: 1), [7.5], shape: [1, 1, 1])
    }

    @Test func areaResizeMatchesTheAdaptiveAverageDefinitionOnUnevenSizes() {
        // Shrinking 2 x 37 x 53 to 10 x 7 (overlapping boxes) and 13 x 29 to 13 x 4 (rows
        // kept): the box averages of the definition, in Double. Values in [0, 1); a Float sum
        // of at most 45 of them errs by at most 44 u of the sum (u = 2^-24), 2.6e-6 of the
        // mean: tolerance 3e-6.
        for (channels, inputHeight, inputWidth, height, width) in [(2, 37, 53, 10, 7), (1, 13, 29, 13, 4)] {
            var state: UInt64 = 12345
            let values = (0..<(channels * inputHeight * inputWidth)).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 40) / Float(1 << 24)
            }
            let resized = ImageTransforms.resizeArea(Tensor(values, shape: [channels, inputHeight, inputWidth]), height: height, width: width)
            #expect(resized.shape == [channels, height, width])
            let scalars = resized.scalars
            for channel in 0..<channels {
                for y in 0..<height {
                    let rows = (y * inputHeight) / height ..< ((y + 1) * inputHeight + height - 1) / height
                    for x in 0..<width {
                        let columns = (x * inputWidth) / width ..< ((x + 1) * inputWidth + width - 1) / width
                        var sum = 0.0
                        for row in rows { for column in columns { sum += Double(values[(channel * inputHeight + row) * inputWidth + column]) } }
                        let expected = sum / Double(rows.count * columns.count)
                        let actual = Double(scalars[(channel * height + y) * width + x])
                        #expect(abs(actual - expected) <= 3e-6, "channel \(channel), cell \(y), \(x)")
                    }
                }
            }
        }
    }

    @Test func centerCropRoundsHalfToEvenLikeTorchvision() {
        let five = Tensor((0..<25).map(Float.init), shape: [1, 5, 5])
        close(ImageTransforms.centerCrop(five, height: 3, width: 3), [6, 7, 8, 11, 12, 13, 16, 17, 18], shape: [1, 3, 3])
        close(ImageTransforms.centerCrop(five, height: 2, width: 2), [12, 13, 17, 18], shape: [1, 2, 2])  // round(1.5) = 2
        let seven = Tensor((0..<49).map(Float.init), shape: [1, 7, 7])
        close(ImageTransforms.centerCrop(seven, height: 2, width: 2), [16, 17, 23, 24], shape: [1, 2, 2])  // round(2.5) = 2
    }

    @Test func centerCropLargerThanTheImagePadsWithZeros() {
        let image = Tensor([1, 2, 3, 4], shape: [1, 2, 2])
        close(ImageTransforms.centerCrop(image, height: 3, width: 4), [
            0, 1, 2, 0,
            0, 3, 4, 0,
            0, 0, 0, 0,
        ], shape: [1, 3, 4])
    }

    @Test func normalizeSubtractsMeanAndDividesByDeviationPerChannel() {
        let image = Tensor([0.5, 1, 0.25, 0], shape: [2, 1, 2])
        close(ImageTransforms.normalize(image, mean: [0.5, 0.25], standardDeviation: [0.5, 0.25]),
              [0, 1, 0, -1], shape: [2, 1, 2])
    }

    @Test func transformsReadNonContiguousViews() {
        // A [1, 2, 2] tensor viewed through strides that transpose H and W.
        let base = Tensor([0, 1, 2, 3], shape: [1, 2, 2])
        let transposed = Tensor(storage: base.storage, shape: [1, 2, 2], strides: [4, 1, 2])
        close(ImageTransforms.centerCrop(transposed, height: 2, width: 2), [0, 2, 1, 3], shape: [1, 2, 2])
    }
}
