// SPDX-License-Identifier: Apache-2.0
// What the routing engine needs to know about one configured session beyond the session layer: its policies, its
// role for reflection, next-hop handling and limits. Built by the daemon from the cluster model (PeerSpec); BGPCore
// never sees configuration types.

import BGPPolicy
import BGPWire

/// The routing settings of one peer.
public struct RoutingPeer: Hashable, Sendable {
    public var name: String
    /// The peer's BGPFilters in `BGPPeer.filters` order (import and export rules both).
    public var filters: [BGPFilter]
    /// Calico `nextHopMode` / `keepOriginalNextHop`.
    public var nextHopMode: ExportTarget.NextHopMode
    /// We reflect routes to this peer (RFC 4456 §6; Calico: we have a cluster ID and the peer is not in it).
    public var isReflectorClient: Bool
    /// Calico `numAllowedLocalASNumbers`.
    public var allowASIn: Int
    /// End the session with Cease/Maximum Number of Prefixes Reached (RFC 4486 §4) above this many paths.
    public var maximumPrefixes: Int?
    /// Keep what the peer sent before import policy (soft reconfiguration inbound, `show route received`).
    public var keepPrePolicy: Bool
    /// RFC 4271 §6.3 first-AS check on eBGP paths.
    public var enforceFirstAS: Bool
    /// Give the peer its own update group (split horizon applied exactly; see `UpdateGroupKey`).
    public var isolated: Bool
    /// Subnets the node shares with the peer (the node's own address prefixes that contain the peer's address):
    /// third-party next hops toward eBGP (RFC 4271 §5.1.3).
    public var sharedSubnets: [IPPrefix]
    /// Our addresses of each family for next-hop self when the session's own address is of the other family.
    public var localIPv4: IPAddress?
    public var localIPv6: IPAddress?

    public init(
        name: String, filters: [BGPFilter] = [], nextHopMode: ExportTarget.NextHopMode = .auto,
        isReflectorClient: Bool = false, allowASIn: Int = 0, maximumPrefixes: Int? = nil, keepPrePolicy: Bool = false,
        enforceFirstAS: Bool = true, isolated: Bool = false, sharedSubnets: [IPPrefix] = [], localIPv4: IPAddress? = nil,
        localIPv6: IPAddress? = nil
    ) {
        self.name = name
        self.filters = filters
        self.nextHopMode = nextHopMode
        self.isReflectorClient = isReflectorClient
        self.allowASIn = allowASIn
        self.maximumPrefixes = maximumPrefixes
        self.keepPrePolicy = keepPrePolicy
        self.enforceFirstAS = enforceFirstAS
        self.isolated = isolated
        self.sharedSubnets = sharedSubnets
        self.localIPv4 = localIPv4
        self.localIPv6 = localIPv6
    }
}
