// SPDX-License-Identifier: Apache-2.0
// The hex text form that captured messages are stored and exchanged in (test vectors, `swiftletctl decode --hex`):
// hex digits, with whitespace and lines starting with '#' ignored.

extension Array where Element == UInt8 {
    /// Parses hex text; `nil` on any other character or an odd number of digits.
    public init?(hexText raw: some Sequence<UInt8>) {
        var out: [UInt8] = []
        var high: UInt8? = nil
        var inComment = false
        var atLineStart = true
        for c in raw {
            if c == UInt8(ascii: "\n") {
                inComment = false
                atLineStart = true
                continue
            }
            if inComment { continue }
            if atLineStart && c == UInt8(ascii: "#") {
                inComment = true
                continue
            }
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") { continue }
            atLineStart = false
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { return nil }
        self = out
    }
}
