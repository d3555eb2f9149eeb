// SPDX-License-Identifier: Apache-2.0
// A minimal JSON value with compact, key-ordered rendering: the CLI's output format. Keys keep insertion order so
// the output reads like the message does (and golden files stay stable).

import ControlProtocol

/// A JSON value.
enum JSON: Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    static func == (a: JSON, b: JSON) -> Bool { a.rendered == b.rendered }

    static func uint<T: BinaryInteger>(_ value: T) -> JSON { .int(Int64(value)) }

    /// Compact one-line rendering.
    var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    func render(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): JSON.escape(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.render(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                JSON.escape(key, into: &out)
                out += ":"
                value.render(into: &out)
            }
            out += "}"
        }
    }

    static func escape(_ s: String, into out: inout String) { LogLine.jsonString(s, into: &out) }
}

extension Array where Element == UInt8 {
    /// Lower-case hex, no separators.
    var hexString: String {
        let digits = Swift.Array<Character>("0123456789abcdef")
        var s = ""
        s.reserveCapacity(count * 2)
        for byte in self {
            s.append(digits[Int(byte >> 4)])
            s.append(digits[Int(byte & 0xF)])
        }
        return s
    }
}
