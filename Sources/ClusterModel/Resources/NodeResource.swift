// SPDX-License-Identifier: Apache-2.0
// `kind: Node` (Calico v3): one cluster node, its labels (for selectors) and `spec.bgp`: the addresses BGP uses,
// its AS number, and a route reflector cluster ID when the node is a route reflector (RFC 4456 §7 CLUSTER_ID).

import BGPWire

/// A Calico `Node` resource; only the BGP part of the spec is interpreted.
public struct NodeResource: Hashable, Sendable {
    public static let kind = "Node"

    /// `spec.bgp`.
    public struct BGP: Hashable, Sendable {
        /// The node's IPv4 address; its host part is the BGP router ID.
        public var ipv4Address: InterfaceAddress?
        public var ipv6Address: InterfaceAddress?
        public var asNumber: UInt32?
        /// Set on route reflectors; they leave the full mesh.
        public var routeReflectorClusterID: IPAddress?

        public init(
            ipv4Address: InterfaceAddress? = nil, ipv6Address: InterfaceAddress? = nil, asNumber: UInt32? = nil,
            routeReflectorClusterID: IPAddress? = nil
        ) {
            self.ipv4Address = ipv4Address
            self.ipv6Address = ipv6Address
            self.asNumber = asNumber
            self.routeReflectorClusterID = routeReflectorClusterID
        }

        /// The node's address of `family`, if it has one.
        public func address(_ family: IPAddress.Family) -> IPAddress? {
            switch family {
            case .ipv4: ipv4Address?.address
            case .ipv6: ipv6Address?.address
            }
        }
    }

    public var metadata: ResourceMetadata
    /// `nil` when the node runs no BGP (no `spec.bgp`).
    public var bgp: BGP?

    public init(metadata: ResourceMetadata, bgp: BGP?) {
        self.metadata = metadata
        self.bgp = bgp
    }
}
