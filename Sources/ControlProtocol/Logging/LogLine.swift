// SPDX-License-Identifier: Apache-2.0
// One log line as logfmt or JSON. Fields keep their order (ts, level, logger, msg, then metadata sorted by key).
// logfmt quotes a value that is empty or holds a space, '=', '"', '\' or a control character, and escapes inside
// the quotes so that a line is always one line; JSON escapes per RFC 8259. Keys are reduced to [A-Za-z0-9_.-].

/// The two line formats.
public enum LogLineFormat: String, Hashable, Sendable, CaseIterable {
    case logfmt, json

    /// The line for `fields`, without the trailing newline.
    public func render(_ fields: [(String, String)]) -> String {
        switch self {
        case .logfmt: LogLine.logfmt(fields)
        case .json: LogLine.json(fields)
        }
    }
}

public enum LogLine {
    public static func logfmt(_ fields: [(String, String)]) -> String {
        var out = ""
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { out += " " }
            out += safeKey(key)
            out += "="
            let needsQuotes = value.isEmpty || value.unicodeScalars.contains {
                $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || isControl($0)
            }
            guard needsQuotes else {
                out += value
                continue
            }
            out += "\""
            appendEscaped(value, into: &out, escaping: isControl)
            out += "\""
        }
        return out
    }

    public static func json(_ fields: [(String, String)]) -> String {
        var out = "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { out += "," }
            jsonString(key, into: &out)
            out += ":"
            jsonString(value, into: &out)
        }
        return out + "}"
    }

    /// `text` as a JSON string (RFC 8259 §7), quotes included. swiftletctl's JSON output uses it too.
    public static func jsonString(_ text: String, into out: inout String) {
        out += "\""
        appendEscaped(text, into: &out) { $0.value < 0x20 || $0.value == 0x7F }
        out += "\""
    }

    /// The escapes logfmt's quoted values and JSON strings share: quote, backslash, \n \r \t, and \uXXXX for the
    /// other scalars `escaping` picks.
    static func appendEscaped(
        _ text: String, into out: inout String, escaping: (Unicode.Scalar) -> Bool
    ) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if escaping(scalar) { out += unicodeEscape(scalar) } else { out.unicodeScalars.append(scalar) }
            }
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    static func safeKey(_ key: String) -> String {
        guard !key.isEmpty else { return "_" }
        var out = ""
        for scalar in key.unicodeScalars {
            let ok = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_" || scalar == "." || scalar == "-"
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        return out
    }
}
