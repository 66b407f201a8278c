// HTMLText: escaping text for HTML and SVG (every `&`, `<`, `>`, `"` and `'`, so inputs
// such as a review containing `<script>` show as text and never become markup) and the
// number formats the report uses. The report is well-formed XML (XHTML syntax), so tests
// can parse it. Not here: the report's layout (RunReport).

import Foundation

/// Escaping and formatting for the HTML report.
public enum HTMLText {
    /// `text` with the five markup characters replaced by entities; control characters other
    /// than tab and newline (not allowed in XML) are dropped.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// At most `limit` characters of `text`, with an ellipsis when cut.
    public static func truncated(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    /// A metric value with 4 decimals (`-` for a missing or non-finite one).
    public static func metric(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.4f", value)
    }

    /// A number as short as it reads well: integers plainly, others with 4 significant digits.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }

    /// A coordinate with one decimal, as the charts write them.
    static func coordinate(_ value: Double) -> String { String(format: "%.1f", value) }
}
