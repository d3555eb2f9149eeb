// SPDX-License-Identifier: Apache-2.0
// What one peering is configured to do, as the session layer sees it: ASes, identifiers, timers (RFC 4271 §10),
// passive mode, and the capabilities to offer. Config files are translated into this by swiftletd; BGPCore never
// sees config types.

import BGPWire

/// The configuration of one BGP peer.
public struct SessionConfiguration: Hashable, Sendable {
    public var localAS: UInt32
    /// The AS the peer must announce (RFC 4271 §6.2 Bad Peer AS otherwise).
    public var peerAS: UInt32
    public var localIdentifier: IPAddress
    public var peerAddress: IPAddress
    /// Hold Time we propose: 0 (no keepalives) or at least 3 seconds (RFC 4271 §4.2).
    public var holdTime: UInt16
    /// Keepalive interval; `nil` = one third of the negotiated hold time (RFC 4271 §10).
    public var keepaliveTime: UInt16?
    /// ConnectRetryTime (RFC 4271 §10 suggests 120 s; Calico nodes want a quick reconnect).
    public var connectRetryTime: Duration
    /// DelayOpenTime (RFC 4271 §8.1.1); `nil` = send OPEN as soon as TCP is up.
    public var delayOpenTime: Duration?
    /// Never initiate connections; only accept them (RFC 4271 §8.1.1 PassiveTcpEstablishment).
    public var passive: Bool
    /// The first IdleHoldTime after a failure; it doubles per consecutive failure (RFC 4271 §8.1.1
    /// DampPeerOscillations) up to `maximumIdleHoldTime`. The 30 s cap is Calico's (`error wait time 5,30` in its
    /// BIRD template); the first retry comes sooner than Calico's 5 s so a restarted peer is back quickly.
    public var idleHoldTime: Duration
    public var maximumIdleHoldTime: Duration
    /// A session that stays Established this long resets the damping.
    public var stableTime: Duration
    /// Families offered with the Multiprotocol capability (RFC 4760 §8).
    public var families: [AddressFamily]
    /// ADD-PATH per family: 1 receive, 2 send, 3 both (RFC 7911 §4). Empty = not offered.
    public var addPath: [AddPathEntry]
    public var extendedMessage: Bool
    public var routeRefresh: Bool
    public var enhancedRouteRefresh: Bool
    public var gracefulRestart: GracefulRestartCapability?
    /// The Long-Lived Graceful Restart capability we send (RFC 9494 §3.1): `nil` = not sent, `[]` = we help peers
    /// (keep their routes long-lived) but ask nobody to keep ours. Sent only together with `gracefulRestart`: a
    /// peer must ignore it otherwise (RFC 9494 §4.5).
    public var longLivedGracefulRestart: [LongLivedGracefulRestartEntry]?
    /// Offer IPv4 unicast NLRI with an IPv6 next hop (RFC 8950 §3, Extended Next Hop capability), for IPv4 routes
    /// over an IPv6-only underlay.
    public var extendedNextHop = false
    /// Sent in the FQDN capability when set.
    public var hostname: String?
    /// A dynamic neighbor (accepted from an address range) may announce any AS in this range instead of exactly
    /// `peerAS` (BIRD `neighbor range ... as`); the session is iBGP when the announced AS is ours.
    public var acceptedPeerASes: ClosedRange<UInt32>?

    public init(
        localAS: UInt32, peerAS: UInt32, localIdentifier: IPAddress, peerAddress: IPAddress, holdTime: UInt16 = 90,
        keepaliveTime: UInt16? = nil, connectRetryTime: Duration = .seconds(5), delayOpenTime: Duration? = nil,
        passive: Bool = false, idleHoldTime: Duration = .seconds(1), maximumIdleHoldTime: Duration = .seconds(30),
        stableTime: Duration = .seconds(60), families: [AddressFamily] = [.ipv4Unicast, .ipv6Unicast],
        addPath: [AddPathEntry] = [], extendedMessage: Bool = true, routeRefresh: Bool = true,
        enhancedRouteRefresh: Bool = true, gracefulRestart: GracefulRestartCapability? = nil, hostname: String? = nil
    ) {
        self.localAS = localAS
        self.peerAS = peerAS
        self.localIdentifier = localIdentifier
        self.peerAddress = peerAddress
        self.holdTime = holdTime
        self.keepaliveTime = keepaliveTime
        self.connectRetryTime = connectRetryTime
        self.delayOpenTime = delayOpenTime
        self.passive = passive
        self.idleHoldTime = idleHoldTime
        self.maximumIdleHoldTime = maximumIdleHoldTime
        self.stableTime = stableTime
        self.families = families
        self.addPath = addPath
        self.extendedMessage = extendedMessage
        self.routeRefresh = routeRefresh
        self.enhancedRouteRefresh = enhancedRouteRefresh
        self.gracefulRestart = gracefulRestart
        self.hostname = hostname
    }

    public var isInternal: Bool { localAS == peerAS }

    /// The OPEN we send (RFC 4271 §4.2, RFC 5492 capabilities in one optional parameter, as BIRD does).
    public var localOpen: OpenMessage {
        var capabilities: [Capability] = families.map { .multiprotocol($0) }
        if routeRefresh { capabilities.append(.routeRefresh) }
        if enhancedRouteRefresh { capabilities.append(.enhancedRouteRefresh) }
        if extendedMessage { capabilities.append(.extendedMessage) }
        if extendedNextHop && families.contains(.ipv4Unicast) {
            capabilities.append(.extendedNextHop([ExtendedNextHopEntry(nlriAFI: .ipv4, nlriSAFI: 1, nextHopAFI: .ipv6)]))
        }
        if let gracefulRestart {
            capabilities.append(.gracefulRestart(gracefulRestart))
            if let longLivedGracefulRestart { capabilities.append(.longLivedGracefulRestart(longLivedGracefulRestart)) }
        }
        capabilities.append(.fourOctetAS(localAS))
        if !addPath.isEmpty { capabilities.append(.addPath(addPath)) }
        if let hostname { capabilities.append(.fqdn(hostname: hostname, domain: "")) }
        return OpenMessage(asNumber: localAS, holdTime: holdTime, bgpIdentifier: localIdentifier, capabilities: capabilities)
    }
}
