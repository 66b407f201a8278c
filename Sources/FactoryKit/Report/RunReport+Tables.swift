// RunReport+Tables: the report's tables — per-class precision / recall / F1 / support
// (`table#per-class-table`, one `tr.class-row` per class), the most confident mistakes
// (`table#mistakes-table`, one `tr.mistake` each: input text or thumbnail, true label,
// predicted label, confidence), the hyperparameter search (`table#search-table`, best first)
// and the gallery (`figure.gallery-item`, images inlined). Not here: the charts.

import Foundation

extension RunReport {
    static func perClassSection(_ inputs: ReportInputs) -> String {
        guard !inputs.perClass.isEmpty else { return leftOut("per-class", "eval.json has no per-class table (not a classification task).") }
        let weakest = inputs.perClass.min { $0.f1 < $1.f1 }?.name
        let rows = inputs.perClass.enumerated().map { index, row -> String in
            let training = inputs.trainingClassCounts.indices.contains(index) ? String(inputs.trainingClassCounts[index]) : "-"
            let marker = row.name == weakest && inputs.perClass.count > 1 ? " weakest" : ""
            return "<tr class=\"class-row\(marker)\" data-class=\"\(HTMLText.escape(row.name))\"><td>\(HTMLText.escape(row.name))</td>"
                + cell(row.precision, name: "precision") + cell(row.recall, name: "recall") + cell(row.f1, name: "f1", bar: true)
                + "<td class=\"number\" data-name=\"support\" data-value=\"\(row.support)\">\(row.support)</td><td class=\"number\">\(training)</td></tr>"
        }.joined(separator: "\n")
        return section("per-class", """
            <table id="per-class-table"><thead><tr><th>class</th><th class="number">precision</th><th class="number">recall</th><th class="number">F1</th><th class="number">support (\(HTMLText.escape(inputs.evaluatedSplit)))</th><th class="number">training examples</th></tr></thead><tbody>
            \(rows)
            </tbody></table>
            """)
    }

    static func cell(_ value: Double, name: String, bar: Bool = false) -> String {
        let barHTML = bar && value.isFinite ? "<span class=\"bar\" style=\"width: \(Int((Swift.min(Swift.max(value, 0), 1) * 60).rounded()))px\"></span>" : ""
        return "<td class=\"number\" data-name=\"\(name)\" data-value=\"\(value)\">\(barHTML)\(HTMLText.metric(value))</td>"
    }

    static func mistakesSection(_ inputs: ReportInputs) -> String {
        guard let predictions = inputs.predictions, predictions.contains(where: { $0.isMistake != nil }) else {
            return leftOut("mistakes", "needs per-example predictions with labels (output/predictions.jsonl), which this task does not write.")
        }
        let mistakes = predictions.filter { $0.isMistake == true }.sorted { ($0.confidence ?? 0) > ($1.confidence ?? 0) }
        guard !mistakes.isEmpty else {
            return section("mistakes", "<p class=\"note\">No mistakes: every example of the \(HTMLText.escape(inputs.evaluatedSplit)) split is predicted correctly.</p>")
        }
        func name(_ index: Int) -> String { inputs.labelNames.indices.contains(index) ? inputs.labelNames[index] : String(index) }
        let rows = mistakes.prefix(mistakeCount).enumerated().map { position, record -> String in
            let confidence = record.confidence ?? 0
            return "<tr class=\"mistake\"><td class=\"number\">\(position + 1)</td><td class=\"input\">\(inputHTML(record.input, inputs: inputs))</td>"
                + "<td class=\"true-label\">\(HTMLText.escape(name(record.label!)))</td><td class=\"predicted-label\">\(HTMLText.escape(name(record.predicted!)))</td>"
                + "<td class=\"number confidence\" data-value=\"\(confidence)\"><span class=\"bar bad\" style=\"width: \(Int((confidence * 60).rounded()))px\"></span>\(String(format: "%.3f", confidence))</td></tr>"
        }.joined(separator: "\n")
        let intro = "The \(Swift.min(mistakeCount, mistakes.count)) wrong predictions the model was most sure of, of \(mistakes.count) mistake(s) in \(predictions.count) \(inputs.evaluatedSplit) examples. Look for mislabelled data, ambiguous inputs and patterns the model misses."
        return section("mistakes", """
            <table id="mistakes-table"><thead><tr><th class="number">#</th><th>input</th><th>true label</th><th>predicted</th><th class="number">confidence</th></tr></thead><tbody>
            \(rows)
            </tbody></table>
            """, intro: intro)
    }

    /// An example's input as HTML: escaped text, an image thumbnail, or a path.
    static func inputHTML(_ input: ExampleInput?, inputs: ReportInputs) -> String {
        guard let input else { return "<span class=\"muted\">(the task does not show inputs)</span>" }
        switch input {
        case .text(let text): return HTMLText.escape(HTMLText.truncated(text, to: 400))
        case .image(let path):
            let url = resolve(path, inputs: inputs)
            guard let uri = ImageThumbnail.dataURI(url, maximumSide: 96) else {
                return "<span class=\"muted\">image not readable: \(HTMLText.escape(path))</span>"
            }
            return "<img class=\"thumbnail\" src=\"\(uri)\" alt=\"\(HTMLText.escape(path))\"/><br/><span class=\"path\">\(HTMLText.escape(url.lastPathComponent))</span>"
        case .audio(let path), .other(let path): return "<span class=\"path\">\(HTMLText.escape(path))</span>"
        }
    }

    static func resolve(_ path: String, inputs: ReportInputs) -> URL {
        if path.hasPrefix("/") || inputs.projectFolder == nil { return URL(fileURLWithPath: path) }
        return inputs.projectFolder!.appendingPathComponent(path)
    }

    static func searchSection(_ inputs: ReportInputs) -> String {
        guard let search = inputs.trials, !search.trials.isEmpty else {
            return leftOut("search", "no hyperparameter search was run (none in output/tune/trials.json).")
        }
        var keys: [String] = []
        for trial in search.trials { for (key, _) in trial.parameters where !keys.contains(key) { keys.append(key) } }
        let header = "<tr><th class=\"number\">trial</th>" + keys.map { "<th>\(HTMLText.escape($0))</th>" }.joined()
            + "<th class=\"number\">\(HTMLText.escape(search.metric))</th><th class=\"number\">epochs</th><th>status</th></tr>"
        let rows = search.trials.enumerated().map { position, trial -> String in
            let values = Dictionary(trial.parameters.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            return "<tr class=\"trial\(position == 0 ? " best" : "")\" data-trial=\"\(trial.number)\"><td class=\"number\">\(trial.number)</td>"
                + keys.map { "<td>\(HTMLText.escape(values[$0] ?? "-"))</td>" }.joined()
                + "<td class=\"number\" data-value=\"\(trial.value.map { "\($0)" } ?? "")\">\(HTMLText.metric(trial.value))</td>"
                + "<td class=\"number\">\(trial.epochs.map(String.init) ?? "-")</td><td>\(HTMLText.escape(trial.status))</td></tr>"
        }.joined(separator: "\n")
        let intro = "\(search.trials.count) trial(s), best first, by \(search.metric) (\(search.higherIsBetter ? "higher" : "lower") is better); stopped trials were cut short by the search."
        return section("search", "<table id=\"search-table\"><thead>\(header)</thead><tbody>\n\(rows)\n</tbody></table>", intro: intro)
    }

    static func gallerySection(_ inputs: ReportInputs) -> String {
        let items = inputs.gallery.prefix(galleryLimit).map { item -> String in
            let image = item["image"]?.stringValue
            let label = item["label"]?.stringValue, predicted = item["predicted"]?.stringValue
            var pictures = ""
            for (key, alt) in [("image", "image"), ("anomaly_map", "anomaly map")] {
                guard let path = item[key]?.stringValue else { continue }
                if let uri = ImageThumbnail.dataURI(resolve(path, inputs: inputs), maximumSide: 200) {
                    pictures += "<img class=\"gallery-\(key == "image" ? "image" : "map")\" src=\"\(uri)\" alt=\"\(HTMLText.escape(alt))\"/>"
                } else {
                    pictures += "<span class=\"muted\">\(HTMLText.escape(alt)) not readable: \(HTMLText.escape(path))</span>"
                }
            }
            var caption: [String] = []
            if let label { caption.append("true: " + label) }
            if let predicted { caption.append("predicted: " + predicted) }
            if let score = item["score"]?.doubleValue { caption.append("score " + String(format: "%.3f", score)) }
            if let image { caption.append((image as NSString).lastPathComponent) }
            let wrong = label != nil && predicted != nil && label != predicted
            return "<figure class=\"gallery-item\(wrong ? " wrong" : "")\"><div class=\"pictures\">\(pictures)</div><figcaption>\(HTMLText.escape(caption.joined(separator: " · ")))</figcaption></figure>"
        }.joined(separator: "\n")
        let more = inputs.gallery.count > galleryLimit ? " (the first \(galleryLimit) of \(inputs.gallery.count))" : ""
        return section("gallery", "<div class=\"gallery\">\n\(items)\n</div>", intro: "Examples chosen by the task\(more); wrong predictions have a red frame.")
    }
}
