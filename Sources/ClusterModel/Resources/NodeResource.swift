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
        /// `ipv4IPIPTunnelAddr`: the address of the node's IPIP device (written by calico/node).
        public var ipv4IPIPTunnelAddress: IPAddress?

        public init(
            ipv4Address: InterfaceAddress? = nil, ipv6Address: InterfaceAddress? = nil, asNumber: UInt32? = nil,
            routeReflectorClusterID: IPAddress? = nil, ipv4IPIPTunnelAddress: IPAddress? = nil
        ) {
            self.ipv4IPIPTunnelAddress = ipv4IPIPTunnelAddress
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

        /// The node's address of `family` with its prefix length, if it has one.
        public func interfaceAddress(_ family: IPAddress.Family) -> InterfaceAddress? {
            switch family {
            case .ipv4: ipv4Address
            case .ipv6: ipv6Address
            }
        }
    }

    /// `spec.ipv4VXLANTunnelAddr` / `spec.vxlanTunnelMACAddr`: the node's VXLAN device (RFC 7348 VTEP), as
    /// calico/node and Felix record it; other nodes route to its blocks through it.
    public struct VXLAN: Hashable, Sendable {
        public var ipv4TunnelAddress: IPAddress?
        /// Six octets.
        public var macAddress: [UInt8]?

        public init(ipv4TunnelAddress: IPAddress? = nil, macAddress: [UInt8]? = nil) {
            self.ipv4TunnelAddress = ipv4TunnelAddress
            self.macAddress = macAddress
        }
    }

    public var metadata: ResourceMetadata
    /// `nil` when the node runs no BGP (no `spec.bgp`).
    public var bgp: BGP?
    public var vxlan: VXLAN

    public init(metadata: ResourceMetadata, bgp: BGP?, vxlan: VXLAN = VXLAN()) {
        self.metadata = metadata
        self.bgp = bgp
        self.vxlan = vxlan
    }
}
