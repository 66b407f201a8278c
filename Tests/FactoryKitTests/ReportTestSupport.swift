// Parsing the HTML report in tests: the report is well-formed XML (XHTML syntax), so
// FoundationXML reads it and XPath finds sections, charts, cells and rows; and hand-made
// report inputs with known numbers.

import FactoryKit
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed report.
struct ParsedReport {
    let document: XMLDocument

    init(_ html: String) throws {
        document = try XMLDocument(data: Data(html.utf8), options: [])
    }

    /// Elements matching `xpath` (use `*[local-name()='svg']` for SVG elements).
    func nodes(_ xpath: String) throws -> [XMLElement] {
        try document.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    /// The SVG element (or any element) with `id`.
    func element(id: String) throws -> XMLElement? { try nodes("//*[@id='\(id)']").first }

    /// The elements with `className` among their classes inside the element with `id`.
    func elements(in id: String, class className: String) throws -> [XMLElement] {
        try nodes("//*[@id='\(id)']//*[contains(concat(' ', @class, ' '), ' \(className) ')]")
    }
}

extension XMLElement {
    /// The attribute's value (by XPath: `attribute(forName:)` misses attributes of elements in
    /// the SVG namespace on Linux).
    func attribute(_ name: String) -> String? { (try? nodes(forXPath: "@\(name)"))?.first?.stringValue }
}

/// A descriptor for report tests.
let reportTask = TaskDescriptor(id: "tiny-text", name: "Tiny text", summary: "Classify tiny texts", version: "1.0.0", type: "T",
                                inputFormats: ["csv"], outputs: ["label"], backbones: ["minilm-l6"], metrics: ["accuracy"],
                                sample: "none", tags: ["text"])
