// SPDX-License-Identifier: Apache-2.0
// An address assigned to an interface with its prefix length, as `ip addr` shows it (10.244.0.64/32). Not an
// IPPrefix: that type clears host bits, and the host bits are the point here.

import BGPWire

/// An interface address: the address itself and the length of the subnet it implies (`ifa_prefixlen`).
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: UInt8

    public init(_ address: IPAddress, prefixLength: UInt8) {
        precondition(Int(prefixLength) <= address.family.bitWidth, "prefix length exceeds the address width")
        self.address = address
        self.prefixLength = prefixLength
    }

    /// The subnet, host bits cleared.
    public var prefix: IPPrefix { IPPrefix(address: address, length: prefixLength) }

    public var description: String { "\(address)/\(prefixLength)" }
}
