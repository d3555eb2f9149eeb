// SPDX-License-Identifier: Apache-2.0
// AGGREGATOR and AS4_AGGREGATOR (RFC 4271 §4.3 type 7; RFC 6793 §3).

/// The AS and BGP Identifier of the speaker that aggregated the route. On a 2-octet session AGGREGATOR carries a
/// 2-octet AS (6 octets total); on a 4-octet session, and always in AS4_AGGREGATOR, a 4-octet AS (8 octets).
public struct Aggregator: Hashable, Sendable, CustomStringConvertible {
    public var asn: UInt32
    /// Always an IPv4-shaped BGP Identifier.
    public var address: IPAddress

    public init(asn: UInt32, address: IPAddress) {
        self.asn = asn
        self.address = address
    }

    public var description: String { "\(asn) \(address)" }
}
