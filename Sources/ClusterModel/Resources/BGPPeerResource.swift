// SPDX-License-Identifier: Apache-2.0
// `kind: BGPPeer` (Calico v3): one explicit peering rule. It applies to one node (`node`), to the nodes a
// `nodeSelector` matches, or to every node (neither set), and names the remote side by `peerIP` + `asNumber` or by a
// `peerSelector` over Calico nodes. The session timers, `passive`, `localASNumber` and `multihop` are Swiftlet
// extensions; Calico took those from BIRD's template. So are `peerIPRange` and `asNumberRange` (dynamic neighbors,
// like BIRD's `neighbor range`): the node accepts sessions from any address in the range, never connecting out.

import BGPWire

/// A `BGPPeer` resource.
public struct BGPPeerResource: Hashable, Sendable {
    public static let kind = "BGPPeer"

    /// Calico's `sourceAddress`: `UseNodeIP` (the default) binds the session to the node's address.
    public enum SourceAddressMode: String, Hashable, Sendable, CaseIterable {
        case useNodeIP = "UseNodeIP", none = "None"
    }

    /// Calico `nextHopMode`: BIRD's default next-hop handling, `next hop self`, or `next hop keep`.
    public enum NextHopMode: String, Hashable, Sendable, CaseIterable {
        case auto = "Auto", `self` = "Self", keep = "Keep"
    }

    public struct Spec: Hashable, Sendable {
        public var node: String?
        public var nodeSelector: NodeSelector?
        public var peerSelector: NodeSelector?
        public var peerIP: PeerAddress?
        public var asNumber: UInt32?
        public var password: SecretReference?
        /// `nil` means `UseNodeIP`.
        public var sourceAddress: SourceAddressMode?
        /// GTSM (RFC 5082): the peer is at most this many hops away.
        public var ttlSecurity: UInt8?
        /// Graceful restart time in seconds (RFC 4724 §3, a 12-bit field).
        public var maxRestartTime: UInt16?
        public var keepOriginalNextHop: Bool
        public var numAllowedLocalASNumbers: UInt32?
        /// Gateway through which the peer is reachable.
        public var reachableBy: IPAddress?
        /// Names of BGPFilter resources, applied in this order (the first matching rule decides).
        public var filters: [String]

        // Swiftlet extensions (not in Calico's schema).
        public var holdTime: UInt16?
        public var keepaliveTime: UInt16?
        public var connectRetryTime: UInt16?
        /// RFC 4271 §8.1.1 DelayOpenTime, seconds.
        public var delayOpenTime: UInt16?
        /// Never connect; wait for the peer.
        public var passive: Bool?
        /// Our AS on this session, instead of the node's.
        public var localASNumber: UInt32?
        /// Outgoing TTL for an eBGP peer more than one hop away.
        public var multihop: UInt8?
        /// Accept sessions from any address in this prefix (instead of `peerIP`).
        public var peerIPRange: IPPrefix?
        /// With `peerIPRange`: the AS numbers a connecting peer may have (instead of `asNumber`).
        public var asNumberRange: ClosedRange<UInt32>?
        /// Calico `nextHopMode` (`keepOriginalNextHop: true` is the older spelling of `Keep`).
        public var nextHopMode: NextHopMode?
        /// Swiftlet extension: end the session with Cease 6/1 (RFC 4486) above this many received paths.
        public var maxPrefixes: Int?
        /// BFD for this peering's sessions, over the BGPConfiguration's block.
        public var bfd: BFDConfig?
        /// Long-lived stale times offered to this peer (RFC 9494), over the BGPConfiguration's block.
        public var longLivedGracefulRestart: LongLivedGracefulRestartConfig?

        public init(
            node: String? = nil, nodeSelector: NodeSelector? = nil, peerSelector: NodeSelector? = nil,
            peerIP: PeerAddress? = nil, asNumber: UInt32? = nil, password: SecretReference? = nil,
            sourceAddress: SourceAddressMode? = nil, ttlSecurity: UInt8? = nil, maxRestartTime: UInt16? = nil,
            keepOriginalNextHop: Bool = false, numAllowedLocalASNumbers: UInt32? = nil, reachableBy: IPAddress? = nil,
            filters: [String] = [],
            holdTime: UInt16? = nil, keepaliveTime: UInt16? = nil, connectRetryTime: UInt16? = nil,
            delayOpenTime: UInt16? = nil, passive: Bool? = nil, localASNumber: UInt32? = nil, multihop: UInt8? = nil,
            peerIPRange: IPPrefix? = nil, asNumberRange: ClosedRange<UInt32>? = nil, nextHopMode: NextHopMode? = nil,
            maxPrefixes: Int? = nil, bfd: BFDConfig? = nil,
            longLivedGracefulRestart: LongLivedGracefulRestartConfig? = nil
        ) {
            self.nextHopMode = nextHopMode
            self.maxPrefixes = maxPrefixes
            self.bfd = bfd
            self.longLivedGracefulRestart = longLivedGracefulRestart
            self.node = node
            self.nodeSelector = nodeSelector
            self.peerSelector = peerSelector
            self.peerIP = peerIP
            self.asNumber = asNumber
            self.password = password
            self.sourceAddress = sourceAddress
            self.ttlSecurity = ttlSecurity
            self.maxRestartTime = maxRestartTime
            self.keepOriginalNextHop = keepOriginalNextHop
            self.numAllowedLocalASNumbers = numAllowedLocalASNumbers
            self.reachableBy = reachableBy
            self.filters = filters
            self.holdTime = holdTime
            self.keepaliveTime = keepaliveTime
            self.connectRetryTime = connectRetryTime
            self.delayOpenTime = delayOpenTime
            self.passive = passive
            self.localASNumber = localASNumber
            self.multihop = multihop
            self.peerIPRange = peerIPRange
            self.asNumberRange = asNumberRange
        }

        /// Neither `node` nor `nodeSelector`: the peering applies to every node (Calico's "global" peer).
        public var isGlobal: Bool { node == nil && nodeSelector == nil }
    }

    public var metadata: ResourceMetadata
    public var spec: Spec

    public init(metadata: ResourceMetadata, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
