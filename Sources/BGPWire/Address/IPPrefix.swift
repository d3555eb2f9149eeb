// SPDX-License-Identifier: Apache-2.0
// An IP prefix (address + length), the unit of NLRI (RFC 4271 §4.3, RFC 4760 §5). Host bits are always zero:
// decoding masks them (RFC 4271 §4.3 says trailing bits are irrelevant), so equal routes compare equal.

/// An IPv4 or IPv6 prefix with the bits past `length` cleared.
public struct IPPrefix: Hashable, Sendable, Comparable {
    public let address: IPAddress
    public let length: UInt8

    /// Builds a prefix, clearing host bits. The length must fit the family; that is our caller's promise.
    @inlinable
    public init(address: IPAddress, length: UInt8) {
        precondition(Int(length) <= address.family.bitWidth, "prefix length exceeds the address width")
        self.address = address.masked(to: length)
        self.length = length
    }

    /// Builds from already-masked parts without checks (decoder hot path).
    @inlinable
    init(uncheckedAddress address: IPAddress, length: UInt8) {
        self.address = address
        self.length = length
    }

    public var family: IPAddress.Family { address.family }

    public static func < (a: IPPrefix, b: IPPrefix) -> Bool {
        (a.address, a.length) < (b.address, b.length)
    }

    /// True when `other` lies inside this prefix (or equals it).
    public func contains(_ other: IPPrefix) -> Bool {
        other.family == family && other.length >= length && other.address.masked(to: length) == address
    }

    /// True when `address` lies inside this prefix.
    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && address.masked(to: length) == self.address
    }
}

extension IPAddress {
    /// The address with every bit past `length` cleared.
    @inlinable
    public func masked(to length: UInt8) -> IPAddress {
        switch family {
        case .ipv4:
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(length))
            return IPAddress(ipv4: ipv4Value & mask)
        case .ipv6:
            let l = UInt64(length)
            let hiMask: UInt64 = l >= 64 ? ~0 : (l == 0 ? 0 : ~UInt64(0) << (64 - l))
            let loMask: UInt64 = l <= 64 ? 0 : (l >= 128 ? ~0 : ~UInt64(0) << (128 - l))
            return IPAddress(ipv6High: high & hiMask, low: low & loMask)
        }
    }
}

extension IPPrefix: CustomStringConvertible {
    public var description: String { "\(address)/\(length)" }
}

extension IPPrefix {
    /// Parses `a.b.c.d/n` or `x::y/n`. Host bits are rejected rather than silently cleared, since text comes from
    /// people, and a typo there should be loud.
    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/"), let address = IPAddress(text[text.startIndex..<slash]),
            let length = UInt8(text[text.index(after: slash)...]), Int(length) <= address.family.bitWidth,
            address.masked(to: length) == address
        else { return nil }
        self.init(uncheckedAddress: address, length: length)
    }
}
