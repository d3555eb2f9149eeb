// SPDX-License-Identifier: Apache-2.0
// What a BGPFilter rule can see of a route, independent of how BGPCore stores paths: the prefix, where the route
// came from, the session it crosses, its outgoing interface, communities, AS path and kernel priority. The caller
// builds one per (route, session, direction); BIRD's equivalents are `net`, `source`, `is_same_as`, `ifname`,
// `bgp_community`, `bgp_large_community`, `bgp_path` and `krt_metric`.

import BGPWire

/// A route as policy sees it.
public struct PolicySubject: Hashable, Sendable {
    /// Where the route came from (BIRD `source`).
    public enum Source: String, Hashable, Sendable {
        /// Originated on this node (an IPAM block, a static or kernel route): not `RTS_BGP`.
        case local
        /// Learned from a BGP peer (`RTS_BGP`).
        case remotePeer
    }

    public var prefix: IPPrefix
    public var source: Source
    /// The type of the session the route is imported over or exported to.
    public var peerType: FilterRule.PeerType
    /// The route's outgoing interface (`ifname`); `nil` when it has none, which no `interface` rule matches.
    public var interfaceName: String?
    public var communities: [Community]
    public var largeCommunities: [LargeCommunity]
    public var asPath: ASPath
    /// The kernel route metric (`krt_metric`); `nil` when unset, which no `priority` rule matches.
    public var priority: UInt32?

    public init(
        prefix: IPPrefix, source: Source, peerType: FilterRule.PeerType, interfaceName: String? = nil,
        communities: [Community] = [], largeCommunities: [LargeCommunity] = [], asPath: ASPath = ASPath(),
        priority: UInt32? = nil
    ) {
        self.prefix = prefix
        self.source = source
        self.peerType = peerType
        self.interfaceName = interfaceName
        self.communities = communities
        self.largeCommunities = largeCommunities
        self.asPath = asPath
        self.priority = priority
    }

    /// A subject whose communities and AS path come from `attributes`.
    public init(
        prefix: IPPrefix, source: Source, peerType: FilterRule.PeerType, attributes: PathAttributes,
        interfaceName: String? = nil, priority: UInt32? = nil
    ) {
        self.init(
            prefix: prefix, source: source, peerType: peerType, interfaceName: interfaceName,
            communities: attributes.communities ?? [], largeCommunities: attributes.largeCommunities ?? [],
            asPath: attributes.asPath ?? ASPath(), priority: priority)
    }
}
