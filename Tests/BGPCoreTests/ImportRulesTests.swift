// SPDX-License-Identifier: Apache-2.0
// `ImportRules.check`: AS_PATH loop detection with allowas-in (RFC 4271 §9.1.2, Calico `numAllowedLocalASNumbers`),
// the eBGP first-AS check (RFC 4271 §6.3, RFC 7606 §7.2) and the RFC 4456 §8 reflection loop checks.

import BGPCore
import BGPWire
import Testing

@Suite("ImportRules")
struct ImportRulesTests {
    typealias F = ExportFixtures

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var source: PathSource
        var attributes: PathAttributes
        var allowASIn = 0
        var otherLocalASes: [UInt32] = []
        var enforceFirstAS = true
        var reflection: RouteReflection? = ExportFixtures.reflector
        var verdict: ImportRules.Verdict
        var testDescription: String { name }
    }

    static func path(_ asns: UInt32...) -> PathAttributes {
        PathAttributes(origin: .igp, asPath: ASPath(sequence: asns), nextHop: F.ip("192.0.2.1"))
    }

    static func reflected(originator: String, clusters: [String]) -> PathAttributes {
        var attributes = path(65001)
        attributes.originatorID = F.ip(originator)
        attributes.clusterList = clusters.map(F.ip)
        return attributes
    }

    static let rows: [Row] = [
        Row(name: "eBGP path without our AS is accepted", source: F.tor, attributes: path(65001, 3356),
            verdict: .accept),
        Row(name: "RFC 4271 §9.1.2: our AS in AS_PATH is a loop", source: F.tor, attributes: path(65001, 64512),
            verdict: .reject(.asLoop(asn: 64512, count: 1, allowed: 0))),
        Row(name: "Calico numAllowedLocalASNumbers 1: our AS once is accepted", source: F.tor,
            attributes: path(65001, 64512), allowASIn: 1, verdict: .accept),
        Row(name: "Calico numAllowedLocalASNumbers 1: our AS twice is a loop", source: F.tor,
            attributes: path(65001, 64512, 64512), allowASIn: 1,
            verdict: .reject(.asLoop(asn: 64512, count: 2, allowed: 1))),
        Row(name: "RFC 4271 §9.1.2: our AS inside an AS_SET is a loop", source: F.tor,
            attributes: PathAttributes(origin: .igp, asPath: ASPath(segments: [
                ASPathSegment(kind: .sequence, asns: [65001]), ASPathSegment(kind: .set, asns: [64512, 65009]),
            ])), verdict: .reject(.asLoop(asn: 64512, count: 1, allowed: 0))),
        Row(name: "localASNumber override: the global AS counts too", source: F.tor,
            attributes: path(65001, 64700), otherLocalASes: [64700],
            verdict: .reject(.asLoop(asn: 64700, count: 1, allowed: 0))),
        Row(name: "RFC 4271 §9.1.2: loop detection applies to iBGP-learned paths", source: F.nonClient,
            attributes: path(65001, 64512), verdict: .reject(.asLoop(asn: 64512, count: 1, allowed: 0))),
        Row(name: "RFC 4271 §6.3 / RFC 7606 §7.2: eBGP first AS not the peer's", source: F.tor,
            attributes: path(65009, 3356), verdict: .reject(.firstASMismatch(peerAS: 65001, firstAS: 65009))),
        Row(name: "RFC 4271 §6.3 / RFC 7606 §7.2: eBGP empty AS_PATH", source: F.tor, attributes: path(),
            verdict: .reject(.firstASMismatch(peerAS: 65001, firstAS: nil))),
        Row(name: "RFC 7947 §2.2.2.1: first-AS check off (route server peer)", source: F.tor,
            attributes: path(65009, 3356), enforceFirstAS: false, verdict: .accept),
        Row(name: "RFC 4271 §6.3: the first-AS check is for eBGP only", source: F.nonClient,
            attributes: path(65009), verdict: .accept),
        Row(name: "iBGP empty AS_PATH is accepted", source: F.nonClient, attributes: path(), verdict: .accept),
        Row(name: "RFC 4456 §8: ORIGINATOR_ID is our router ID", source: F.nonClient,
            attributes: reflected(originator: "10.0.0.1", clusters: ["10.255.0.2"]),
            verdict: .reject(.reflectionLoop(.originatorIsSelf(F.routerID)))),
        Row(name: "RFC 4456 §8: CLUSTER_LIST contains our cluster ID", source: F.client,
            attributes: reflected(originator: "10.0.0.3", clusters: ["10.255.0.2", "10.255.0.1"]),
            verdict: .reject(.reflectionLoop(.clusterListContainsSelf(F.clusterID)))),
        Row(name: "RFC 4456 §8: another cluster's CLUSTER_LIST is accepted", source: F.nonClient,
            attributes: reflected(originator: "10.0.0.3", clusters: ["10.255.0.2"]), verdict: .accept),
        Row(name: "RFC 4456 §8: not a reflector, CLUSTER_LIST is not checked", source: F.nonClient,
            attributes: reflected(originator: "10.0.0.3", clusters: ["10.255.0.1"]), reflection: F.meshNode,
            verdict: .accept),
        Row(name: "locally originated paths are not loop-checked", source: F.local, attributes: path(64512),
            verdict: .accept),
    ]

    @Test("check", arguments: rows)
    func check(_ row: Row) {
        let verdict = ImportRules.check(
            row.attributes, from: row.source, localAS: F.localAS, otherLocalASes: row.otherLocalASes,
            allowASIn: row.allowASIn, enforceFirstAS: row.enforceFirstAS, reflection: row.reflection)
        #expect(verdict == row.verdict)
    }

    @Test("check(Path) agrees with check(attributes, from:)")
    func pathOverload() {
        let path = F.path(from: F.tor, attributes: Self.path(65001, 64512))
        #expect(
            ImportRules.check(path, localAS: F.localAS, allowASIn: 1, reflection: F.reflector) == .accept)
        #expect(!ImportRules.check(path, localAS: F.localAS).isAccepted)
    }

    @Test("RFC 7606 §2: every rejection is treat-as-withdraw")
    func rejectionsAreTreatAsWithdraw() {
        for row in Self.rows {
            if case .reject(let rejection) = row.verdict { #expect(rejection.action == .treatAsWithdraw) }
        }
    }

    @Test("RFC 4271 §5.1.5 / RFC 4456 §8: LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST from eBGP are ignored")
    func sanitizedExternal() {
        var attributes = Self.reflected(originator: "10.0.0.3", clusters: ["10.255.0.2"])
        attributes.localPreference = 300
        #expect(ImportRules.sanitized(attributes, from: F.tor) == Self.path(65001))
        #expect(ImportRules.sanitized(attributes, from: F.nonClient) == attributes)
    }
}
