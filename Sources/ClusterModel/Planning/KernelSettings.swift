// SPDX-License-Identifier: Apache-2.0
// How this node's routes reach the Linux kernel: BIRD's `protocol kernel` in calico/node's bird.cfg (learn,
// persist, graceful restart, `calico_kernel_programming`) turned into resolved values. Calico's own fields
// (`BGPConfiguration.spec.programClusterRoutes`, `ipv4NormalRoutePriority`, `ipv6NormalRoutePriority`) sit next to
// Swiftlet's extension `spec.kernel` (protocol number, table, tunnel devices, stale-route sweep); the node's
// BGPConfiguration overrides `default` field by field.

import BGPWire

/// The kernel side of one node's configuration, defaults applied.
public struct KernelSettings: Hashable, Sendable {
    /// Calico's `programClusterRoutes`: which routes to other nodes' blocks the BGP daemon programs (the rest are
    /// Felix's). Swiftlet programs VXLAN routes itself too and counts them with IPIP as the encapsulated class.
    public enum ClusterRoutes: String, Hashable, Sendable, CaseIterable {
        /// Every cluster route: plain, IPIP and VXLAN.
        case enabled = "Enabled"
        /// None: Felix programs every route into a pool (routes outside pools are still ours).
        case disabled = "Disabled"
        /// Only encapsulated ones (IPIP, VXLAN).
        case enabledIPIPOnly = "EnabledIPIPOnly"
        /// Only unencapsulated ones.
        case enabledNoEncapOnly = "EnabledNoEncapOnly"

        public func programs(_ encapsulation: Encapsulation) -> Bool {
            switch self {
            case .enabled: true
            case .disabled: false
            case .enabledIPIPOnly: encapsulation != .none
            case .enabledNoEncapOnly: encapsulation == .none
            }
        }
    }

    /// What a route that wants IPIP becomes when the kernel has no IPIP support (no `ipip` module).
    public enum IPIPFallback: String, Hashable, Sendable, CaseIterable {
        /// A plain route via the next hop (works when the underlay routes pod addresses, not across subnets).
        case plain = "Plain"
        /// Through the VXLAN device, when the remote node has VXLAN tunnel data.
        case vxlan = "VXLAN"
    }

    /// False: nothing is added, replaced or deleted (routes already installed stay as they are).
    public var programRoutes: Bool
    /// `rtm_protocol` of every route Swiftlet installs; only routes with it are ever changed or removed.
    public var routeProtocol: UInt8
    public var table: UInt32
    /// Calico's `ipv4NormalRoutePriority` / `ipv6NormalRoutePriority`: the metric of a normal route.
    public var ipv4NormalRoutePriority: UInt32
    public var ipv6NormalRoutePriority: UInt32
    public var programClusterRoutes: ClusterRoutes
    public var ipipDevice: String
    /// Create the IPIP device when it is missing (Calico relies on the module's `tunl0`).
    public var manageIPIPDevice: Bool
    public var ipipFallback: IPIPFallback
    public var vxlanDevice: String
    public var vxlanVNI: UInt32
    public var vxlanPort: UInt16
    /// Create and configure the VXLAN device and its ARP/FDB entries (false: Felix does).
    public var manageVXLANDevice: Bool
    /// MTUs of the tunnel devices; `nil` derives them from the uplink (IPIP − 20, VXLAN − 50).
    public var ipipMTU: UInt32?
    public var vxlanMTU: UInt32?
    /// Longest wait after start for End-of-RIB from every peer before routes of our protocol that nobody wants
    /// any more are deleted (BIRD's kernel `graceful restart`: sync is deferred until recovery ends).
    public var staleRouteSweepTime: UInt16

    public static let defaultNormalRoutePriority: UInt32 = 1024
    public static let defaultStaleRouteSweepTime: UInt16 = 120

    public init(
        programRoutes: Bool = true, routeProtocol: UInt8 = 12, table: UInt32 = 254,
        ipv4NormalRoutePriority: UInt32 = Self.defaultNormalRoutePriority,
        ipv6NormalRoutePriority: UInt32 = Self.defaultNormalRoutePriority,
        programClusterRoutes: ClusterRoutes = .enabled, ipipDevice: String = "tunl0", manageIPIPDevice: Bool = false,
        ipipFallback: IPIPFallback = .plain, vxlanDevice: String = "vxlan.calico", vxlanVNI: UInt32 = 4096,
        vxlanPort: UInt16 = 4789, manageVXLANDevice: Bool = true, ipipMTU: UInt32? = nil, vxlanMTU: UInt32? = nil,
        staleRouteSweepTime: UInt16 = Self.defaultStaleRouteSweepTime
    ) {
        self.programRoutes = programRoutes
        self.routeProtocol = routeProtocol
        self.table = table
        self.ipv4NormalRoutePriority = ipv4NormalRoutePriority
        self.ipv6NormalRoutePriority = ipv6NormalRoutePriority
        self.programClusterRoutes = programClusterRoutes
        self.ipipDevice = ipipDevice
        self.manageIPIPDevice = manageIPIPDevice
        self.ipipFallback = ipipFallback
        self.vxlanDevice = vxlanDevice
        self.vxlanVNI = vxlanVNI
        self.vxlanPort = vxlanPort
        self.manageVXLANDevice = manageVXLANDevice
        self.ipipMTU = ipipMTU
        self.vxlanMTU = vxlanMTU
        self.staleRouteSweepTime = staleRouteSweepTime
    }

    public func normalRoutePriority(_ family: IPAddress.Family) -> UInt32 {
        family == .ipv4 ? ipv4NormalRoutePriority : ipv6NormalRoutePriority
    }

    /// The kernel metric of a route learned with `localPreference` (Calico's `krt_metric` ↔ LOCAL_PREF encoding for
    /// elevated-priority routes, used by KubeVirt live migration: the exporter sets LOCAL_PREF = 2147483647 − metric,
    /// the importer recovers metric = 2147483647 − LOCAL_PREF). Only a LOCAL_PREF that encodes a metric better than
    /// the normal priority elevates the route; anything else, LOCAL_PREF 100 included, gets the normal priority.
    public func metric(_ family: IPAddress.Family, localPreference: UInt32?) -> UInt32 {
        let normal = normalRoutePriority(family)
        guard let localPreference, localPreference <= Self.priorityBase else { return normal }
        let encoded = Self.priorityBase - localPreference
        return encoded < normal ? encoded : normal
    }

    /// 2^31 − 1: the base of Calico's LOCAL_PREF ↔ metric encoding.
    public static let priorityBase: UInt32 = 2_147_483_647
}

/// A node's tunnel endpoints as Calico records them on the Node resource (`spec.ipv4VXLANTunnelAddr`,
/// `spec.vxlanTunnelMACAddr`, `spec.bgp.ipv4IPIPTunnelAddr`), with its underlay address.
public struct TunnelEndpoint: Hashable, Sendable {
    public var nodeName: String
    /// The node's `bgp.ipv4Address` (the outer destination, and the BGP next hop its routes carry).
    public var nodeAddress: IPAddress
    /// The VXLAN device's address on that node (the route's gateway, `onlink`).
    public var vxlanAddress: IPAddress?
    /// The VXLAN device's MAC on that node (ARP entry for `vxlanAddress`, FDB entry towards `nodeAddress`).
    public var vxlanMAC: [UInt8]?
    /// The IPIP device's address on that node.
    public var ipipAddress: IPAddress?

    public init(
        nodeName: String, nodeAddress: IPAddress, vxlanAddress: IPAddress? = nil, vxlanMAC: [UInt8]? = nil,
        ipipAddress: IPAddress? = nil
    ) {
        self.nodeName = nodeName
        self.nodeAddress = nodeAddress
        self.vxlanAddress = vxlanAddress
        self.vxlanMAC = vxlanMAC
        self.ipipAddress = ipipAddress
    }
}
