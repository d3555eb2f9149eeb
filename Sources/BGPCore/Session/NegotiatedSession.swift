// SPDX-License-Identifier: Apache-2.0
// Capability and parameter negotiation from the two OPENs (RFC 4271 §4.2, §6.2; RFC 5492; RFC 4760 §8; RFC 6793;
// RFC 7911; RFC 8654; RFC 7313; RFC 4724; RFC 9494; RFC 6286 §2.2-2.3; RFC 7607). Pure: a function of the configuration and
// the received OPEN, tested on its own.

import BGPWire

/// What both sides agreed on; it fixes how the rest of the session is encoded and decoded.
public struct NegotiatedSession: Hashable, Sendable {
    public var peerAS: UInt32
    public var peerIdentifier: IPAddress
    /// min(ours, theirs); 0 = no Hold or Keepalive timers (RFC 4271 §4.2).
    public var holdTime: UInt16
    public var keepaliveInterval: UInt16
    public var families: Set<AddressFamily>
    public var fourOctetAS: Bool
    /// Families in which the peer sends us Path Identifiers, and in which we send them (RFC 7911 §4).
    public var addPathReceive: Set<AddressFamily>
    public var addPathSend: Set<AddressFamily>
    public var extendedMessage: Bool
    /// Both sides offered IPv4 unicast over IPv6 next hops (RFC 8950 §3): we may send such routes.
    public var extendedNextHop: Bool = false
    public var routeRefresh: Bool
    public var enhancedRouteRefresh: Bool
    /// The peer's graceful restart capability, if it sent one.
    public var peerGracefulRestart: GracefulRestartCapability?
    /// The peer's Long-Lived Graceful Restart tuples, if it sent the capability together with the graceful restart
    /// one (RFC 9494 §4.5: without it the LLGR capability "MUST be ignored").
    public var peerLongLivedGracefulRestart: [LongLivedGracefulRestartEntry]? = nil
    public var isInternal: Bool
    public var localOpen: OpenMessage
    public var peerOpen: OpenMessage

    public var decodeContext: DecodeContext {
        DecodeContext(
            fourOctetAS: fourOctetAS, addPath: addPathReceive, extendedMessage: extendedMessage,
            enhancedRouteRefresh: enhancedRouteRefresh, peerType: isInternal ? .internal : .external)
    }

    public var encodeContext: EncodeContext {
        EncodeContext(fourOctetAS: fourOctetAS, addPath: addPathSend, extendedMessage: extendedMessage)
    }
}

extension SessionConfiguration {
    /// Checks the peer's OPEN against ours and computes the session parameters, or the NOTIFICATION to send.
    public func negotiate(received open: OpenMessage) -> Result<NegotiatedSession, BGPNotification> {
        let local = localOpen
        let peerCapabilities = open.capabilities
        var peerFourOctet: UInt32? = nil
        for case .fourOctetAS(let asn) in peerCapabilities { peerFourOctet = asn }
        let peerASN = peerFourOctet ?? UInt32(open.myAS)
        // RFC 7607 §2: AS 0 in OPEN is Bad Peer AS. RFC 6793 §4.1: without the capability the peer's AS is the
        // 2-octet field, which must then not be AS_TRANS.
        guard peerASN != 0, acceptedPeerASes?.contains(peerASN) ?? (peerASN == peerAS) else { return .failure(.badPeerAS) }
        let isInternal = peerASN == localAS
        if peerFourOctet == nil && UInt32(open.myAS) == ASPath.asTrans { return .failure(.badPeerAS) }
        // RFC 4271 §6.2: "the Hold Time field ... MUST be either zero or at least three seconds".
        if open.holdTime == 1 || open.holdTime == 2 { return .failure(.unacceptableHoldTime) }
        // RFC 6286 §2.2: a zero identifier is invalid, and within an AS identifiers must differ.
        if open.bgpIdentifier.ipv4Value == 0 { return .failure(.badBGPIdentifier) }
        if isInternal && open.bgpIdentifier == localIdentifier { return .failure(.badBGPIdentifier) }

        let holdTime = min(holdTime, open.holdTime)
        var keepalive = keepaliveTime ?? holdTime / 3
        keepalive = min(keepalive, holdTime / 3)
        if holdTime > 0 { keepalive = max(keepalive, 1) }

        // RFC 4760 §8 / RFC 2858 practice: a peer without any Multiprotocol capability speaks IPv4 unicast only.
        var peerFamilies = Set<AddressFamily>()
        for case .multiprotocol(let family) in peerCapabilities { peerFamilies.insert(family) }
        if peerFamilies.isEmpty { peerFamilies = [.ipv4Unicast] }
        let families = Set(self.families).intersection(peerFamilies)

        var peerAddPath: [AddressFamily: AddPathEntry] = [:]
        for case .addPath(let entries) in peerCapabilities { for entry in entries { peerAddPath[entry.family] = entry } }
        var receive = Set<AddressFamily>()
        var send = Set<AddressFamily>()
        for ours in addPath where families.contains(ours.family) {
            guard let theirs = peerAddPath[ours.family] else { continue }
            if ours.canReceive && theirs.canSend { receive.insert(ours.family) }
            if ours.canSend && theirs.canReceive { send.insert(ours.family) }
        }

        func peerHas(_ code: UInt8) -> Bool { peerCapabilities.contains { $0.code == code } }
        var peerGR: GracefulRestartCapability? = nil
        for case .gracefulRestart(let gr) in peerCapabilities { peerGR = gr }
        var peerLLGR: [LongLivedGracefulRestartEntry]? = nil
        if peerGR != nil { for case .longLivedGracefulRestart(let entries) in peerCapabilities { peerLLGR = entries } }
        let peerExtendedNextHop = peerCapabilities.contains { capability in
            guard case .extendedNextHop(let entries) = capability else { return false }
            return entries.contains { $0.nlriAFI == .ipv4 && $0.nlriSAFI == 1 && $0.nextHopAFI == .ipv6 }
        }
        return .success(NegotiatedSession(
            peerAS: peerASN, peerIdentifier: open.bgpIdentifier, holdTime: holdTime, keepaliveInterval: keepalive,
            families: families, fourOctetAS: peerFourOctet != nil, addPathReceive: receive, addPathSend: send,
            extendedMessage: extendedMessage && peerHas(6),
            extendedNextHop: extendedNextHop && peerExtendedNextHop,
            // Code 128 is the pre-standard route refresh that Cisco-derived stacks still send.
            routeRefresh: routeRefresh && (peerHas(2) || peerHas(128)),
            enhancedRouteRefresh: enhancedRouteRefresh && peerHas(70), peerGracefulRestart: peerGR,
            peerLongLivedGracefulRestart: peerLLGR,
            isInternal: isInternal, localOpen: local, peerOpen: open))
    }
}
