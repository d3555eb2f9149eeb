// SPDX-License-Identifier: Apache-2.0
// `ExportRules.decide`: one row per rule (RFC 4271 §5.1, §9, §9.2; RFC 1997; RFC 4456 §8; RFC 6793 §4.2.2; RFC 2545
// §3; RFC 8950; RFC 6996; Calico `nextHopMode` / `localASNumber`), each giving the exact outgoing attributes or the
// reason the path is withheld.

import BGPCore
import BGPWire
import Testing

@Suite("ExportRules")
struct ExportRulesTests {
    typealias F = ExportFixtures

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var rules = ExportRules(reflection: ExportFixtures.reflector)
        var path: Path
        var target: ExportTarget
        var expected: ExportRules.Decision
        var testDescription: String { name }
    }

    static func ip(_ text: String) -> IPAddress { F.ip(text) }
    static func seq(_ asns: UInt32...) -> ASPath { ASPath(sequence: asns) }
    static func attrs(
        origin: Origin = .igp, asPath: ASPath, nextHop: String? = nil, med: UInt32? = nil, localPref: UInt32? = nil,
        communities: [Community]? = nil
    ) -> PathAttributes {
        PathAttributes(
            origin: origin, asPath: asPath, nextHop: nextHop.map(ip), multiExitDiscriminator: med,
            localPreference: localPref, communities: communities)
    }
    static func v6Reach(_ hops: String..., family: AddressFamily = .ipv6Unicast) -> MultiprotocolReach {
        MultiprotocolReach(family: family, nextHops: hops.map(ip), nlri: [])
    }
    static func with(_ base: PathAttributes, _ change: (inout PathAttributes) -> Void) -> PathAttributes {
        var copy = base
        change(&copy)
        return copy
    }

    static let local = F.path(from: F.local)
    static let fromTor = F.path(from: F.tor)
    static func localWith(_ change: (inout PathAttributes) -> Void) -> Path {
        F.path(from: F.local, attributes: with(F.defaultAttributes(from: F.local), change))
    }
    static func torWith(_ change: (inout PathAttributes) -> Void, nextHop: String? = nil) -> Path {
        F.path(from: F.tor, attributes: with(F.defaultAttributes(from: F.tor), change), nextHop: nextHop)
    }

    /// A ToR-learned path as the second eBGP peer receives it: our AS prepended, the ToR's next hop kept (third
    /// party on the shared subnet).
    static let viaThirdParty = ExportRules.Decision.advertise(attrs(asPath: seq(64512, 65001), nextHop: "192.0.2.1"))

    // MARK: Rows

    static let withholding: [Row] = [
        Row(name: "split horizon: not back to the peer it came from", path: fromTor, target: F.externalTarget(),
            expected: .withhold(.sourcePeer)),
        Row(name: "split horizon off (advertiseToSourcePeer): sent back",
            rules: ExportRules(reflection: F.reflector, advertiseToSourcePeer: true), path: fromTor,
            target: F.externalTarget(), expected: .advertise(attrs(asPath: seq(64512, 65001), nextHop: "192.0.2.1"))),
        Row(name: "RFC 1997 NO_ADVERTISE: not to iBGP", path: localWith { $0.communities = [.noAdvertise] },
            target: F.internalTarget(F.nonClient), expected: .withhold(.noAdvertise)),
        Row(name: "RFC 1997 NO_ADVERTISE: not to eBGP", path: localWith { $0.communities = [.noAdvertise] },
            target: F.externalTarget(), expected: .withhold(.noAdvertise)),
        Row(name: "RFC 1997 NO_EXPORT: not to eBGP", path: localWith { $0.communities = [Community(1, 2), .noExport] },
            target: F.externalTarget(), expected: .withhold(.noExport)),
        Row(name: "RFC 1997 NO_EXPORT: to iBGP, community kept", path: localWith { $0.communities = [.noExport] },
            target: F.internalTarget(F.nonClient),
            expected: .advertise(
                attrs(asPath: ASPath(), nextHop: "10.0.0.1", localPref: 100, communities: [.noExport]))),
        Row(name: "RFC 1997 NO_EXPORT_SUBCONFED: not to eBGP",
            path: localWith { $0.communities = [.noExportSubconfed] }, target: F.externalTarget(),
            expected: .withhold(.noExportSubconfed)),
        Row(name: "RFC 1997 NO_EXPORT_SUBCONFED: to iBGP",
            path: localWith { $0.communities = [.noExportSubconfed] }, target: F.internalTarget(F.client),
            expected: .advertise(
                attrs(asPath: ASPath(), nextHop: "10.0.0.1", localPref: 100, communities: [.noExportSubconfed]))),
        Row(name: "RFC 4271 §9.2: iBGP-learned not to iBGP without reflection",
            rules: ExportRules(reflection: F.meshNode), path: F.path(from: F.nonClient),
            target: F.internalTarget(F.client), expected: .withhold(.notReflected(from: .nonClient, to: .client))),
        Row(name: "RFC 4456 §6: non-client route not to another non-client", path: F.path(from: F.nonClient),
            target: F.internalTarget(
                PathSource(name: "Node_10_0_0_5", kind: .internal, peerAddress: ip("10.0.0.5"),
                    routerID: ip("10.0.0.5"), peerAS: F.localAS, localAS: F.localAS)),
            expected: .withhold(.notReflected(from: .nonClient, to: .nonClient))),
        Row(name: "no local address of the prefix's family: withheld", path: F.path("fd00:65::/122", from: F.local),
            target: ExportTarget(name: "v4only", peerAddress: ip("10.0.0.2"), kind: .internal, peerAS: F.localAS,
                localAS: F.localAS, localIPv4: ip("10.0.0.1")),
            expected: .withhold(.noNextHop)),
    ]

    static let external: [Row] = [
        Row(name: "RFC 4271 §5.1.2: eBGP prepends our AS", path: fromTor, target: F.otherExternalTarget(),
            expected: .advertise(attrs(asPath: seq(64512, 65001), nextHop: "192.0.2.1"))),
        Row(name: "RFC 4271 §5.1.2: locally originated to eBGP carries our AS only", path: local,
            target: F.externalTarget(), expected: .advertise(attrs(asPath: seq(64512), nextHop: "192.0.2.10"))),
        Row(name: "Calico localASNumber: eBGP prepends the override AS", path: local,
            target: F.externalTarget(localASOverride: 64999),
            expected: .advertise(attrs(asPath: seq(64999), nextHop: "192.0.2.10"))),
        Row(name: "RFC 4271 §5.1.2: a full leading AS_SEQUENCE gets a new segment in front",
            path: torWith { $0.asPath = ASPath(sequence: [65001] + Array(repeating: 65009, count: 254)) },
            target: F.otherExternalTarget(),
            expected: .advertise(
                attrs(asPath: ASPath(segments: [
                    ASPathSegment(kind: .sequence, asns: [64512]),
                    ASPathSegment(kind: .sequence, asns: [65001] + Array(repeating: 65009, count: 254)),
                ]), nextHop: "192.0.2.1"))),
        Row(name: "RFC 5065 §4.1: confederation segments removed toward eBGP",
            path: F.path(from: F.nonClient, attributes: attrs(asPath: ASPath(segments: [
                ASPathSegment(kind: .confedSequence, asns: [65100]),
                ASPathSegment(kind: .sequence, asns: [65001]),
            ]), nextHop: "192.0.2.1", localPref: 100)),
            target: F.otherExternalTarget(), expected: viaThirdParty),
        Row(name: "RFC 4271 §5.1.5: LOCAL_PREF not sent to eBGP", path: F.path(from: F.nonClient),
            target: F.otherExternalTarget(), expected: viaThirdParty),
        Row(name: "RFC 4271 §5.1.4: MED from another AS not sent to eBGP",
            path: torWith { $0.multiExitDiscriminator = 50 }, target: F.otherExternalTarget(),
            expected: .advertise(attrs(asPath: seq(64512, 65001), nextHop: "192.0.2.1"))),
        Row(name: "RFC 4271 §5.1.4: MED of a locally originated route sent to eBGP",
            path: localWith { $0.multiExitDiscriminator = 10 }, target: F.externalTarget(),
            expected: .advertise(attrs(asPath: seq(64512), nextHop: "192.0.2.10", med: 10))),
        Row(name: "propagateMEDToExternal: learned MED sent to eBGP",
            rules: ExportRules(reflection: F.reflector, propagateMEDToExternal: true),
            path: torWith { $0.multiExitDiscriminator = 50 }, target: F.otherExternalTarget(),
            expected: .advertise(attrs(asPath: seq(64512, 65001), nextHop: "192.0.2.1", med: 50))),
        Row(name: "RFC 4456 §8: ORIGINATOR_ID and CLUSTER_LIST not sent to eBGP",
            path: F.path(from: F.client, attributes: with(F.defaultAttributes(from: F.client)) {
                $0.originatorID = ip("10.0.0.9")
                $0.clusterList = [ip("10.255.0.2")]
            }),
            target: F.otherExternalTarget(), expected: viaThirdParty),
        Row(name: "RFC 4360 §3: non-transitive extended communities not sent to eBGP",
            path: localWith {
                $0.extendedCommunities = [.routeTarget(asn: 64512, value: 1), ExtendedCommunity(rawValue: 0x4300 << 48)]
            },
            target: F.externalTarget(),
            expected: .advertise(with(attrs(asPath: seq(64512), nextHop: "192.0.2.10")) {
                $0.extendedCommunities = [.routeTarget(asn: 64512, value: 1)]
            })),
        Row(name: "RFC 6996: removePrivateAS drops private ASes toward eBGP but not the peer's",
            rules: ExportRules(reflection: F.reflector, removePrivateAS: true),
            path: torWith { $0.asPath = seq(65001, 64600, 65002, 4_200_000_005, 3356) },
            target: F.otherExternalTarget(),
            expected: .advertise(attrs(asPath: seq(64512, 65002, 3356), nextHop: "192.0.2.1"))),
    ]

    static let nextHop: [Row] = [
        Row(name: "RFC 4271 §5.1.3: eBGP next hop self when the next hop is not on a shared subnet", path: fromTor,
            target: F.externalTarget(sharedSubnets: [], peerAddress: "198.51.100.1"),
            expected: .advertise(attrs(asPath: seq(64512, 65001), nextHop: "192.0.2.10"))),
        Row(name: "RFC 4271 §5.1.3: eBGP third-party next hop kept on a shared subnet (Auto)",
            path: F.path(from: F.nonClient, nextHop: "192.0.2.5"), target: F.otherExternalTarget(),
            expected: .advertise(attrs(asPath: seq(64512, 65001), nextHop: "192.0.2.5"))),
        Row(name: "Calico nextHopMode Self: eBGP next hop self even on a shared subnet", path: fromTor,
            target: F.otherExternalTarget(nextHopMode: .self),
            expected: .advertise(attrs(asPath: seq(64512, 65001), nextHop: "192.0.2.10"))),
        Row(name: "Calico nextHopMode Keep: eBGP keeps an off-subnet next hop",
            path: F.path(from: F.nonClient, nextHop: "10.0.0.2"), target: F.externalTarget(nextHopMode: .keep),
            expected: .advertise(attrs(asPath: seq(64512, 65001), nextHop: "10.0.0.2"))),
        Row(name: "RFC 4271 §5.1.3: iBGP keeps the next hop of an eBGP-learned route (Auto = BIRD default)",
            path: torWith { $0.multiExitDiscriminator = 50 }, target: F.internalTarget(F.nonClient),
            expected: .advertise(attrs(asPath: seq(65001), nextHop: "192.0.2.1", med: 50, localPref: 100))),
        Row(name: "Calico nextHopMode Self: iBGP next hop self", path: fromTor,
            target: F.internalTarget(F.nonClient, nextHopMode: .self),
            expected: .advertise(attrs(asPath: seq(65001), nextHop: "10.0.0.1", localPref: 100))),
        Row(name: "RFC 4271 §5.1.3: locally originated to iBGP uses our address, even with Keep", path: local,
            target: F.internalTarget(F.nonClient, nextHopMode: .keep),
            expected: .advertise(attrs(asPath: ASPath(), nextHop: "10.0.0.1", localPref: 100))),
        Row(name: "RFC 4456 §6/§8: reflected route keeps AS_PATH, LOCAL_PREF and next hop",
            path: F.path(from: F.client), target: F.internalTarget(F.nonClient),
            expected: .advertise(with(attrs(asPath: seq(65001), nextHop: "192.0.2.1", localPref: 200)) {
                $0.originatorID = ip("10.0.0.3")
                $0.clusterList = [F.clusterID]
            })),
        Row(name: "RFC 2545 §3: IPv6 next hop self with our link-local on the shared link",
            path: F.path("fd00:65::/122", from: F.local), target: F.externalTarget(),
            expected: .advertise(with(attrs(asPath: seq(64512))) { $0.mpReach = v6Reach("fd01::10", "fe80::10") })),
        Row(name: "RFC 2545 §3: a kept IPv6 next hop loses its link-local off the link",
            path: F.path("2001:db8::/48", from: F.tor, nextHop: "fd01::1", linkLocalNextHop: "fe80::1"),
            target: F.internalTarget(F.nonClient),
            expected: .advertise(with(attrs(asPath: seq(65001), localPref: 100)) { $0.mpReach = v6Reach("fd01::1") })),
        Row(name: "RFC 2545 §3: a third-party IPv6 next hop keeps its link-local on the shared link",
            path: F.path("2001:db8::/48", from: F.nonClient, nextHop: "fd01::5", linkLocalNextHop: "fe80::5"),
            target: F.otherExternalTarget(),
            expected: .advertise(with(attrs(asPath: seq(64512, 65001))) {
                $0.mpReach = v6Reach("fd01::5", "fe80::5")
            })),
        Row(name: "RFC 2545 §3: a link-local-only next hop is replaced by ours",
            path: F.path("2001:db8::/48", from: F.tor, nextHop: "fe80::1"), target: F.internalTarget(F.nonClient),
            expected: .advertise(with(attrs(asPath: seq(65001), localPref: 100)) { $0.mpReach = v6Reach("fd00::1") })),
        Row(name: "RFC 8950: IPv4 prefix over an IPv6 next hop", path: local,
            target: ExportTarget(name: "v6only", peerAddress: ip("fd00::2"), kind: .internal, peerAS: F.localAS,
                localAS: F.localAS, localIPv6: ip("fd00::1"), extendedNextHop: true),
            expected: .advertise(with(attrs(asPath: ASPath(), localPref: 100)) {
                $0.mpReach = v6Reach("fd00::1", family: .ipv4Unicast)
            })),
    ]

    static let attributes: [Row] = [
        Row(name: "RFC 4271 §5.1.1: a missing ORIGIN is sent as INCOMPLETE",
            path: F.path(from: F.local, attributes: PathAttributes()), target: F.internalTarget(F.nonClient),
            expected: .advertise(attrs(origin: .incomplete, asPath: ASPath(), nextHop: "10.0.0.1", localPref: 100))),
        Row(name: "RFC 6793 §4.2.2: a 2-octet peer gets AS_TRANS with AS4_PATH and AS4_AGGREGATOR",
            path: torWith {
                $0.asPath = seq(65001, 4_200_000_001)
                $0.aggregator = Aggregator(asn: 4_200_000_001, address: ip("192.0.2.99"))
            },
            target: F.externalTarget(fourOctetAS: false, peerAddress: "192.0.2.2"),
            expected: .advertise(with(attrs(asPath: seq(64512, 65001, 23456), nextHop: "192.0.2.1")) {
                $0.as4Path = seq(64512, 65001, 4_200_000_001)
                $0.aggregator = Aggregator(asn: 23456, address: ip("192.0.2.99"))
                $0.as4Aggregator = Aggregator(asn: 4_200_000_001, address: ip("192.0.2.99"))
            })),
        Row(name: "RFC 6793 §4.2.2: a 2-octet peer with 2-octet ASes only gets no AS4_PATH", path: fromTor,
            target: F.internalTarget(F.nonClient, fourOctetAS: false),
            expected: .advertise(attrs(asPath: seq(65001), nextHop: "192.0.2.1", localPref: 100))),
        Row(name: "RFC 4271 §9: unknown optional transitive passed on with Partial, non-transitive dropped",
            path: torWith {
                $0.unknown = [
                    UnknownAttribute(flags: [.optional], code: AttributeCode(rawValue: 98), value: [1]),
                    UnknownAttribute(flags: [.optional, .transitive], code: AttributeCode(rawValue: 99), value: [2]),
                ]
            },
            target: F.internalTarget(F.nonClient),
            expected: .advertise(with(attrs(asPath: seq(65001), nextHop: "192.0.2.1", localPref: 100)) {
                $0.unknown = [
                    UnknownAttribute(
                        flags: [.optional, .transitive, .partial], code: AttributeCode(rawValue: 99), value: [2])
                ]
            })),
        Row(name: "RFC 4760 §4: MP_UNREACH_NLRI and the received MP_REACH_NLRI are not carried over",
            path: F.path("2001:db8::/48", from: F.tor, attributes: with(F.defaultAttributes(from: F.tor)) {
                $0.nextHop = nil
                $0.mpReach = MultiprotocolReach(
                    family: .ipv6Unicast, nextHops: [ip("fd01::1")], nlri: [NLRI(F.prefix("2001:db8::/48"))])
                $0.mpUnreach = MultiprotocolUnreach(family: .ipv6Unicast, withdrawn: [NLRI(F.prefix("2001:db9::/48"))])
            }, nextHop: "fd01::1"),
            target: F.internalTarget(F.nonClient),
            expected: .advertise(with(attrs(asPath: seq(65001), localPref: 100)) { $0.mpReach = v6Reach("fd01::1") })),
    ]

    @Test("withheld", arguments: withholding)
    func withheld(_ row: Row) { check(row) }

    @Test("toward eBGP", arguments: external)
    func towardExternal(_ row: Row) { check(row) }

    @Test("next hop", arguments: nextHop)
    func nextHops(_ row: Row) { check(row) }

    @Test("attributes", arguments: attributes)
    func attributeRules(_ row: Row) { check(row) }

    private func check(_ row: Row) {
        let decision = row.rules.decide(row.path, to: row.target)
        #expect(decision == row.expected)
        #expect(row.rules.export(row.path, to: row.target) == row.expected.attributes)
    }

    @Test("export output never carries wire hints")
    func noWireHints() {
        var attributes = F.defaultAttributes(from: F.tor)
        attributes.wireOrder = [.nextHop, .origin, .asPath]
        let rules = ExportRules(reflection: F.reflector)
        // The interning table drops hints itself; build the path from an un-interned copy via decide's contract.
        let out = rules.export(F.path(from: F.tor, attributes: attributes), to: F.internalTarget(F.nonClient))
        #expect(out?.wireOrder == nil)
    }
}
