// SPDX-License-Identifier: Apache-2.0
// Fixtures for the reflection, export and import rule tests: this node (AS 64512, router ID 10.0.0.1, cluster
// 10.255.0.1), its peers (an eBGP ToR, mesh/non-client, two RR clients) and paths learned from each.

import BGPCore
import BGPWire

enum ExportFixtures {
    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }
    static func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }

    static let localAS: UInt32 = 64512
    static let routerID = ip("10.0.0.1")
    static let clusterID = ip("10.255.0.1")

    /// This node as a route reflector.
    static let reflector = RouteReflection(localRouterID: routerID, clusterID: clusterID)
    /// This node as a plain mesh member.
    static let meshNode = RouteReflection(localRouterID: routerID)

    // MARK: Sources

    static let local = PathSource.local(routerID: routerID, asn: localAS)
    static let tor = PathSource(
        name: "tor", kind: .external, peerAddress: ip("192.0.2.1"), routerID: ip("192.0.2.1"), peerAS: 65001,
        localAS: localAS)
    static let nonClient = PathSource(
        name: "Node_10_0_0_2", kind: .internal, peerAddress: ip("10.0.0.2"), routerID: ip("10.0.0.2"),
        peerAS: localAS, localAS: localAS)
    static let client = PathSource(
        name: "Node_10_0_0_3", kind: .internal, peerAddress: ip("10.0.0.3"), routerID: ip("10.0.0.3"),
        peerAS: localAS, localAS: localAS, isReflectorClient: true)
    static let otherClient = PathSource(
        name: "Node_10_0_0_4", kind: .internal, peerAddress: ip("10.0.0.4"), routerID: ip("10.0.0.4"),
        peerAS: localAS, localAS: localAS, isReflectorClient: true)

    // MARK: Targets

    /// The iBGP session toward `source`'s peer (our address 10.0.0.1 on a shared 10.0.0.0/24).
    static func internalTarget(
        _ peer: PathSource, nextHopMode: ExportTarget.NextHopMode = .auto, fourOctetAS: Bool = true
    ) -> ExportTarget {
        ExportTarget(
            name: peer.name, peerAddress: peer.peerAddress, kind: .internal, peerAS: localAS, localAS: localAS,
            fourOctetAS: fourOctetAS, nextHopMode: nextHopMode, localIPv4: ip("10.0.0.1"),
            localIPv6: ip("fd00::1"), localIPv6LinkLocal: nil, sharedSubnets: [prefix("10.0.0.0/24")],
            isReflectorClient: peer.isReflectorClient)
    }

    /// The eBGP ToR session: peer 192.0.2.1 AS 65001, our address 192.0.2.10 on 192.0.2.0/24 (and fd01::10 with
    /// link-local fe80::10 on fd01::/64).
    static func externalTarget(
        nextHopMode: ExportTarget.NextHopMode = .auto, localASOverride: UInt32? = nil, fourOctetAS: Bool = true,
        sharedSubnets: [IPPrefix] = [prefix("192.0.2.0/24"), prefix("fd01::/64")], peerAddress: String = "192.0.2.1"
    ) -> ExportTarget {
        ExportTarget(
            name: "tor", peerAddress: ip(peerAddress), kind: .external, peerAS: 65001, localAS: localAS,
            localASOverride: localASOverride, fourOctetAS: fourOctetAS, nextHopMode: nextHopMode,
            localIPv4: ip("192.0.2.10"), localIPv6: ip("fd01::10"), localIPv6LinkLocal: ip("fe80::10"),
            sharedSubnets: sharedSubnets)
    }

    /// A second eBGP peer in AS 65002, so paths from the ToR are not split-horizoned.
    static func otherExternalTarget(nextHopMode: ExportTarget.NextHopMode = .auto) -> ExportTarget {
        ExportTarget(
            name: "tor2", peerAddress: ip("192.0.2.2"), kind: .external, peerAS: 65002, localAS: localAS,
            nextHopMode: nextHopMode, localIPv4: ip("192.0.2.10"), localIPv6: ip("fd01::10"),
            localIPv6LinkLocal: ip("fe80::10"), sharedSubnets: [prefix("192.0.2.0/24"), prefix("fd01::/64")])
    }

    // MARK: Paths

    /// A path for `prefix` from `source`. Without explicit attributes: ORIGIN IGP, and AS_PATH "65001" from the ToR
    /// or "65001" carried unchanged through iBGP, empty for local; LOCAL_PREF 200 on iBGP-learned paths.
    static func path(
        _ prefixText: String = "10.65.0.0/26", from source: PathSource, attributes: PathAttributes? = nil,
        nextHop: String? = nil, linkLocalNextHop: String? = nil
    ) -> Path {
        var table = AttributeSetTable()
        let set = table.intern(attributes ?? defaultAttributes(from: source))
        let hop: IPAddress
        if let nextHop {
            hop = ip(nextHop)
        } else {
            hop = source.kind == .local ? routerID : (source.kind == .external ? source.peerAddress : ip("192.0.2.1"))
        }
        return Path(
            prefix: prefix(prefixText), source: source, attributes: set, nextHop: hop,
            linkLocalNextHop: linkLocalNextHop.map(ip))
    }

    static func defaultAttributes(from source: PathSource) -> PathAttributes {
        switch source.kind {
        case .local: PathAttributes(origin: .igp, asPath: ASPath())
        case .external: PathAttributes(origin: .igp, asPath: ASPath(sequence: [65001]), nextHop: ip("192.0.2.1"))
        case .internal:
            PathAttributes(
                origin: .igp, asPath: ASPath(sequence: [65001]), nextHop: ip("192.0.2.1"), localPreference: 200)
        }
    }
}
