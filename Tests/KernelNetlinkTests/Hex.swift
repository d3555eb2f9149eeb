// SPDX-License-Identifier: Apache-2.0
// Hex text for captured netlink octets (whitespace ignored), and a printer for failure messages.

import BGPWire

/// Octets from hex text; traps on bad text, which is a typo in the test.
func hex(_ text: String) -> [UInt8] {
    guard let bytes = [UInt8](hexText: text.utf8) else { preconditionFailure("bad hex in test: \(text)") }
    return bytes
}

extension Array where Element == UInt8 {
    var hexString: String { map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}

func ip(_ text: String) -> IPAddress { IPAddress(text)! }
func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }
