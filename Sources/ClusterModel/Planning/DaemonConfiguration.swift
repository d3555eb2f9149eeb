// SPDX-License-Identifier: Apache-2.0
// What one swiftletd instance runs, planned from the cluster's resources for one node: its identity (router ID,
// AS), where it listens, the sessions it keeps, the routes it originates and the rules for what it may export.
// Everything here is resolved: defaults applied, secrets read, selectors evaluated, community names looked up, blocks
// assigned, so the daemon never looks at Calico resources again.

import BGPPolicy
import BGPWire

/// The configuration of the BGP speaker on one node.
public struct DaemonConfiguration: Hashable, Sendable {
    public var nodeName: String
    /// The node's `bgp.ipv4Address` (Calico's router ID; RFC 4271 §4.2 BGP Identifier).
    public var routerID: IPAddress
    /// Node `bgp.asNumber` ?? `BGPConfiguration(default).spec.asNumber` ?? 64512.
    public var localAS: UInt32
    /// `nil` listens on every address.
    public var listenAddress: IPAddress?
    public var listenPort: UInt16
    /// Sorted by name.
    public var peers: [PeerSpec]
    /// This node's route reflector cluster ID (RFC 4456 §7), when it is a route reflector.
    public var routeReflectorClusterID: IPAddress?
    /// `logSeverityScreen` of the node's or the default BGPConfiguration.
    public var logSeverity: BGPConfigurationResource.LogSeverity
    /// Things the daemon should log once at startup: accepted-but-ignored fields and kinds, unsupported selectors.
    public var notes: [String]
    /// The node's own blocks (blackholed) and the service ranges it advertises, sorted by prefix.
    public var originated: [OriginatedRoute]
    /// What any session may export (`calico_export_to_bgp_peers`), applied after the session's BGPFilters.
    public var exportScope: ExportScope
    /// `prefixAdvertisements` of the node's BGPConfiguration, else of `default`, names resolved; applied on export.
    public var communityAdvertisements: [CommunityAdvertisement]
    /// BGPPeer `peerIPRange`s that apply to this node, sorted by name.
    public var dynamicNeighbors: [DynamicNeighborRange]
    /// Every IPPool, sorted by name (the kernel side needs their encapsulation).
    public var ipPools: [IPPoolResource]
    /// The node's `bgp.ipv6Address` (our IPv6 next hop when a session's own address is IPv4).
    public var ipv6Address: IPAddress?
    /// How routes reach the kernel (`programClusterRoutes`, route priorities, `spec.kernel`).
    public var kernel = KernelSettings()
    /// The networks of the node's `bgp.ipv4Address` / `ipv6Address` CIDRs: CrossSubnet's "same subnet".
    public var nodeSubnets: [IPPrefix] = []
    /// Every node with BGP, this one included, with its tunnel data; sorted by name.
    public var tunnelEndpoints: [TunnelEndpoint] = []

    /// This node's own tunnel endpoint.
    public var localTunnelEndpoint: TunnelEndpoint? { tunnelEndpoints.first { $0.nodeName == nodeName } }

    public init(
        nodeName: String, routerID: IPAddress, localAS: UInt32, listenAddress: IPAddress? = nil,
        listenPort: UInt16 = BGPConfigurationResource.defaultListenPort, peers: [PeerSpec] = [],
        routeReflectorClusterID: IPAddress? = nil, logSeverity: BGPConfigurationResource.LogSeverity = .info,
        notes: [String] = [], originated: [OriginatedRoute] = [], exportScope: ExportScope = ExportScope(),
        communityAdvertisements: [CommunityAdvertisement] = [], dynamicNeighbors: [DynamicNeighborRange] = [],
        ipPools: [IPPoolResource] = [], ipv6Address: IPAddress? = nil
    ) {
        self.ipv6Address = ipv6Address
        self.nodeName = nodeName
        self.routerID = routerID
        self.localAS = localAS
        self.listenAddress = listenAddress
        self.listenPort = listenPort
        self.peers = peers
        self.routeReflectorClusterID = routeReflectorClusterID
        self.logSeverity = logSeverity
        self.notes = notes
        self.originated = originated
        self.exportScope = exportScope
        self.communityAdvertisements = communityAdvertisements
        self.dynamicNeighbors = dynamicNeighbors
        self.ipPools = ipPools
    }

    /// The peer called `name` (`Mesh_10_0_0_2`), if any.
    public func peer(named name: String) -> PeerSpec? { peers.first { $0.name == name } }

    /// The dynamic neighbor range called `name` (`Dynamic_10_0_0_0_24`), if any.
    public func dynamicNeighbor(named name: String) -> DynamicNeighborRange? {
        dynamicNeighbors.first { $0.name == name }
    }
}
