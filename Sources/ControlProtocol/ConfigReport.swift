// SPDX-License-Identifier: Apache-2.0
// The answer to `show config`: the daemon's configuration as resolved from the Calico resources (what the daemon
// actually runs with: defaults filled in, protocol names, keepalive derived from hold time, filters by name). The
// TCP-MD5 password is never sent: only whether one is set.

/// The configuration in force.
public struct ConfigReport: Hashable, Sendable, Codable {
    public var configFile: String
    public var nodeName: String
    public var routerID: String
    public var localAS: UInt32
    /// `nil` listens on every address (0.0.0.0 and ::).
    public var listenAddress: String?
    public var listenPort: UInt16
    /// The node's `bgp.ipv6Address`.
    public var ipv6Address: String?
    /// Set when this node is a route reflector.
    public var routeReflectorClusterID: String?
    /// `logSeverityScreen` of the BGPConfiguration.
    public var logSeverity: String
    public var peers: [Peer]
    public var dynamicNeighbors: [DynamicNeighbor]
    /// Routes this node originates (own blocks, service ranges).
    public var originated: [OriginatedRoute]
    public var pools: [Pool]
    /// Community advertisements, "PREFIX: COMMUNITY, …".
    public var communityAdvertisements: [String]
    public var kernel: Kernel
    /// Accepted-but-ignored fields and similar remarks.
    public var notes: [String]

    public init(
        configFile: String, nodeName: String, routerID: String, localAS: UInt32, listenAddress: String?,
        listenPort: UInt16, ipv6Address: String? = nil, routeReflectorClusterID: String? = nil,
        logSeverity: String = "Info", peers: [Peer] = [], dynamicNeighbors: [DynamicNeighbor] = [],
        originated: [OriginatedRoute] = [], pools: [Pool] = [], communityAdvertisements: [String] = [],
        kernel: Kernel, notes: [String] = []
    ) {
        self.configFile = configFile
        self.nodeName = nodeName
        self.routerID = routerID
        self.localAS = localAS
        self.listenAddress = listenAddress
        self.listenPort = listenPort
        self.ipv6Address = ipv6Address
        self.routeReflectorClusterID = routeReflectorClusterID
        self.logSeverity = logSeverity
        self.peers = peers
        self.dynamicNeighbors = dynamicNeighbors
        self.originated = originated
        self.pools = pools
        self.communityAdvertisements = communityAdvertisements
        self.kernel = kernel
        self.notes = notes
    }

    /// One configured session, every setting resolved.
    public struct Peer: Hashable, Sendable, Codable {
        public var name: String
        public var address: String
        public var port: UInt16
        public var remoteAS: UInt32
        public var localAS: UInt32
        public var passive: Bool
        /// Seconds.
        public var holdTime: Int
        /// Seconds; the configured value or hold time / 3.
        public var keepaliveTime: Int
        public var connectRetryTime: Int
        public var delayOpenTime: Int?
        /// Whether a TCP-MD5 password is configured (the password itself is never shown).
        public var password: Bool
        public var sourceAddress: String?
        public var ttlSecurityHops: Int?
        public var multihopTTL: Int?
        /// "ipv4-unicast", "ipv6-unicast".
        public var families: [String]
        public var gracefulRestartTime: Int?
        public var nextHopMode: String
        public var maximumPrefixes: Int?
        public var allowedLocalASNumbers: UInt32?
        public var reachableBy: String?
        public var routeReflectorClient: Bool
        /// BGPFilter names, in evaluation order.
        public var filters: [String]
        /// BFD for the session: "300ms/300ms x3 single-hop" (min TX / min RX × multiplier); `nil`: off.
        public var bfd: String?
        /// Long-lived stale time offered per family (RFC 9494), seconds; `nil` or absent families: the default.
        public var longLivedStaleTimes: [String: Int]?

        public init(
            name: String, address: String, port: UInt16, remoteAS: UInt32, localAS: UInt32, passive: Bool,
            holdTime: Int, keepaliveTime: Int, connectRetryTime: Int, delayOpenTime: Int? = nil,
            password: Bool = false, sourceAddress: String? = nil, ttlSecurityHops: Int? = nil,
            multihopTTL: Int? = nil, families: [String], gracefulRestartTime: Int? = nil,
            nextHopMode: String = "Auto", maximumPrefixes: Int? = nil, allowedLocalASNumbers: UInt32? = nil,
            reachableBy: String? = nil, routeReflectorClient: Bool = false, filters: [String] = [],
            bfd: String? = nil, longLivedStaleTimes: [String: Int]? = nil
        ) {
            self.bfd = bfd
            self.longLivedStaleTimes = longLivedStaleTimes
            self.name = name
            self.address = address
            self.port = port
            self.remoteAS = remoteAS
            self.localAS = localAS
            self.passive = passive
            self.holdTime = holdTime
            self.keepaliveTime = keepaliveTime
            self.connectRetryTime = connectRetryTime
            self.delayOpenTime = delayOpenTime
            self.password = password
            self.sourceAddress = sourceAddress
            self.ttlSecurityHops = ttlSecurityHops
            self.multihopTTL = multihopTTL
            self.families = families
            self.gracefulRestartTime = gracefulRestartTime
            self.nextHopMode = nextHopMode
            self.maximumPrefixes = maximumPrefixes
            self.allowedLocalASNumbers = allowedLocalASNumbers
            self.reachableBy = reachableBy
            self.routeReflectorClient = routeReflectorClient
            self.filters = filters
        }
    }

    /// A `peerIPRange`: sessions accepted from any address in `range` announcing an AS in `asNumbers`.
    public struct DynamicNeighbor: Hashable, Sendable, Codable {
        public var name: String
        public var range: String
        /// "65001" or "65001-65010".
        public var asNumbers: String
        /// The settings each accepted session gets.
        public var template: Peer

        public init(name: String, range: String, asNumbers: String, template: Peer) {
            self.name = name
            self.range = range
            self.asNumbers = asNumbers
            self.template = template
        }
    }

    public struct OriginatedRoute: Hashable, Sendable, Codable {
        public var prefix: String
        public var blackhole: Bool
        public var reason: String

        public init(prefix: String, blackhole: Bool, reason: String) {
            self.prefix = prefix
            self.blackhole = blackhole
            self.reason = reason
        }
    }

    /// An IPPool as the daemon uses it.
    public struct Pool: Hashable, Sendable, Codable {
        public var name: String
        public var cidr: String
        public var blockSize: Int
        public var ipipMode: String
        public var vxlanMode: String
        public var natOutgoing: Bool
        public var disabled: Bool
        public var disableBGPExport: Bool
        public var nodeSelector: String
        public var allowedUses: [String]

        public init(
            name: String, cidr: String, blockSize: Int, ipipMode: String, vxlanMode: String, natOutgoing: Bool,
            disabled: Bool, disableBGPExport: Bool, nodeSelector: String, allowedUses: [String]
        ) {
            self.name = name
            self.cidr = cidr
            self.blockSize = blockSize
            self.ipipMode = ipipMode
            self.vxlanMode = vxlanMode
            self.natOutgoing = natOutgoing
            self.disabled = disabled
            self.disableBGPExport = disableBGPExport
            self.nodeSelector = nodeSelector
            self.allowedUses = allowedUses
        }
    }

    /// How routes reach the kernel.
    public struct Kernel: Hashable, Sendable, Codable {
        public var programRoutes: Bool
        public var routeProtocol: Int
        public var table: UInt32
        public var ipv4NormalRoutePriority: UInt32
        public var ipv6NormalRoutePriority: UInt32
        public var programClusterRoutes: String
        public var ipipDevice: String
        public var manageIPIPDevice: Bool
        public var ipipFallback: String
        public var ipipMTU: UInt32?
        public var vxlanDevice: String
        public var vxlanVNI: UInt32
        public var vxlanPort: UInt16
        public var manageVXLANDevice: Bool
        public var vxlanMTU: UInt32?
        /// Seconds.
        public var staleRouteSweepTime: Int
        /// CrossSubnet's "same subnet": the networks of the node's addresses.
        public var nodeSubnets: [String]
        /// False when the daemon runs with `--no-kernel` (or without netlink): the settings are not applied.
        public var active: Bool

        public init(
            programRoutes: Bool, routeProtocol: Int, table: UInt32, ipv4NormalRoutePriority: UInt32,
            ipv6NormalRoutePriority: UInt32, programClusterRoutes: String, ipipDevice: String, manageIPIPDevice: Bool,
            ipipFallback: String, ipipMTU: UInt32? = nil, vxlanDevice: String, vxlanVNI: UInt32, vxlanPort: UInt16,
            manageVXLANDevice: Bool, vxlanMTU: UInt32? = nil, staleRouteSweepTime: Int, nodeSubnets: [String] = [],
            active: Bool = true
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
            self.ipipMTU = ipipMTU
            self.vxlanDevice = vxlanDevice
            self.vxlanVNI = vxlanVNI
            self.vxlanPort = vxlanPort
            self.manageVXLANDevice = manageVXLANDevice
            self.vxlanMTU = vxlanMTU
            self.staleRouteSweepTime = staleRouteSweepTime
            self.nodeSubnets = nodeSubnets
            self.active = active
        }
    }
}
