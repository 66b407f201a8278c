// PerRegionOverlap: the PRO score of anomaly localisation as the MVTec AD benchmark defines
// it (Bergmann et al., "The MVTec Anomaly Detection Dataset", IJCV 2021): every connected
// defect region of the ground truth (8-connected) counts equally, whatever its size; for a
// threshold t, PRO(t) is the mean over regions of the share of the region's pixels scored
// >= t, and FPR(t) the share of defect-free pixels scored >= t; the PRO curve is integrated
// over FPR from 0 to a limit (0.3) by the trapezoid rule, the last segment interpolated at
// the limit, and divided by the limit so a perfect map scores 1. Computed exactly in one
// sweep over the pixels sorted by score. Not here: pixel ROC AUC (ROCCurve.swift).

import Foundation

extension Metrics {
    /// The labels of the 8-connected regions of `mask` (`0` = background, regions `1...`).
    /// - Returns: one label per pixel and the number of regions.
    public static func connectedRegions(_ mask: [Bool], height: Int, width: Int) -> (labels: [Int], count: Int) {
        precondition(mask.count == height * width, "connectedRegions: \(mask.count) pixels for \(height) x \(width)")
        var labels = [Int](repeating: 0, count: mask.count)
        var count = 0
        var stack: [Int] = []
        for start in mask.indices where mask[start] && labels[start] == 0 {
            count += 1
            labels[start] = count
            stack.append(start)
            while let pixel = stack.popLast() {
                let y = pixel / width, x = pixel % width
                for dy in -1...1 {
                    for dx in -1...1 where dy != 0 || dx != 0 {
                        let ny = y + dy, nx = x + dx
                        guard ny >= 0, ny < height, nx >= 0, nx < width else { continue }
                        let neighbour = ny * width + nx
                        if mask[neighbour] && labels[neighbour] == 0 {
                            labels[neighbour] = count
                            stack.append(neighbour)
                        }
                    }
                }
            }
        }
        return (labels, count)
    }

    /// The normalised area under the per-region-overlap curve up to `fprLimit`.
    /// - Parameters:
    ///   - masks: one ground-truth mask per image (row-major, `true` = defect); defect-free
    ///     images have all-`false` masks.
    ///   - maps: the anomaly scores, one array per image, the same sizes as the masks.
    ///   - sizes: each image's `(height, width)`.
    ///   - fprLimit: the false-positive-rate limit of the integral (MVTec AD: 0.3).
    /// - Returns: the area divided by `fprLimit`, in [0, 1].
    /// - Throws: ``MetricError`` when sizes differ, or when there is no defect region or no
    ///   defect-free pixel (the curve is undefined).
    public static func perRegionOverlap(masks: [[Bool]], maps: [[Float]], sizes: [(height: Int, width: Int)], fprLimit: Double = 0.3) throws(MetricError) -> Double {
        guard masks.count == maps.count, masks.count == sizes.count else {
            throw .lengthMismatch(metric: "pro", truthCount: masks.count, predictionCount: maps.count)
        }
        // Region of each pixel: 0 = defect-free, else a global region id.
        var regionOf: [Int32] = []
        var scores: [Float] = []
        var regionSizes: [Int] = [0]
        for index in masks.indices {
            let (height, width) = sizes[index]
            guard masks[index].count == height * width, maps[index].count == height * width else {
                throw .lengthMismatch(metric: "pro", truthCount: masks[index].count, predictionCount: maps[index].count)
            }
            let (labels, count) = connectedRegions(masks[index], height: height, width: width)
            let base = regionSizes.count - 1
            regionSizes += [Int](repeating: 0, count: count)
            for label in labels where label > 0 { regionSizes[base + label] += 1 }
            regionOf += labels.map { $0 == 0 ? 0 : Int32(base + $0) }
            scores += maps[index]
        }
        let regionCount = regionSizes.count - 1
        let negatives = regionOf.lazy.filter { $0 == 0 }.count
        guard regionCount > 0 else { throw .undefined(metric: "pro", reason: "no image has a defect region in its mask") }
        guard negatives > 0 else { throw .undefined(metric: "pro", reason: "every pixel is a defect pixel") }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(metric: "pro", index: bad, value: Double(scores[bad]), requirement: "scores must be finite")
        }

        // Sweep thresholds from the highest score down; equal scores enter together.
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var falsePositives = 0
        var overlapSum = 0.0  // sum over regions of (pixels above threshold) / (region size)
        var previous = (fpr: 0.0, pro: 0.0)
        var area = 0.0
        var position = 0
        while position < order.count {
            let score = scores[order[position]]
            while position < order.count && scores[order[position]] == score {
                let pixel = order[position]
                let region = Int(regionOf[pixel])
                if region == 0 { falsePositives += 1 } else { overlapSum += 1 / Double(regionSizes[region]) }
                position += 1
            }
            let point = (fpr: Double(falsePositives) / Double(negatives), pro: overlapSum / Double(regionCount))
            if point.fpr >= fprLimit {
                // Interpolate the segment at the limit and stop.
                let span = point.fpr - previous.fpr
                let proAtLimit = span > 0 ? previous.pro + (point.pro - previous.pro) * (fprLimit - previous.fpr) / span : point.pro
                area += (fprLimit - previous.fpr) * (previous.pro + proAtLimit) / 2
                return area / fprLimit
            }
            area += (point.fpr - previous.fpr) * (previous.pro + point.pro) / 2
            previous = point
        }
        return area / fprLimit
    }
}
