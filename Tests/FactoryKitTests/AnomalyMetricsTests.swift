// The anomaly-detection metrics and helpers against hand-derived values: connected regions
// (8-connectivity), PRO up to 30% FPR on a small hand-made mask and map, best-F1 and
// false-reject thresholds, and the Gaussian smoothing of anomaly maps.

import FactoryKit
import Foundation
import Testing

@Suite("Anomaly metrics")
struct AnomalyMetricsTests {
    @Test func regionsAreEightConnected() {
        let diagonal: [Bool] = [true, false, false, false, true, false, false, false, true]
        #expect(Metrics.connectedRegions(diagonal, height: 3, width: 3).count == 1)
        let corners: [Bool] = [true, false, true, false, false, false, true, false, true]
        let (labels, count) = Metrics.connectedRegions(corners, height: 3, width: 3)
        #expect(count == 4)
        #expect(labels == [1, 0, 2, 0, 0, 0, 3, 0, 4])
    }

    @Test func perRegionOverlapByHand() throws {
        // One 2x6 image. Mask: region A = (0,0),(0,1) (2 pixels), region B = (0,5) (1 pixel);
        // 9 defect-free pixels. Scores, highest first: 0.9 A, 0.8 B, 0.7 free, 0.6 A, 0.5 free,
        // 0.4 free, ...
        //   after 0.9: FPR 0,   PRO (1/2 + 0)/2 = 0.25
        //   after 0.8: FPR 0,   PRO (1/2 + 1)/2 = 0.75
        //   after 0.7: FPR 1/9, PRO 0.75   -> area 1/9 * 0.75           = 1/12
        //   after 0.6: FPR 1/9, PRO 1
        //   after 0.5: FPR 2/9, PRO 1      -> area 1/9 * 1              = 1/9
        //   after 0.4: FPR 3/9 > 0.3: PRO stays 1 -> area (0.3 - 2/9) * 1
        // Total 0.3 + 1/12 - 1/9 = 0.3 - 1/36; normalised by 0.3: 1 - 1/10.8.
        let mask: [Bool] = [true, true, false, false, false, true,
                            false, false, false, false, false, false]
        let map: [Float] = [0.9, 0.6, 0.3, 0.2, 0.1, 0.8,
                            0.7, 0.5, 0.4, 0.04, 0.03, 0.02]
        let pro = try Metrics.perRegionOverlap(masks: [mask], maps: [map], sizes: [(2, 6)])
        #expect(abs(pro - (1 - 1 / 10.8)) < 1e-12, "\(pro)")
    }

    @Test func perRegionOverlapCountsRegionsOfEveryImageEqually() throws {
        // Image 1: a 4-pixel region scored 1 everywhere; image 2: a 1-pixel region scored 0
        // among defect-free pixels scored 0.5. Until FPR reaches the limit only region 1 is
        // found: PRO = 1/2 on the whole integral, so the normalised area is 0.5 exactly.
        let first: [Bool] = [true, true, true, true], firstMap: [Float] = [1, 1, 1, 1]
        let second: [Bool] = [true, false, false, false], secondMap: [Float] = [0, 0.5, 0.5, 0.5]
        let pro = try Metrics.perRegionOverlap(masks: [first, second], maps: [firstMap, secondMap], sizes: [(2, 2), (2, 2)])
        #expect(abs(pro - 0.5) < 1e-12, "\(pro)")
        // A perfect map scores 1.
        let perfect = try Metrics.perRegionOverlap(masks: [second], maps: [[1, 0, 0, 0]], sizes: [(2, 2)])
        #expect(abs(perfect - 1) < 1e-12)
    }

    @Test func perRegionOverlapRefusesDataWithoutRegions() {
        #expect(throws: MetricError.self) {
            try Metrics.perRegionOverlap(masks: [[false, false]], maps: [[0.1, 0.2]], sizes: [(1, 2)])
        }
        #expect(throws: MetricError.self) {
            try Metrics.perRegionOverlap(masks: [[true, false]], maps: [[0.1]], sizes: [(1, 2)])
        }
    }

    @Test func bestF1ThresholdByHand() throws {
        // Highest first: 0.8 defect, 0.4 good, 0.35 good, 0.3 defect, 0.1 good.
        // Cutting below 0.8 gives F1 2/3 (tp 1, fn 1); below 0.3 also 2/3 (tp 2, fp 2): the
        // higher threshold wins, halfway between 0.8 and 0.4.
        let choice = try Metrics.bestF1Threshold(labels: [0, 0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8, 0.3])
        #expect(abs(choice.threshold - 0.6) < 1e-12)
        #expect(abs(choice.f1 - 2.0 / 3) < 1e-12)
        #expect(choice.falsePositiveRate == 0 && choice.truePositiveRate == 0.5)
        // Separable scores: the threshold separates them, F1 = 1.
        let separable = try Metrics.bestF1Threshold(labels: [0, 1, 0, 1], scores: [0.2, 0.9, 0.3, 0.7])
        #expect(separable.f1 == 1 && abs(separable.threshold - 0.5) < 1e-12)
        #expect(throws: MetricError.self) { try Metrics.bestF1Threshold(labels: [0, 0], scores: [0.1, 0.2]) }
    }

    @Test func falseRejectThresholdByHand() throws {
        let goods = (1...10).map { Double($0) / 10 }
        // 20% of 10 good parts may be rejected: 1.0 and 0.9; 0.8 must pass.
        let threshold = try Metrics.falsePositiveRateThreshold(negativeScores: goods, rate: 0.2)
        #expect(threshold > 0.8 && threshold < 0.8 + 1e-12)
        #expect(goods.filter { $0 >= threshold }.count == 2)
        let strict = try Metrics.falsePositiveRateThreshold(negativeScores: goods, rate: 0)
        #expect(goods.allSatisfy { $0 < strict })
        #expect(throws: MetricError.self) { try Metrics.falsePositiveRateThreshold(negativeScores: [], rate: 0.1) }
    }

    @Test func gaussianSmoothingKeepsTheSumAndSpreadsAPeak() {
        // A unit impulse in the middle of a 21x21 map: the smoothed map is the normalised
        // kernel itself (sum 1, symmetric, peak 1/(2 pi sigma²) within the truncation error).
        var values = [Float](repeating: 0, count: 21 * 21)
        values[10 * 21 + 10] = 1
        let smoothed = AnomalyMap(height: 21, width: 21, values: values).smoothed(sigma: 2)
        #expect(abs(smoothed.values.reduce(0, +) - 1) < 1e-5)
        #expect(abs(smoothed.values[10 * 21 + 10] - 1 / (2 * Float.pi * 4)) < 2e-4)
        #expect(abs(smoothed.values[10 * 21 + 8] - smoothed.values[10 * 21 + 12]) < 1e-7)
        #expect(abs(smoothed.values[8 * 21 + 10] - smoothed.values[10 * 21 + 8]) < 1e-7)
        // A constant map stays constant (reflecting borders).
        let constant = AnomalyMap(height: 5, width: 7, values: [Float](repeating: 3, count: 35)).smoothed(sigma: 4)
        #expect(constant.values.allSatisfy { abs($0 - 3) < 1e-5 })
    }
}

@Suite("Anomaly map drawing")
struct AnomalyMapDrawingTests {
    @Test func heatColoursRunFromBlueToRedAndGetRedder() {
        #expect(AnomalyMaps.heatColour(0) == (red: 0, green: 0, blue: 1))
        #expect(AnomalyMaps.heatColour(0.5) == (red: 0, green: 1, blue: 0))
        #expect(AnomalyMaps.heatColour(1) == (red: 1, green: 0, blue: 0))
        #expect(AnomalyMaps.heatColour(7) == AnomalyMaps.heatColour(1), "clamped")
        var previous: Float = -2
        for step in 0...100 {
            let colour = AnomalyMaps.heatColour(Float(step) / 100)
            #expect(colour.red - colour.blue >= previous)
            previous = colour.red - colour.blue
        }
    }

    @Test func theOverlayMixesImageAndHeat() {
        let image = Tensor(repeating: 0.2, shape: [3, 4, 4])
        // A 2x2 map upsampled to 4x4: value 2 (twice the scale) everywhere -> full red.
        let drawn = AnomalyMaps.overlay(image: image, map: AnomalyMap(height: 2, width: 2, values: [2, 2, 2, 2]), scale: 1, opacity: 0.5)
        #expect(drawn.shape == [3, 4, 4])
        let values = drawn.scalars
        #expect(abs(values[0] - 0.6) < 1e-6 && abs(values[16] - 0.1) < 1e-6 && abs(values[32] - 0.1) < 1e-6)
    }
}
