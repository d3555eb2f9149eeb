// SPDX-License-Identifier: Apache-2.0
// One path to a prefix: what a peer advertised (after import policy), with the facts the decision process needs.
// Paths are values; their attributes are shared `AttributeSet`s.

import BGPWire

/// A path (RFC 4271 §3.1 "route": a prefix and the attributes of a path to it) as kept in the RIBs.
public struct Path: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    /// The ADD-PATH Path Identifier it arrived with (RFC 7911), 0 without ADD-PATH. With `source` it identifies the
    /// path: a new advertisement with the same pair replaces it (implicit withdraw, RFC 4271 §3.1).
    public var pathID: UInt32
    public var source: PathSource
    public var attributes: AttributeSet
    /// The next hop to forward to: NEXT_HOP, or the global MP_REACH_NLRI next hop.
    public var nextHop: IPAddress
    /// The IPv6 link-local next hop, when one was sent (RFC 2545 §3).
    public var linkLocalNextHop: IPAddress?
    /// The cost to reach `nextHop` from the next-hop resolver; `nil` = unknown or unreachable (RFC 4271 §9.1.2.1).
    public var igpMetric: UInt32?
    /// Kept for a restarting peer (RFC 4724 §4.2) or long-lived stale (RFC 9494); depreferenced when LLGR-stale.
    public var stale: Bool = false

    public init(
        prefix: IPPrefix, pathID: UInt32 = 0, source: PathSource, attributes: AttributeSet, nextHop: IPAddress,
        linkLocalNextHop: IPAddress? = nil, igpMetric: UInt32? = 0
    ) {
        self.prefix = prefix
        self.pathID = pathID
        self.source = source
        self.attributes = attributes
        self.nextHop = nextHop
        self.linkLocalNextHop = linkLocalNextHop
        self.igpMetric = igpMetric
    }

    public var description: String {
        "\(prefix) via \(nextHop) from \(source)\(pathID == 0 ? "" : " path-id \(pathID)")"
    }
}
