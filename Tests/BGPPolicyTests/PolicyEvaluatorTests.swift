// SPDX-License-Identifier: Apache-2.0
// BGPFilter evaluation as calico/node's confd renders it into BIRD (template_funcs.go `filterStatement`,
// bgp_processor.go `buildImportFilter`/`buildExportFilter`): one row per condition and operator, rule and filter
// order, the defaults per direction, each operation, and the reason text.

import BGPPolicy
import BGPWire
import Testing

private func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }

private func subject(
    _ text: String, source: PolicySubject.Source = .remotePeer, peerType: FilterRule.PeerType = .eBGP,
    interface: String? = nil, communities: [Community] = [], large: [LargeCommunity] = [], path: [UInt32] = [],
    priority: UInt32? = nil
) -> PolicySubject {
    PolicySubject(
        prefix: prefix(text), source: source, peerType: peerType, interfaceName: interface, communities: communities,
        largeCommunities: large, asPath: ASPath(sequence: path), priority: priority)
}

private func importVerdict(_ rules: [FilterRule], _ s: PolicySubject) -> Verdict {
    let filter = s.prefix.family == .ipv4 ? BGPFilter(name: "f", importV4: rules) : BGPFilter(name: "f", importV6: rules)
    return PolicyEvaluator.evaluate(filters: [filter], direction: .import, subject: s)
}

@Suite("PolicyEvaluator")
struct PolicyEvaluatorTests {
    struct CIDRRow: Sendable, CustomTestStringConvertible {
        var cidr: String
        var op: CIDRMatch.Operator
        var min: UInt8?
        var max: UInt8?
        var route: String
        var matches: Bool
        var testDescription: String { "\(cidr) \(op.rawValue) {\(min.map(String.init) ?? "-"),\(max.map(String.init) ?? "-")} vs \(route) → \(matches)" }
    }

    static let cidrRows: [CIDRRow] = [
        .init(cidr: "10.0.0.0/8", op: .equal, route: "10.0.0.0/8", matches: true),
        .init(cidr: "10.0.0.0/8", op: .equal, route: "10.1.0.0/16", matches: false),
        .init(cidr: "10.0.0.0/8", op: .notEqual, route: "10.1.0.0/16", matches: true),
        .init(cidr: "10.0.0.0/8", op: .notEqual, route: "10.0.0.0/8", matches: false),
        .init(cidr: "10.0.0.0/8", op: .in, route: "10.1.2.0/24", matches: true),
        .init(cidr: "10.0.0.0/8", op: .in, route: "10.0.0.0/8", matches: true),
        .init(cidr: "10.0.0.0/8", op: .in, route: "11.0.0.0/8", matches: false),
        .init(cidr: "10.0.0.0/8", op: .in, route: "10.0.0.0/7", matches: false),
        .init(cidr: "10.0.0.0/8", op: .notIn, route: "11.0.0.0/8", matches: true),
        .init(cidr: "10.0.0.0/8", op: .notIn, route: "10.9.0.0/16", matches: false),
        // prefixLength: BIRD `net ~ [ 10.0.0.0/8{16,24} ]`.
        .init(cidr: "10.0.0.0/8", op: .in, min: 16, max: 24, route: "10.1.0.0/16", matches: true),
        .init(cidr: "10.0.0.0/8", op: .in, min: 16, max: 24, route: "10.1.2.0/24", matches: true),
        .init(cidr: "10.0.0.0/8", op: .in, min: 16, max: 24, route: "10.1.2.0/25", matches: false),
        .init(cidr: "10.0.0.0/8", op: .in, min: 16, max: 24, route: "10.0.0.0/8", matches: false),
        .init(cidr: "10.0.0.0/8", op: .in, min: 30, route: "10.0.0.4/30", matches: true),
        .init(cidr: "10.0.0.0/16", op: .in, min: 4, route: "10.0.0.0/16", matches: true),  // min below the CIDR's own length
        .init(cidr: "10.0.0.0/8", op: .in, max: 12, route: "10.0.0.0/13", matches: false),
        .init(cidr: "10.0.0.0/8", op: .notIn, min: 16, max: 24, route: "10.1.2.0/25", matches: true),
        .init(cidr: "10.0.0.0/8", op: .notIn, min: 16, max: 24, route: "10.1.2.0/24", matches: false),
        .init(cidr: "fd00::/8", op: .in, min: 48, max: 64, route: "fd00:1::/64", matches: true),
        .init(cidr: "fd00::/8", op: .in, min: 48, max: 64, route: "fd00:1::/80", matches: false),
        .init(cidr: "5000::/64", op: .equal, route: "5000::/64", matches: true),
        .init(cidr: "10.0.0.0/8", op: .in, route: "fd00::/8", matches: false),  // other family never matches In
    ]

    @Test("cidr + matchOperator + prefixLength (confd filterMatchCIDR / filterMatchPrefixLength)", arguments: cidrRows)
    func cidrMatch(row: CIDRRow) {
        let match = CIDRMatch(prefix: prefix(row.cidr), matchOperator: row.op, minimumLength: row.min, maximumLength: row.max)
        #expect(match.matches(prefix(row.route)) == row.matches)
    }

    @Test("source RemotePeers matches only routes learned from BGP (source ~ [ RTS_BGP ])")
    func source() {
        let rule = FilterRule(source: .remotePeers, action: .reject)
        #expect(PolicyEvaluator.matches(rule, subject("10.0.0.0/24", source: .remotePeer)))
        #expect(!PolicyEvaluator.matches(rule, subject("10.0.0.0/24", source: .local)))
    }

    @Test("interface is a BIRD shell pattern; a route without interface never matches", arguments: [
        ("eth0", "eth0", true), ("eth*", "eth1", true), ("*.calico", "vxlan.calico", true), ("eth?", "eth10", false),
        ("eth0", "eth1", false), ("*", "", true), ("cali*", "tunl0", false),
    ])
    func interface(pattern: String, name: String, matches: Bool) {
        let rule = FilterRule(interfacePattern: pattern, action: .accept)
        #expect(PolicyEvaluator.matches(rule, subject("10.0.0.0/24", interface: name)) == matches)
        #expect(!PolicyEvaluator.matches(rule, subject("10.0.0.0/24", interface: nil)))
    }

    @Test("peerType compares with the session's type (is_same_as)")
    func peerType() {
        let rule = FilterRule(peerType: .iBGP, action: .accept)
        #expect(PolicyEvaluator.matches(rule, subject("10.0.0.0/24", peerType: .iBGP)))
        #expect(!PolicyEvaluator.matches(rule, subject("10.0.0.0/24", peerType: .eBGP)))
    }

    @Test("communities: standard ~ bgp_community, large ~ bgp_large_community")
    func communities() {
        let standard = FilterRule(communities: [CommunityValue("65000:100")!], action: .accept)
        let large = FilterRule(communities: [CommunityValue("65000:100:999")!], action: .accept)
        let s = subject("10.0.0.0/24", communities: [Community(65000, 100)], large: [LargeCommunity(65000, 100, 7)])
        #expect(PolicyEvaluator.matches(standard, s))
        #expect(!PolicyEvaluator.matches(large, s))
        #expect(PolicyEvaluator.matches(large, subject("10.0.0.0/24", large: [LargeCommunity(65000, 100, 999)])))
        #expect(!PolicyEvaluator.matches(standard, subject("10.0.0.0/24")))
    }

    @Test("asPathPrefix: bgp_path ~ [= a b * =]")
    func asPathPrefix() {
        let rule = FilterRule(asPathPrefix: [65000, 65001], action: .accept)
        #expect(PolicyEvaluator.matches(rule, subject("10.0.0.0/24", path: [65000, 65001, 7])))
        #expect(PolicyEvaluator.matches(rule, subject("10.0.0.0/24", path: [65000, 65001])))
        #expect(!PolicyEvaluator.matches(rule, subject("10.0.0.0/24", path: [65000])))
        #expect(!PolicyEvaluator.matches(rule, subject("10.0.0.0/24", path: [7, 65000, 65001])))
        #expect(!PolicyEvaluator.matches(rule, subject("10.0.0.0/24", path: [])))
        let withSet = ASPath(segments: [
            ASPathSegment(kind: .sequence, asns: [65000]), ASPathSegment(kind: .set, asns: [1, 65001]),
        ])
        #expect(PolicyEvaluator.asPath(withSet, startsWith: [65000, 65001]))
    }

    @Test("priority: krt_metric = n; an unset priority never matches")
    func priority() {
        let rule = FilterRule(priority: 512, action: .accept)
        #expect(PolicyEvaluator.matches(rule, subject("10.0.0.0/24", priority: 512)))
        #expect(!PolicyEvaluator.matches(rule, subject("10.0.0.0/24", priority: 1024)))
        #expect(!PolicyEvaluator.matches(rule, subject("10.0.0.0/24")))
    }

    @Test("All conditions of a rule must hold (confd joins them with &&)")
    func conjunction() {
        let rule = FilterRule(
            cidr: CIDRMatch(prefix: prefix("10.0.0.0/8"), matchOperator: .in), peerType: .eBGP, action: .reject)
        #expect(PolicyEvaluator.matches(rule, subject("10.1.0.0/16", peerType: .eBGP)))
        #expect(!PolicyEvaluator.matches(rule, subject("10.1.0.0/16", peerType: .iBGP)))
        #expect(!PolicyEvaluator.matches(rule, subject("11.1.0.0/16", peerType: .eBGP)))
    }

    @Test("The first matching rule decides; later rules are not consulted")
    func ruleOrder() {
        let rules = [
            FilterRule(cidr: CIDRMatch(prefix: prefix("10.0.0.0/8"), matchOperator: .notIn), action: .reject),
            FilterRule(cidr: CIDRMatch(prefix: prefix("10.1.0.0/16"), matchOperator: .in), action: .accept),
            FilterRule(action: .reject),
        ]
        let inner = importVerdict(rules, subject("10.1.2.0/24"))
        #expect(inner.accepted && inner.decidedBy?.rule == 2)
        let other = importVerdict(rules, subject("10.2.0.0/16"))
        #expect(!other.accepted && other.decidedBy?.rule == 3)
        let outside = importVerdict(rules, subject("192.168.0.0/16"))
        #expect(!outside.accepted && outside.decidedBy?.rule == 1)
    }

    @Test("A filter with no matching rule passes the route to the next filter; the first match decides")
    func filterOrder() {
        let first = BGPFilter(name: "first", importV4: [
            FilterRule(cidr: CIDRMatch(prefix: prefix("10.0.0.0/8"), matchOperator: .in), action: .accept)
        ])
        let second = BGPFilter(name: "second", importV4: [FilterRule(action: .reject)])
        let a = PolicyEvaluator.evaluate(filters: [first, second], direction: .import, subject: subject("10.1.0.0/16"))
        #expect(a.accepted && a.decidedBy == RuleReference(filter: "first", list: "importV4", rule: 1))
        let b = PolicyEvaluator.evaluate(filters: [first, second], direction: .import, subject: subject("11.0.0.0/8"))
        #expect(!b.accepted && b.decidedBy?.filter == "second")
        let c = PolicyEvaluator.evaluate(filters: [second, first], direction: .import, subject: subject("10.1.0.0/16"))
        #expect(!c.accepted && c.decidedBy?.filter == "second")
    }

    @Test("Direction and family select the rule list")
    func lists() {
        let filter = BGPFilter(
            name: "f", exportV4: [FilterRule(action: .reject)], importV6: [FilterRule(action: .reject)])
        #expect(!PolicyEvaluator.evaluate(filters: [filter], direction: .export, subject: subject("10.0.0.0/8")).accepted)
        #expect(PolicyEvaluator.evaluate(filters: [filter], direction: .import, subject: subject("10.0.0.0/8")).isDefault)
        #expect(!PolicyEvaluator.evaluate(filters: [filter], direction: .import, subject: subject("fd00::/8")).accepted)
        #expect(PolicyEvaluator.evaluate(filters: [filter], direction: .export, subject: subject("fd00::/8")).isDefault)
    }

    @Test("No match: import accepts (confd `accept;`), export defers to Calico's export rules")
    func defaults() {
        let filter = BGPFilter(
            name: "f", exportV4: [FilterRule(cidr: CIDRMatch(prefix: prefix("10.0.0.0/8"), matchOperator: .equal), action: .reject)],
            importV4: [FilterRule(cidr: CIDRMatch(prefix: prefix("10.0.0.0/8"), matchOperator: .equal), action: .reject)])
        let imported = PolicyEvaluator.evaluate(filters: [filter], direction: .import, subject: subject("11.0.0.0/8"))
        #expect(imported.accepted && imported.isDefault)
        #expect(imported.reason == "no importV4 rule of BGPFilter f matched → Accept (default)")
        let exported = PolicyEvaluator.evaluate(filters: [filter], direction: .export, subject: subject("11.0.0.0/8"))
        #expect(exported.accepted && exported.isDefault)
        #expect(exported.reason == "no exportV4 rule of BGPFilter f matched → Calico's export rules decide")
        let none = PolicyEvaluator.evaluate(filters: [], direction: .import, subject: subject("11.0.0.0/8"))
        #expect(none.accepted && none.reason == "no BGPFilter has importV4 rules → Accept (default)")
    }

    @Test("Reasons name the filter, list, 1-based rule, conditions and action")
    func reasons() {
        let filter = BGPFilter(name: "tor-in", importV4: [
            FilterRule(cidr: CIDRMatch(prefix: prefix("192.168.0.0/16"), matchOperator: .equal), action: .reject),
            FilterRule(cidr: CIDRMatch(prefix: prefix("10.0.0.0/8"), matchOperator: .in), action: .accept),
            FilterRule(
                cidr: CIDRMatch(prefix: prefix("172.16.0.0/12"), matchOperator: .in, minimumLength: 24), source: .remotePeers,
                interfacePattern: "eth*", peerType: .eBGP, communities: [.standard(Community(65000, 1))],
                asPathPrefix: [65000], priority: 512, action: .accept,
                operations: [.addCommunity(.large(LargeCommunity(1, 2, 3))), .prependASPath([65001]), .setPriority(256)]),
            FilterRule(action: .reject),
        ])
        func reason(_ s: PolicySubject) -> String {
            PolicyEvaluator.evaluate(filters: [filter], direction: .import, subject: s).reason
        }
        #expect(reason(subject("10.1.0.0/16")) == "BGPFilter tor-in importV4 rule 2: cidr 10.0.0.0/8 In → Accept")
        #expect(reason(subject("192.168.0.0/16")) == "BGPFilter tor-in importV4 rule 1: cidr 192.168.0.0/16 Equal → Reject")
        #expect(
            reason(subject("172.16.1.0/24", interface: "eth0", communities: [Community(65000, 1)], path: [65000], priority: 512))
                == "BGPFilter tor-in importV4 rule 3: cidr 172.16.0.0/12{24,32} In && source RemotePeers && interface eth* "
                + "&& peerType eBGP && community 65000:1 && asPathPrefix 65000 && priority 512 → Accept "
                + "(addCommunity 1:2:3, prependASPath 65001, setPriority 256)")
        #expect(reason(subject("8.8.8.0/24")) == "BGPFilter tor-in importV4 rule 4: any → Reject")
    }

    @Test("Accept carries the rule's operations in order and the last setPriority")
    func verdictOperations() {
        let ops: [FilterOperation] = [.setPriority(100), .addCommunity(.standard(Community(1, 2))), .setPriority(256)]
        let verdict = importVerdict([FilterRule(action: .accept, operations: ops)], subject("10.0.0.0/8"))
        #expect(verdict.operations == ops)
        #expect(verdict.priority == 256)
        let plain = importVerdict([FilterRule(action: .accept)], subject("10.0.0.0/8"))
        #expect(plain.priority == nil && plain.operations.isEmpty)
    }
}

@Suite("PolicyEvaluator.apply")
struct PolicyOperationTests {
    @Test("addCommunity standard appends once (bgp_community.add)")
    func addStandard() {
        var attributes = PathAttributes()
        attributes = PolicyEvaluator.apply([.addCommunity(.standard(Community(65000, 200)))], to: attributes)
        #expect(attributes.communities == [Community(65000, 200)])
        attributes = PolicyEvaluator.apply(
            [.addCommunity(.standard(Community(65000, 200))), .addCommunity(.standard(Community(1, 1)))], to: attributes)
        #expect(attributes.communities == [Community(65000, 200), Community(1, 1)])
        #expect(attributes.largeCommunities == nil)
    }

    @Test("addCommunity large appends once (bgp_large_community.add)")
    func addLarge() {
        var attributes = PathAttributes()
        attributes.largeCommunities = [LargeCommunity(1, 2, 3)]
        attributes = PolicyEvaluator.apply(
            [.addCommunity(.large(LargeCommunity(65000, 300, 400))), .addCommunity(.large(LargeCommunity(1, 2, 3)))],
            to: attributes)
        #expect(attributes.largeCommunities == [LargeCommunity(1, 2, 3), LargeCommunity(65000, 300, 400)])
        #expect(attributes.communities == nil)
    }

    @Test("prependASPath puts the ASNs first in the order listed (Calico: [65000, 65001] → \"65000 65001 <original>\")")
    func prepend() {
        var attributes = PathAttributes()
        attributes.asPath = ASPath(sequence: [7, 8])
        let result = PolicyEvaluator.apply([.prependASPath([65000, 65001])], to: attributes)
        #expect(result.asPath == ASPath(sequence: [65000, 65001, 7, 8]))
        let empty = PolicyEvaluator.apply([.prependASPath([65000])], to: PathAttributes())
        #expect(empty.asPath == ASPath(sequence: [65000]))
        let set = ASPath(segments: [ASPathSegment(kind: .set, asns: [1, 2])])
        #expect(PolicyEvaluator.prepending([5], to: set).segments.first == ASPathSegment(kind: .sequence, asns: [5]))
        let full = ASPath(sequence: Array(repeating: 9, count: 255))
        #expect(PolicyEvaluator.prepending([5], to: full).segments.count == 2)
    }

    @Test("setPriority changes no attribute; it is Verdict.priority (krt_metric)")
    func setPriority() {
        var attributes = PathAttributes()
        attributes.localPreference = 100
        #expect(PolicyEvaluator.apply([.setPriority(256)], to: attributes) == attributes)
    }

    @Test("Community text: aa:nn with 16-bit parts, aa:nn:mm with 32-bit parts", arguments: [
        ("65000:100", CommunityValue.standard(Community(65000, 100)) as CommunityValue?),
        ("65535:65535", .standard(Community(65535, 65535))),
        ("4294967295:0:1", .large(LargeCommunity(4_294_967_295, 0, 1))),
        ("65536:1", nil), ("1:2:3:4", nil), ("a:b", nil), ("1:", nil), ("-1:2", nil), ("100", nil), ("4294967296:0:0", nil),
    ])
    func communityText(text: String, value: CommunityValue?) {
        #expect(CommunityValue(text) == value)
    }
}

@Suite("CommunityAdvertisement")
struct CommunityAdvertisementTests {
    let advertisements = [
        CommunityAdvertisement(cidr: IPPrefix("192.168.0.0/16")!, communities: [.standard(Community(65001, 10))]),
        CommunityAdvertisement(
            cidr: IPPrefix("192.168.1.0/24")!,
            communities: [.standard(Community(65001, 10)), .large(LargeCommunity(65001, 1, 2))]),
    ]

    @Test("Every advertisement whose CIDR holds the route adds its communities, in order, once")
    func matching() {
        #expect(
            CommunityAdvertisement.communities(for: IPPrefix("192.168.1.0/26")!, in: advertisements)
                == [.standard(Community(65001, 10)), .large(LargeCommunity(65001, 1, 2))])
        #expect(CommunityAdvertisement.communities(for: IPPrefix("192.168.2.0/24")!, in: advertisements) == [.standard(Community(65001, 10))])
        #expect(CommunityAdvertisement.communities(for: IPPrefix("10.0.0.0/8")!, in: advertisements).isEmpty)
        #expect(CommunityAdvertisement.communities(for: IPPrefix("192.0.0.0/8")!, in: advertisements).isEmpty)
    }

    @Test("apply adds them to the attributes")
    func apply() {
        let attributes = CommunityAdvertisement.apply(advertisements, prefix: IPPrefix("192.168.1.0/24")!, to: PathAttributes())
        #expect(attributes.communities == [Community(65001, 10)])
        #expect(attributes.largeCommunities == [LargeCommunity(65001, 1, 2)])
    }
}
