// Defect-detection (PatchCore) workloads: fitting a memory bank — patch features of 200 good
// images at 224x224 through EfficientNet-Lite0 (batches of 16), then a 10% greedy k-centre
// coreset on the 64 leading principal axes — and scoring batches of 16 images against that bank
// (features, exact nearest-neighbour distances with two-stage principal-component bounds,
// upsampled and smoothed anomaly maps; the parts' times are extra fields). Real ImageNet
// weights; seeded textured images (oriented gratings).

import DefectDetection
import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation

enum DefectDetectionWorkloads {
    static let fitImages = 200
    static let batch = 16
    static let resolution = 224

    /// Seeded textured surfaces `[count, 3, 224, 224]` in batches of 16, roughly in the
    /// normalised range: per image, four oriented sinusoidal gratings (random frequency,
    /// angle and phase) plus a little noise — repetitive like real inspection images, whose
    /// patch features cluster (white-noise images would make every patch unlike the others).
    static func imageBatches(count: Int, seed: UInt64) -> [Tensor] {
        var generator = SeededGenerator(seed: seed)
        let plane = resolution * resolution
        return stride(from: 0, to: count, by: batch).map { start in
            let images = Swift.min(batch, count - start)
            var values = [Float](repeating: 0, count: images * 3 * plane)
            for image in 0..<images {
                let gratings = (0..<4).map { _ in
                    (frequency: 0.05 + 0.4 * generator.nextUnitFloat(), angle: Float.pi * generator.nextUnitFloat(),
                     phase: 2 * Float.pi * generator.nextUnitFloat(), channelWeights: (0..<3).map { _ in 0.2 + 0.6 * generator.nextUnitFloat() })
                }
                for y in 0..<resolution {
                    for x in 0..<resolution {
                        var pixel: [Float] = [0, 0, 0]
                        for grating in gratings {
                            let wave = Foundation.sin(grating.frequency * (Float(x) * Foundation.cos(grating.angle) + Float(y) * Foundation.sin(grating.angle)) + grating.phase)
                            for channel in 0..<3 { pixel[channel] += grating.channelWeights[channel] * wave }
                        }
                        for channel in 0..<3 {
                            values[(image * 3 + channel) * plane + y * resolution + x] = pixel[channel] + 0.1 * generator.nextNormal()
                        }
                    }
                }
            }
            return Tensor(values, shape: [images, 3, resolution, resolution])
        }
    }

    /// Timings of the parts of each round, for the extra fields.
    final class PartTimes: @unchecked Sendable {
        var features: [Double] = [], coreset: [Double] = []
        var bankSize = 0
        static func median(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.sorted()[values.count / 2] }
    }

    static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    static let fit = BenchmarkWorkload(
        name: "defect-fit",
        summary: "PatchCore memory bank: EfficientNet-Lite0 patch features (stages 2+4, 3x3 average) of 200 images at 224x224, then a 10% greedy k-centre coreset on the 64 leading principal axes (the plugin's default)"
    ) {
        let model = try EfficientNetWorkloads.pretrainedLite0()
        model.eval()
        let extractor = PatchFeatureExtractor(backbone: model)
        let batches = imageBatches(count: fitImages, seed: 31)
        let times = PartTimes()
        return PreparedWorkload(samplesPerRound: Double(fitImages), round: {
            let start = DispatchTime.now().uptimeNanoseconds
            let features = Tensor.concatenate(batches.map { extractor($0).features }, axis: 0)
            times.features.append(seconds(since: start))
            let coresetStart = DispatchTime.now().uptimeNanoseconds
            let chosen = CoresetSelection.select(features, ratio: 0.1, projectionDimensions: 64, seed: 42)
            times.coreset.append(seconds(since: coresetStart))
            times.bankSize = chosen.count
        }, extraFields: { median in
            [("seconds", median), ("features_seconds", PartTimes.median(times.features)),
             ("coreset_seconds", PartTimes.median(times.coreset)), ("bank_size", Double(times.bankSize))]
        })
    }

    static let score = BenchmarkWorkload(
        name: "defect-score-b16",
        summary: "PatchCore scoring: batch 16 at 224x224 against the defect-fit memory bank (15680 x 152): features, exact nearest-neighbour distances (two-stage principal-component bounds), maps upsampled and smoothed (sigma 4)"
    ) {
        let backbone = try EfficientNetWorkloads.pretrainedLite0()
        backbone.eval()
        let extractor = PatchFeatureExtractor(backbone: backbone)
        let model = DefectDetectionModel(backbone: backbone, head: nil, method: .patchcore, extractor: extractor,
                                         imageSize: resolution, smoothingSigma: 4, bankSize: 1)
        model.train(false)
        let bank = PatchCoreFitting.memoryBank(batches: imageBatches(count: fitImages, seed: 31), extractor: extractor,
                                               ratio: 0.1, projectionDimensions: 64, seed: 42)
        model.memoryBank = bank.bank
        let images = imageBatches(count: batch, seed: 32)[0]
        return PreparedWorkload(samplesPerRound: Double(batch), round: {
            _ = model.scores(images)
        }, extraFields: { _ in
            // Where a round's time goes: the same three steps, timed apart (median of 3).
            var features: [Double] = [], search: [Double] = [], maps: [Double] = []
            let index = NearestNeighbourIndex(bank: bank.bank)
            for _ in 0..<3 {
                var start = DispatchTime.now().uptimeNanoseconds
                let patches = extractor(images)
                features.append(seconds(since: start))
                start = DispatchTime.now().uptimeNanoseconds
                let distances = index.nearestSquaredDistances(queries: patches.features)
                search.append(seconds(since: start))
                start = DispatchTime.now().uptimeNanoseconds
                _ = DefectDetectionModel.anomalyMaps(squaredDistances: distances, batch: patches, imageSize: resolution, smoothingSigma: 4)
                maps.append(seconds(since: start))
            }
            // For comparison: the brute-force GEMM search (every full distance), once.
            let patches = extractor(images)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = NearestNeighbours.nearestSquaredDistances(queries: patches.features, bank: bank.bank)
            let bruteForce = seconds(since: start)
            return [("bank_size", Double(bank.bank.shape[0])), ("features_seconds", PartTimes.median(features)),
                    ("search_seconds", PartTimes.median(search)), ("brute_force_search_seconds", bruteForce),
                    ("maps_seconds", PartTimes.median(maps))]
        })
    }
}
