// SPDX-License-Identifier: Apache-2.0
// The facts about one outgoing session that decide what a path looks like when advertised on it: session type
// (RFC 4271 §9.1.3, §9.2), ASes (RFC 4271 §5.1.2, Calico `localASNumber`), 4-octet AS support (RFC 6793 §4.2.2), the
// next-hop mode (RFC 4271 §5.1.3, Calico `nextHopMode`) and our addresses on the session (RFC 2545 §3, RFC 8950),
// and the route-reflector-client flag (RFC 4456 §6).

import BGPWire

/// One peer session as the export rules see it.
public struct ExportTarget: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case `internal`
        case external
    }

    /// Calico `BGPPeer.spec.nextHopMode`.
    public enum NextHopMode: Hashable, Sendable {
        /// BIRD's default: our address for locally originated routes and, toward eBGP peers, unless the current
        /// next hop is on the shared subnet (third party); unchanged toward iBGP peers (RFC 4271 §5.1.3).
        case auto
        /// Always our address (BIRD `next hop self`).
        case `self`
        /// Always the path's next hop when it has a usable one (BIRD `next hop keep`).
        case keep
    }

    /// The protocol name, for logs.
    public var name: String
    public var peerAddress: IPAddress
    public var kind: Kind
    public var peerAS: UInt32
    /// Our AS (the global BGPConfiguration AS).
    public var localAS: UInt32
    /// Calico `BGPPeer.spec.localASNumber`: the AS we present on this session instead of `localAS`.
    public var localASOverride: UInt32?
    /// The 4-octet AS capability was negotiated (RFC 6793 §4.1); without it paths are split (§4.2.2).
    public var fourOctetAS: Bool
    public var nextHopMode: NextHopMode
    /// Our IPv4 address on this session (the NEXT_HOP for IPv4 when we are the next hop).
    public var localIPv4: IPAddress?
    /// Our global IPv6 address on this session.
    public var localIPv6: IPAddress?
    /// Our IPv6 link-local address on the interface toward the peer, sent as the second next hop (RFC 2545 §3).
    public var localIPv6LinkLocal: IPAddress?
    /// The subnets we share with the peer (connected routes of the interface toward it); empty for a multihop
    /// session. Decides third-party next hops (RFC 4271 §5.1.3) and whether a link-local next hop is meaningful.
    public var sharedSubnets: [IPPrefix]
    /// IPv4 NLRI may carry an IPv6 next hop (RFC 8950 extended next hop negotiated).
    public var extendedNextHop: Bool
    /// The peer is our route-reflector client (RFC 4456 §6).
    public var isReflectorClient: Bool
    /// Calico `numAllowedLocalASNumbers` for routes received on this session; used by `ImportRules`, carried here so
    /// one value describes the session.
    public var allowASInCount: Int
    /// The peer sent the Long-Lived Graceful Restart capability (with the graceful restart one): it may receive
    /// routes carrying LLGR_STALE (RFC 9494 §4.3).
    public var longLivedGracefulRestart = false

    public init(
        name: String, peerAddress: IPAddress, kind: Kind, peerAS: UInt32, localAS: UInt32,
        localASOverride: UInt32? = nil, fourOctetAS: Bool = true, nextHopMode: NextHopMode = .auto,
        localIPv4: IPAddress? = nil, localIPv6: IPAddress? = nil, localIPv6LinkLocal: IPAddress? = nil,
        sharedSubnets: [IPPrefix] = [], extendedNextHop: Bool = false, isReflectorClient: Bool = false,
        allowASInCount: Int = 0
    ) {
        self.name = name
        self.peerAddress = peerAddress
        self.kind = kind
        self.peerAS = peerAS
        self.localAS = localAS
        self.localASOverride = localASOverride
        self.fourOctetAS = fourOctetAS
        self.nextHopMode = nextHopMode
        self.localIPv4 = localIPv4
        self.localIPv6 = localIPv6
        self.localIPv6LinkLocal = localIPv6LinkLocal
        self.sharedSubnets = sharedSubnets
        self.extendedNextHop = extendedNextHop
        self.isReflectorClient = isReflectorClient
        self.allowASInCount = allowASInCount
    }

    /// The AS we present on this session: the `localASNumber` override when set.
    public var effectiveLocalAS: UInt32 { localASOverride ?? localAS }

    /// The peer's role for reflection decisions (RFC 4456 §6).
    public var role: RouteReflection.PeerRole {
        switch kind {
        case .external: .external
        case .internal: isReflectorClient ? .client : .nonClient
        }
    }

    /// True when `address` is on a subnet shared with the peer (RFC 4271 §5.1.3 "shares a common subnet").
    public func sharesSubnet(with address: IPAddress) -> Bool {
        sharedSubnets.contains { $0.contains(address) }
    }

    public var description: String { name }
}
