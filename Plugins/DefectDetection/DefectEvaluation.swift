// DefectEvaluation: the task's metrics and its threshold — image AUROC; at the model's
// threshold F1, precision, recall and accuracy of "defect"; with masks, pixel AUROC and PRO
// (MVTec AD's per-region overlap up to 30% FPR) on maps and masks at the model's image size;
// a per-defect-type table; and the gallery of the worst-scored images, their heat maps drawn
// under output/gallery for `factory report`. The threshold is chosen on validation outputs:
// best F1, or a target false-reject rate of good parts. Not here: scoring (the model).

import FactoryKit
import Foundation

enum DefectEvaluation {
    /// The score drawn as full red in heat maps: past the threshold, clearly a defect.
    static func overlayScale(threshold: Float) -> Float {
        threshold.isFinite && threshold > 0 ? 1.5 * threshold : 1
    }

    /// The threshold chosen on validation outputs by `model.threshold`.
    static func chooseThreshold(outputs: [DefectOutput], examples: [DefectExample], context: TaskContext) throws -> Float {
        guard !examples.isEmpty else {
            throw DefectDataError("the validation split is empty, and the threshold is chosen on it; raise data.validation_fraction (or add test images in the MVTec AD layout)")
        }
        let scores = outputs.map { Double($0.score) }
        let labels = examples.map { $0.label ?? 0 }
        let goodScores = zip(labels, scores).filter { $0.0 == 0 }.map(\.1)
        let rate = context.config.number("model.false_reject_rate")
        if context.config.string("model.threshold") == "f1" && labels.contains(1) {
            let choice = try Metrics.bestF1Threshold(labels: labels, scores: scores)
            context.log(String(format: "threshold %.4f: best validation F1 %.3f (false-reject rate %.3f, recall %.3f)",
                               choice.threshold, choice.f1, choice.falsePositiveRate, choice.truePositiveRate))
            return Float(choice.threshold)
        }
        guard !goodScores.isEmpty else {
            throw DefectDataError("the validation split has no good images, and the threshold needs them; add good images (test/good in the MVTec AD layout)")
        }
        if context.config.string("model.threshold") == "f1" {
            context.log("the validation split has no defect images: the threshold keeps the false-reject rate at \(rate) (model.false_reject_rate)")
        }
        let threshold = try Metrics.falsePositiveRateThreshold(negativeScores: goodScores, rate: rate)
        context.log(String(format: "threshold %.4f: at most %.1f%% of good validation parts rejected", threshold, 100 * rate))
        return Float(threshold)
    }

    /// The metrics, the report table and the gallery of a labelled split.
    static func evaluate(outputs: [DefectOutput], examples: [DefectExample], context: TaskContext) throws -> TaskEvaluation {
        guard outputs.count == examples.count, !examples.isEmpty else { return TaskEvaluation(metrics: [:]) }
        let labels = examples.map { $0.label ?? 0 }
        let scores = outputs.map { Double($0.score) }
        let threshold = Double(outputs[0].threshold)
        var metrics: [String: Double] = [:]
        var notes: [String] = []
        if labels.contains(0) && labels.contains(1) {
            metrics["image_auroc"] = try Metrics.rocAUC(labels: labels, scores: scores)
        } else {
            notes.append("image_auroc needs good and defect images in the split")
        }
        if threshold.isFinite {
            let counts = Metrics.binaryCounts(labels: labels, scores: scores, threshold: threshold)
            let precision = counts.tp + counts.fp > 0 ? Double(counts.tp) / Double(counts.tp + counts.fp) : 0
            let recall = counts.tp + counts.fn > 0 ? Double(counts.tp) / Double(counts.tp + counts.fn) : 0
            metrics["precision"] = precision
            metrics["recall"] = recall
            metrics["f1"] = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            metrics["accuracy"] = Double(counts.tp + counts.tn) / Double(labels.count)
            metrics["false_reject_rate"] = counts.fp + counts.tn > 0 ? Double(counts.fp) / Double(counts.fp + counts.tn) : 0
            metrics["threshold"] = threshold
        }
        try pixelMetrics(outputs: outputs, examples: examples, into: &metrics, notes: &notes)

        var details: [String: JSONValue] = ["per_type": perTypeTable(outputs: outputs, examples: examples, threshold: threshold)]
        details["gallery"] = try gallery(outputs: outputs, examples: examples, context: context)
        if !notes.isEmpty { details["notes"] = .array(notes.map { .string($0) }) }
        return TaskEvaluation(metrics: metrics, report: report(outputs: outputs, examples: examples, threshold: threshold), details: details)
    }

    /// Pixel AUROC and PRO over the images whose masks are known (good images: all clear).
    static func pixelMetrics(outputs: [DefectOutput], examples: [DefectExample], into metrics: inout [String: Double], notes: inout [String]) throws {
        guard examples.contains(where: { $0.mask != nil }), outputs.allSatisfy({ $0.map != nil }) else { return }
        var masks: [[Bool]] = [], maps: [[Float]] = [], sizes: [(height: Int, width: Int)] = []
        for (output, example) in zip(outputs, examples) where example.label == 0 || example.mask != nil {
            let map = output.map!
            if let url = example.mask {
                let mask = try AnomalyMaps.readMask(url, height: example.height, width: example.width)
                let values = Tensor(mask.pixels.map { $0 ? Float(1) : 0 }, shape: [1, mask.height, mask.width])
                let resized = ImageTransforms.resizeBilinear(values, height: map.height, width: map.width).scalars
                masks.append(resized.map { $0 >= 0.5 })
            } else {
                masks.append([Bool](repeating: false, count: map.values.count))
            }
            maps.append(map.values)
            sizes.append((map.height, map.width))
        }
        let pixelLabels = masks.flatMap { $0.map { $0 ? 1 : 0 } }
        guard pixelLabels.contains(1), pixelLabels.contains(0) else {
            notes.append("pixel_auroc and pro need defect masks in the split")
            return
        }
        metrics["pixel_auroc"] = try Metrics.rocAUC(labels: pixelLabels, scores: maps.flatMap { $0.map(Double.init) })
        metrics["pro"] = try Metrics.perRegionOverlap(masks: masks, maps: maps, sizes: sizes, fprLimit: 0.3)
    }

    /// Count, mean score and share called defective, per defect type.
    static func perTypeTable(outputs: [DefectOutput], examples: [DefectExample], threshold: Double) -> JSONValue {
        let types = Array(Set(examples.map(\.defectType))).sorted { ($0 == "good" ? "" : $0) < ($1 == "good" ? "" : $1) }
        return .array(types.map { type in
            let scores = zip(outputs, examples).filter { $0.1.defectType == type }.map { Double($0.0.score) }
            let flagged = scores.filter { $0 >= threshold }.count
            return .object(JSONObject(members: [
                (key: "type", value: .string(type)), (key: "images", value: .integer(scores.count)),
                (key: "mean_score", value: .double(scores.reduce(0, +) / Double(scores.count))),
                (key: "called_defect", value: .double(Double(flagged) / Double(scores.count))),
            ]))
        })
    }

    static func report(outputs: [DefectOutput], examples: [DefectExample], threshold: Double) -> String {
        guard case .array(let rows) = perTypeTable(outputs: outputs, examples: examples, threshold: threshold) else { return "" }
        var lines = [String(format: "threshold %.4f", threshold), "type            images  mean score  called defect"]
        for case .object(let row) in rows {
            let type = row["type"]?.stringValue ?? ""
            let images = row["images"]?.integerValue ?? 0
            let mean = row["mean_score"]?.doubleValue ?? 0, called = row["called_defect"]?.doubleValue ?? 0
            lines.append(type.padding(toLength: 15, withPad: " ", startingAt: 0) + String(format: " %6d  %10.4f  %12.1f%%", images, mean, 100 * called))
        }
        return lines.joined(separator: "\n")
    }

    /// The worst-scored images with their heat maps drawn under output/gallery.
    static func gallery(outputs: [DefectOutput], examples: [DefectExample], context: TaskContext) throws -> JSONValue {
        let size = context.config.integer("model.gallery_size")
        let order = outputs.indices.sorted { outputs[$0].score > outputs[$1].score }.prefix(size)
        let folder = RunFiles(projectFolder: context.projectFolder).folder.appendingPathComponent("gallery")
        // The gallery shows this evaluation only: earlier drawings go first.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".png") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        // Each entry reads its image again and writes its drawing: on all cores.
        let ranked = Array(order)
        let entries = try OrderedResults.map(count: ranked.count) { rank -> JSONValue in
            let index = ranked[rank]
            let output = outputs[index], example = examples[index]
            let predicted = Double(output.score) >= Double(output.threshold) ? "defect" : "good"
            var members: [(key: String, value: JSONValue)] = [
                (key: "image", value: .string(example.image.path)), (key: "score", value: .double(Double(output.score))),
                (key: "label", value: .string(example.label == 1 ? "defect" : "good")), (key: "type", value: .string(example.defectType)),
                (key: "predicted", value: .string(predicted)),
            ]
            if let map = output.map {
                let name = String(format: "%02d-%@-%@.png", rank + 1, example.defectType, example.image.deletingPathExtension().lastPathComponent)
                let destination = folder.appendingPathComponent(name)
                try AnomalyMaps.writeOverlay(of: example.image, map: map, scale: overlayScale(threshold: output.threshold), to: destination)
                members.append((key: "anomaly_map", value: .string(destination.path)))
            }
            return .object(JSONObject(members: members))
        }
        return .array(entries)
    }
}
