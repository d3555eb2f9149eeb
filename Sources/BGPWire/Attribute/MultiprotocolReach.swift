// SPDX-License-Identifier: Apache-2.0
// MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3-4), for the families whose NLRI are IP prefixes. Other families
// stay in `PathAttributes.unknown`, byte-exact, since Swiftlet neither routes nor re-advertises them.

/// MP_REACH_NLRI (RFC 4760 §3).
///
///     | AFI (2) | SAFI (1) | Next Hop Length (1) | Next Hop (var) | Reserved (1) | NLRI (var) |
public struct MultiprotocolReach: Hashable, Sendable {
    public var family: AddressFamily
    /// One global address, optionally followed by an IPv6 link-local one (RFC 2545 §3: a 32-octet next hop).
    public var nextHops: [IPAddress]
    public var nlri: [NLRI]

    public init(family: AddressFamily, nextHops: [IPAddress], nlri: [NLRI]) {
        self.family = family
        self.nextHops = nextHops
        self.nlri = nlri
    }

    public var globalNextHop: IPAddress? { nextHops.first }
    public var linkLocalNextHop: IPAddress? { nextHops.count > 1 ? nextHops[1] : nil }
}

/// MP_UNREACH_NLRI (RFC 4760 §4).
///
///     | AFI (2) | SAFI (1) | Withdrawn Routes (var) |
public struct MultiprotocolUnreach: Hashable, Sendable {
    public var family: AddressFamily
    public var withdrawn: [NLRI]

    public init(family: AddressFamily, withdrawn: [NLRI]) {
        self.family = family
        self.withdrawn = withdrawn
    }
}
