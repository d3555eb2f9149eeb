// SPDX-License-Identifier: Apache-2.0
// An Ethernet (link-layer) address, for NDA_LLADDR.

/// A 6-octet Ethernet address.
public struct LinkLayerAddress: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 6, "an Ethernet address has 6 octets")
        self.bytes = bytes
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
}
