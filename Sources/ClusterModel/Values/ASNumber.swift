// SPDX-License-Identifier: Apache-2.0
// AS number text as Calico's `numorstring.ASNumber` accepts it: a plain number (YAML integer or string) or the
// RFC 5396 "asdot" form `<high>.<low>`. Four-octet AS numbers are RFC 6793; AS 0 is refused (RFC 7607 §2).

/// Parsing of Calico AS number values.
public enum ASNumber {
    /// The accepted range, for messages.
    public static let rangeText = "1-4294967295"

    /// `64512`, `"64512"` or asdot `"1.10"` (= 65546); `nil` when malformed, 0, or out of range.
    public static func parse(_ text: some StringProtocol) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let value: UInt32
        switch parts.count {
        case 1:
            guard parts[0].allSatisfy(\.isASCIIDigit), let v = UInt32(parts[0]) else { return nil }
            value = v
        case 2:
            // RFC 5396 §1: asdot is `high.low`, each a 16-bit decimal.
            guard parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }), let high = UInt16(parts[0]),
                let low = UInt16(parts[1])
            else { return nil }
            value = UInt32(high) << 16 | UInt32(low)
        default:
            return nil
        }
        return value == 0 ? nil : value
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
