// SPDX-License-Identifier: Apache-2.0
// `kind: BGPConfiguration` (Calico v3): cluster-wide BGP settings in the resource named `default`, and per-node
// overrides in resources named `node.<nodeName>`. Fields Calico has keep Calico's names and defaults; the timer and
// listen-address fields are Swiftlet extensions (BIRD took them from its own config, not from Calico). Service ranges
// and `serviceLoadBalancerAggregation` are read from `default` only (confd `getServiceClusterIPs(globalBGPConfig)`);
// `communities` and `prefixAdvertisements` from `node.<name>` replace those of `default` (confd looks up the node key
// first), and names are resolved within the one resource, as Calico's validator does.

import BGPPolicy
import BGPWire

/// A `BGPConfiguration` resource.
public struct BGPConfigurationResource: Hashable, Sendable {
    public static let kind = "BGPConfiguration"
    /// Calico's default AS number when neither the node nor `default` sets one.
    public static let defaultASNumber: UInt32 = 64512
    /// The BGP port (RFC 4271 §8.2.1, "TCP port 179").
    public static let defaultListenPort: UInt16 = 179

    /// Which nodes the resource applies to, from its name.
    public enum Scope: Hashable, Sendable {
        /// `metadata.name: default`.
        case cluster
        /// `metadata.name: node.<nodeName>`.
        case node(String)
    }

    /// Calico's `logSeverityScreen` values.
    public enum LogSeverity: String, Hashable, Sendable, CaseIterable {
        case debug = "Debug", info = "Info", warning = "Warning", error = "Error", fatal = "Fatal"
    }

    /// Calico's `bindMode`: `None` listens on every address, `NodeIP` only on the node's address.
    public enum BindMode: String, Hashable, Sendable, CaseIterable {
        case none = "None", nodeIP = "NodeIP"
    }

    /// Calico's `serviceLoadBalancerAggregation`: `Enabled` (the default) advertises the `serviceLoadBalancerIPs`
    /// ranges whole from every node; `Disabled` advertises one /32 per service instead (not done by Swiftlet yet).
    public enum ServiceLoadBalancerAggregation: String, Hashable, Sendable, CaseIterable {
        case enabled = "Enabled", disabled = "Disabled"
    }

    /// One `communities` entry: a name `prefixAdvertisements` can use instead of the value.
    public struct NamedCommunity: Hashable, Sendable {
        public var name: String
        public var value: CommunityValue

        public init(name: String, value: CommunityValue) {
            self.name = name
            self.value = value
        }
    }

    /// `spec.kernel` (Swiftlet extension): the fields of `KernelSettings`, each optional.
    public struct Kernel: Hashable, Sendable {
        public var programRoutes: Bool?
        public var routeProtocol: UInt8?
        public var table: UInt32?
        public var ipipDevice: String?
        public var manageIPIPDevice: Bool?
        public var ipipFallback: KernelSettings.IPIPFallback?
        public var ipipMTU: UInt32?
        public var vxlanDevice: String?
        public var vxlanVNI: UInt32?
        public var vxlanPort: UInt16?
        public var manageVXLANDevice: Bool?
        public var vxlanMTU: UInt32?
        public var staleRouteSweepTime: UInt16?

        public init() {}
    }

    public struct Spec: Hashable, Sendable {
        /// Default AS for nodes without their own `bgp.asNumber`; only on `default`.
        public var asNumber: UInt32?
        /// `nil` means Calico's default, true; only on `default`.
        public var nodeToNodeMeshEnabled: Bool?
        /// `nil` means 179.
        public var listenPort: UInt16?
        public var logSeverityScreen: LogSeverity?
        /// Password for every mesh session; only on `default`.
        public var nodeMeshPassword: SecretReference?
        /// Graceful restart time (seconds) for mesh sessions; only on `default`.
        public var nodeMeshMaxRestartTime: UInt16?
        public var bindMode: BindMode?
        /// `serviceClusterIPs[].cidr`; only on `default`.
        public var serviceClusterIPs: [IPPrefix]
        /// `serviceExternalIPs[].cidr`; only on `default`.
        public var serviceExternalIPs: [IPPrefix]
        /// `serviceLoadBalancerIPs[].cidr`; only on `default`.
        public var serviceLoadBalancerIPs: [IPPrefix]
        /// `nil` means `Enabled`; only on `default`.
        public var serviceLoadBalancerAggregation: ServiceLoadBalancerAggregation?
        public var communities: [NamedCommunity]
        /// `prefixAdvertisements` with community names resolved; `nil` when the field is absent (a `node.<name>`
        /// resource without it leaves `default`'s in force).
        public var prefixAdvertisements: [CommunityAdvertisement]?

        // Swiftlet extensions (not in Calico's schema).
        /// Default hold time (seconds) for every session of the node(s) in scope.
        public var holdTime: UInt16?
        /// Default keepalive time (seconds); `nil` means a third of the hold time.
        public var keepaliveTime: UInt16?
        /// Default ConnectRetry time (seconds).
        public var connectRetryTime: UInt16?
        /// Address to listen on; overrides `bindMode`.
        public var listenAddress: IPAddress?
        /// BFD for every session of the node(s) in scope, mesh included (BGPPeer's block wins field by field).
        public var bfd: BFDConfig? = nil
        /// Long-lived stale times (RFC 9494) offered on every session of the node(s) in scope.
        public var longLivedGracefulRestart: LongLivedGracefulRestartConfig? = nil

        // Kernel programming: Calico's fields, then Swiftlet's `kernel` extension. Each unset field falls back to
        // `default`, then to `KernelSettings`' default.
        public var programClusterRoutes: KernelSettings.ClusterRoutes? = nil
        public var ipv4NormalRoutePriority: UInt32? = nil
        public var ipv6NormalRoutePriority: UInt32? = nil
        public var kernel = Kernel()

        public init(
            asNumber: UInt32? = nil, nodeToNodeMeshEnabled: Bool? = nil, listenPort: UInt16? = nil,
            logSeverityScreen: LogSeverity? = nil, nodeMeshPassword: SecretReference? = nil,
            nodeMeshMaxRestartTime: UInt16? = nil, bindMode: BindMode? = nil, holdTime: UInt16? = nil,
            keepaliveTime: UInt16? = nil, connectRetryTime: UInt16? = nil, listenAddress: IPAddress? = nil,
            serviceClusterIPs: [IPPrefix] = [], serviceExternalIPs: [IPPrefix] = [],
            serviceLoadBalancerIPs: [IPPrefix] = [], serviceLoadBalancerAggregation: ServiceLoadBalancerAggregation? = nil,
            communities: [NamedCommunity] = [], prefixAdvertisements: [CommunityAdvertisement]? = nil
        ) {
            self.asNumber = asNumber
            self.nodeToNodeMeshEnabled = nodeToNodeMeshEnabled
            self.listenPort = listenPort
            self.logSeverityScreen = logSeverityScreen
            self.nodeMeshPassword = nodeMeshPassword
            self.nodeMeshMaxRestartTime = nodeMeshMaxRestartTime
            self.bindMode = bindMode
            self.holdTime = holdTime
            self.keepaliveTime = keepaliveTime
            self.connectRetryTime = connectRetryTime
            self.listenAddress = listenAddress
            self.serviceClusterIPs = serviceClusterIPs
            self.serviceExternalIPs = serviceExternalIPs
            self.serviceLoadBalancerIPs = serviceLoadBalancerIPs
            self.serviceLoadBalancerAggregation = serviceLoadBalancerAggregation
            self.communities = communities
            self.prefixAdvertisements = prefixAdvertisements
        }
    }

    public var metadata: ResourceMetadata
    public var spec: Spec

    public init(metadata: ResourceMetadata, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }

    /// `nil` when the name is neither `default` nor `node.<name>` (Calico refuses such names).
    public static func scope(ofName name: String) -> Scope? {
        if name == "default" { return .cluster }
        if name.hasPrefix("node."), name.count > 5 { return .node(String(name.dropFirst(5))) }
        return nil
    }

    public var scope: Scope? { Self.scope(ofName: metadata.name) }
}
