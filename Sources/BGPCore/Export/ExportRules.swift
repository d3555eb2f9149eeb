// SPDX-License-Identifier: Apache-2.0
// What a selected path looks like on one outgoing session, or why it is not sent there: the Update-Send rules of
// RFC 4271 §9.1.3 and §9.2 (no iBGP to iBGP unless reflecting, RFC 4456 §6), the per-attribute rules of RFC 4271 §5.1
// (AS_PATH prepend §5.1.2, NEXT_HOP §5.1.3, MED §5.1.4, LOCAL_PREF §5.1.5), the well-known communities of RFC 1997,
// ORIGINATOR_ID / CLUSTER_LIST on reflection (RFC 4456 §8), AS_TRANS splitting for 2-octet peers (RFC 6793 §4.2.2),
// unknown attributes (RFC 4271 §9: optional transitive passed on with Partial, non-transitive dropped), IPv6 next
// hops (RFC 2545 §3, RFC 8950) and private ASes (RFC 6996). Export policy (BGPPolicy) runs after these rules, on
// their output; these rules never look at configuration beyond `ExportTarget` and the options here.
//
// Next hop in `.auto` follows BIRD's default (`bgp_update_attrs`, quoted in Calico's node commit c6177d3, which is
// why Calico dropped `next hop self`): our address for locally originated routes and for next hops we cannot pass
// on (link-local, wrong family); toward iBGP the next hop is kept, including for eBGP-learned routes (RFC 4271 §5.1.3
// "SHOULD NOT modify the NEXT_HOP attribute unless it has been explicitly configured"; FRR does the same without
// `next-hop-self`); toward eBGP our address unless the current next hop is on a subnet shared with the peer (RFC 4271
// §5.1.3 third-party next hop). So a reflector never puts itself into the data path.

import BGPWire

/// The export rules of this speaker, applied per (path, session).
public struct ExportRules: Hashable, Sendable {
    /// Why a path is not advertised on a session.
    public enum Refusal: Hashable, Sendable, CustomStringConvertible {
        /// The session is the one the path came from (split horizon).
        case sourcePeer
        /// iBGP-learned path toward an iBGP peer that reflection does not allow (RFC 4271 §9.2, RFC 4456 §6).
        case notReflected(from: RouteReflection.PeerRole, to: RouteReflection.PeerRole)
        /// NO_ADVERTISE (RFC 1997).
        case noAdvertise
        /// NO_EXPORT toward an eBGP peer (RFC 1997).
        case noExport
        /// NO_EXPORT_SUBCONFED toward an eBGP peer (RFC 1997).
        case noExportSubconfed
        /// We have no address of the right family on the session to use as next hop.
        case noNextHop
        /// LLGR_STALE toward a peer that did not send the Long-Lived Graceful Restart capability (RFC 9494 §4.3).
        case longLivedStale

        public var description: String {
            switch self {
            case .sourcePeer: "learned from this peer"
            case .notReflected(let from, let to): "\(from) route not sent to \(to) peer (RFC 4456 §6, RFC 4271 §9.2)"
            case .noAdvertise: "NO_ADVERTISE (RFC 1997)"
            case .noExport: "NO_EXPORT toward eBGP (RFC 1997)"
            case .noExportSubconfed: "NO_EXPORT_SUBCONFED toward eBGP (RFC 1997)"
            case .noNextHop: "no local address of the prefix's family on this session"
            case .longLivedStale: "LLGR_STALE toward a peer without long-lived graceful restart (RFC 9494 §4.3)"
            }
        }
    }

    /// The outcome for one (path, session).
    public enum Decision: Hashable, Sendable {
        case advertise(PathAttributes)
        case withhold(Refusal)

        public var attributes: PathAttributes? {
            if case .advertise(let attributes) = self { return attributes }
            return nil
        }
    }

    /// Our reflector configuration (cluster ID `nil` = plain iBGP speaker).
    public var reflection: RouteReflection
    /// Send a path back to the peer it was learned from. RFC 4271 does not forbid it, but BIRD and FRR do not by
    /// default, and the peer would drop it anyway (AS loop on eBGP, ORIGINATOR_ID on iBGP, RFC 4456 §8).
    public var advertiseToSourcePeer: Bool
    /// Send MED learned from a peer to eBGP peers. Off: only locally originated routes keep their MED toward eBGP
    /// (RFC 4271 §5.1.4: a MED "received from a neighboring AS MUST NOT be propagated to other neighboring ASes").
    public var propagateMEDToExternal: Bool
    /// Remove private AS numbers (RFC 6996) from AS_PATH toward eBGP peers before prepending our AS. The peer's own
    /// AS is kept so its loop detection still works (as Cisco and FRR do).
    public var removePrivateAS: Bool
    /// LOCAL_PREF sent to iBGP peers for paths that have none (RFC 4271 §5.1.5; 100 in BIRD, FRR and GoBGP).
    public var defaultLocalPreference: UInt32

    public init(
        reflection: RouteReflection, advertiseToSourcePeer: Bool = false, propagateMEDToExternal: Bool = false,
        removePrivateAS: Bool = false, defaultLocalPreference: UInt32 = 100
    ) {
        self.reflection = reflection
        self.advertiseToSourcePeer = advertiseToSourcePeer
        self.propagateMEDToExternal = propagateMEDToExternal
        self.removePrivateAS = removePrivateAS
        self.defaultLocalPreference = defaultLocalPreference
    }

    /// The attributes to advertise `path` with on `target`, or `nil` to not advertise it there.
    public func export(_ path: Path, to target: ExportTarget) -> PathAttributes? {
        decide(path, to: target).attributes
    }

    /// `export` with the reason for withholding.
    ///
    /// For an IPv4 prefix with an IPv4 next hop the result carries NEXT_HOP; otherwise (IPv6, or IPv4 over an IPv6
    /// next hop per RFC 8950) it carries MP_REACH_NLRI with the next hops and an empty NLRI list for the packer to
    /// fill. MP_UNREACH_NLRI and the wire hints are never carried over.
    public func decide(_ path: Path, to target: ExportTarget) -> Decision {
        let source = path.source
        let input = path.attributes.attributes

        // Split horizon.
        if !advertiseToSourcePeer, source.kind != .local, source.peerAddress == target.peerAddress {
            return .withhold(.sourcePeer)
        }
        // RFC 4271 §9.2 / RFC 4456 §6.
        if let sourceRole = RouteReflection.role(of: source),
            !reflection.mayAdvertise(from: sourceRole, to: target.role)
        {
            return .withhold(.notReflected(from: sourceRole, to: target.role))
        }
        // RFC 1997 well-known communities. Without confederations our AS is the confederation, so NO_EXPORT and
        // NO_EXPORT_SUBCONFED both stop at eBGP peers.
        if let communities = input.communities {
            if communities.contains(.noAdvertise) { return .withhold(.noAdvertise) }
            if target.kind == .external {
                if communities.contains(.noExport) { return .withhold(.noExport) }
                if communities.contains(.noExportSubconfed) { return .withhold(.noExportSubconfed) }
            }
        }

        // RFC 9494 §4.3: an LLGR_STALE route "SHOULD NOT be advertised to any neighbor from which the Long-lived
        // Graceful Restart Capability has not been received" (so it is withdrawn there). The §4.6 partial
        // deployment alternative (iBGP with NO_EXPORT and LOCAL_PREF 0) is optional and not done: BIRD does not
        // either, and a Calico mesh node that does not speak LLGR would install the stale route regardless.
        if path.attributes.isLongLivedStale && !target.longLivedGracefulRestart { return .withhold(.longLivedStale) }

        var out = input.withoutWireHints
        out.mpReach = nil
        out.mpUnreach = nil
        out.nextHop = nil
        // ORIGIN is mandatory (RFC 4271 §5.1.1); a route entering BGP without one was learned "by some other means".
        if out.origin == nil { out.origin = .incomplete }
        // RFC 4271 §9: unknown optional transitive attributes travel on with Partial; non-transitive ones stop here.
        // A locally originated path's attributes are ours, so they go out as they are.
        if source.kind != .local, !out.unknown.isEmpty {
            out.unknown = out.unknown.compactMap { $0.forwarded() }
        }
        // AS4_PATH / AS4_AGGREGATOR are merged on import (RFC 6793 §4.2.3) and only rebuilt for 2-octet peers.
        out.as4Path = nil
        out.as4Aggregator = nil

        switch target.kind {
        case .external:
            // RFC 4271 §5.1.5: "A BGP speaker MUST NOT include this attribute in UPDATE messages it sends to
            // external peers, except in the case of BGP Confederations".
            out.localPreference = nil
            if source.kind != .local && !propagateMEDToExternal { out.multiExitDiscriminator = nil }
            // ORIGINATOR_ID and CLUSTER_LIST are optional non-transitive and describe our AS only (RFC 4456 §8).
            out.originatorID = nil
            out.clusterList = nil
            // RFC 4360 §3: the Transitive bit (0x40 in the type) clear means transitive across ASes.
            if let extended = out.extendedCommunities {
                let kept = extended.filter { $0.type & 0x40 == 0 }
                out.extendedCommunities = kept.isEmpty ? nil : kept
            }
            out.asPath = externalASPath(out.asPath ?? ASPath(), to: target)
        case .internal:
            // RFC 4271 §5.1.2: the AS_PATH is unchanged toward internal peers (empty when originated here).
            if out.asPath == nil { out.asPath = ASPath() }
            // RFC 4271 §5.1.5: LOCAL_PREF is included toward internal peers.
            if out.localPreference == nil { out.localPreference = defaultLocalPreference }
            if RouteReflection.isReflection(from: source, to: target.role) {
                out = reflection.reflect(out, source: source)
            }
        }

        if !target.fourOctetAS { out = out.splittingForTwoOctetPeer() }

        guard let hops = nextHops(for: path, to: target) else { return .withhold(.noNextHop) }
        if path.prefix.family == .ipv4, hops.count == 1, hops[0].family == .ipv4 {
            out.nextHop = hops[0]
        } else {
            let family: AddressFamily = path.prefix.family == .ipv4 ? .ipv4Unicast : .ipv6Unicast
            out.mpReach = MultiprotocolReach(family: family, nextHops: hops, nlri: [])
        }
        return .advertise(out)
    }

    // MARK: AS_PATH toward eBGP (RFC 4271 §5.1.2, RFC 5065 §4.1, RFC 6996)

    private func externalASPath(_ input: ASPath, to target: ExportTarget) -> ASPath {
        // RFC 5065 §4.1: confederation segments never leave the confederation (we are one without members).
        var segments = input.segments.filter { $0.kind == .sequence || $0.kind == .set }
        if removePrivateAS {
            segments = segments.compactMap { segment in
                let kept = segment.asns.filter { !Self.isPrivate($0) || $0 == target.peerAS }
                return kept.isEmpty ? nil : ASPathSegment(kind: segment.kind, asns: kept)
            }
        }
        // RFC 4271 §5.1.2: prepend our AS as the last element of a leading AS_SEQUENCE, or as a new one (a segment
        // holds at most 255 ASes).
        let asn = target.effectiveLocalAS
        if let first = segments.first, first.kind == .sequence, first.asns.count < 255 {
            segments[0].asns.insert(asn, at: 0)
        } else {
            segments.insert(ASPathSegment(kind: .sequence, asns: [asn]), at: 0)
        }
        return ASPath(segments: segments)
    }

    /// Private-use AS numbers (RFC 6996 §5): 64512-65534 and 4200000000-4294967294.
    public static func isPrivate(_ asn: UInt32) -> Bool {
        (64512...65534).contains(asn) || (4_200_000_000...4_294_967_294).contains(asn)
    }

    // MARK: Next hop (RFC 4271 §5.1.3, RFC 2545 §3, RFC 8950)

    /// The next hops to send (global first, then an optional IPv6 link-local), or `nil` when none fits.
    private func nextHops(for path: Path, to target: ExportTarget) -> [IPAddress]? {
        let keep: Bool
        switch target.nextHopMode {
        case .self: keep = false
        case .keep: keep = canKeepNextHop(of: path, to: target)
        case .auto:
            keep = canKeepNextHop(of: path, to: target)
                && (target.kind == .internal || target.sharesSubnet(with: path.nextHop))
        }
        if keep {
            var hops = [path.nextHop]
            // RFC 2545 §3: the link-local address goes along only when the peer shares a subnet with the global one.
            if let linkLocal = path.linkLocalNextHop, target.sharesSubnet(with: path.nextHop) { hops.append(linkLocal) }
            return hops
        }
        return ownNextHops(for: path.prefix.family, to: target)
    }

    /// A path's next hop can be passed on when it was learned from a peer, is a real global address, and fits the
    /// prefix's family (or RFC 8950 allows IPv6 for IPv4). Locally originated paths always get our address (as
    /// BIRD does for routes without a gateway).
    private func canKeepNextHop(of path: Path, to target: ExportTarget) -> Bool {
        guard path.source.kind != .local else { return false }
        let hop = path.nextHop
        guard !hop.isIPv6LinkLocal, hop.high != 0 || hop.low != 0 else { return false }
        switch path.prefix.family {
        case .ipv4: return hop.family == .ipv4 || target.extendedNextHop
        case .ipv6: return hop.family == .ipv6
        }
    }

    private func ownNextHops(for family: IPAddress.Family, to target: ExportTarget) -> [IPAddress]? {
        if family == .ipv4, let v4 = target.localIPv4 { return [v4] }
        guard family == .ipv6 || target.extendedNextHop, let v6 = target.localIPv6 else { return nil }
        if let linkLocal = target.localIPv6LinkLocal { return [v6, linkLocal] }
        return [v6]
    }
}
