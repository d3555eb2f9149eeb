// SPDX-License-Identifier: Apache-2.0
// A node's BGP address as Calico writes it in `Node.spec.bgp.ipv4Address` / `ipv6Address`: the host address with
// the subnet length of its interface (`10.0.0.1/24`). Unlike `IPPrefix`, the host bits are the point, so they are
// kept. A bare address is accepted and means a host route (/32 or /128).

import BGPWire

/// An interface address: host address plus subnet length.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: UInt8

    public init(address: IPAddress, prefixLength: UInt8) {
        precondition(Int(prefixLength) <= address.family.bitWidth, "prefix length exceeds the address width")
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `a.b.c.d/n`, `x::y/n`, or a bare address; `nil` otherwise.
    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/") else {
            guard let address = IPAddress(text) else { return nil }
            self.init(address: address, prefixLength: UInt8(address.family.bitWidth))
            return
        }
        guard let address = IPAddress(text[text.startIndex..<slash]),
            let length = UInt8(text[text.index(after: slash)...]), Int(length) <= address.family.bitWidth
        else { return nil }
        self.init(address: address, prefixLength: length)
    }

    /// The connected subnet.
    public var subnet: IPPrefix { IPPrefix(address: address, length: prefixLength) }

    public var description: String { "\(address)/\(prefixLength)" }
}
