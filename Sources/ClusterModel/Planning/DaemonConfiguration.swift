// SPDX-License-Identifier: Apache-2.0
// What one swiftletd instance runs, planned from the cluster's resources for one node: its identity (router ID,
// AS), where it listens, and the sessions it keeps. Everything here is resolved: defaults applied, secrets read,
// selectors evaluated, so the daemon never looks at Calico resources again.

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

    public init(
        nodeName: String, routerID: IPAddress, localAS: UInt32, listenAddress: IPAddress? = nil,
        listenPort: UInt16 = BGPConfigurationResource.defaultListenPort, peers: [PeerSpec] = [],
        routeReflectorClusterID: IPAddress? = nil, logSeverity: BGPConfigurationResource.LogSeverity = .info,
        notes: [String] = []
    ) {
        self.nodeName = nodeName
        self.routerID = routerID
        self.localAS = localAS
        self.listenAddress = listenAddress
        self.listenPort = listenPort
        self.peers = peers
        self.routeReflectorClusterID = routeReflectorClusterID
        self.logSeverity = logSeverity
        self.notes = notes
    }

    /// The peer called `name` (`Mesh_10_0_0_2`), if any.
    public func peer(named name: String) -> PeerSpec? { peers.first { $0.name == name } }
}
