// SPDX-License-Identifier: Apache-2.0
// Runs a peer's BGPFilters the way calico/node's confd renders them into BIRD. Each filter becomes one BIRD
// function per direction and family (`'bgp_<name>_importFilterV4'`), made of one `if (…) then { …; accept; }` per
// rule in order; `accept` and `reject` end the whole BIRD filter. The peer's filter calls the functions in the order
// of `BGPPeer.filters`, then (confd `bgp_processor.go` `buildImportFilter` / `buildExportFilter`):
//
//     import filter { 'bgp_a_importFilterV4'(); …; accept; }                 # "use default accept behaviour"
//     export filter { 'bgp_a_exportFilterV4'(); …; calico_export_to_bgp_peers(is_same_as); reject; }
//
// So the first matching rule of the first filter that has one decides, a filter with no match passes the route to
// the next, and with no match at all import accepts while export falls through to Calico's normal export rules.
// Filters without rules for the direction and family are not called. Calico's docs say the same: "the action for
// the first rule that matches is executed immediately. If an address does not match any explicit BGP filter rule,
// the default action is Accept" (docs.tigera.io reference/resources/bgpfilter).

import BGPWire

/// Evaluation and application of BGPFilter rules. Pure.
public enum PolicyEvaluator {
    /// The verdict of `filters` (in `BGPPeer.filters` order) on `subject` in `direction`.
    public static func evaluate(filters: [BGPFilter], direction: PolicyDirection, subject: PolicySubject) -> Verdict {
        let family = subject.prefix.family
        let list = BGPFilter.fieldName(direction, family)
        for filter in filters {
            for (index, rule) in filter.rules(direction, family).enumerated() where matches(rule, subject) {
                let reference = RuleReference(filter: filter.name, list: list, rule: index + 1)
                var reason = "\(reference): \(conditionText(rule)) → \(rule.action.rawValue)"
                if rule.action == .accept, !rule.operations.isEmpty {
                    reason += " (" + rule.operations.map(\.description).joined(separator: ", ") + ")"
                }
                guard rule.action == .accept else {
                    return Verdict(accepted: false, decidedBy: reference, reason: reason)
                }
                var priority: UInt32?
                for case .setPriority(let value) in rule.operations { priority = value }
                return Verdict(
                    accepted: true, operations: rule.operations, priority: priority, decidedBy: reference,
                    reason: reason)
            }
        }
        let consulted = filters.filter { !$0.rules(direction, family).isEmpty }.map(\.name)
        let scope = consulted.isEmpty ? "no BGPFilter has \(list) rules" : "no \(list) rule of BGPFilter "
            + consulted.joined(separator: ", ") + " matched"
        switch direction {
        case .import: return Verdict(accepted: true, decidedBy: nil, reason: "\(scope) → Accept (default)")
        case .export:
            return Verdict(accepted: true, decidedBy: nil, reason: "\(scope) → Calico's export rules decide")
        }
    }

    /// Whether every condition of `rule` holds for `subject`.
    public static func matches(_ rule: FilterRule, _ subject: PolicySubject) -> Bool {
        if let cidr = rule.cidr, !cidr.matches(subject.prefix) { return false }
        if rule.source == .remotePeers, subject.source != .remotePeer { return false }
        if let pattern = rule.interfacePattern {
            guard let name = subject.interfaceName, shellPatternMatches(pattern, name) else { return false }
        }
        if let peerType = rule.peerType, peerType != subject.peerType { return false }
        for value in rule.communities {
            switch value {
            case .standard(let community): if !subject.communities.contains(community) { return false }
            case .large(let community): if !subject.largeCommunities.contains(community) { return false }
            }
        }
        if !rule.asPathPrefix.isEmpty, !asPath(subject.asPath, startsWith: rule.asPathPrefix) { return false }
        if let priority = rule.priority, subject.priority != priority { return false }
        return true
    }

    /// The rule's conditions as text, `any` when it has none.
    public static func conditionText(_ rule: FilterRule) -> String {
        var parts: [String] = []
        if let cidr = rule.cidr { parts.append(cidr.description) }
        if let source = rule.source { parts.append("source \(source.rawValue)") }
        if let pattern = rule.interfacePattern { parts.append("interface \(pattern)") }
        if let peerType = rule.peerType { parts.append("peerType \(peerType.rawValue)") }
        for value in rule.communities { parts.append("community \(value)") }
        if !rule.asPathPrefix.isEmpty {
            parts.append("asPathPrefix \(rule.asPathPrefix.map(String.init).joined(separator: " "))")
        }
        if let priority = rule.priority { parts.append("priority \(priority)") }
        return parts.isEmpty ? "any" : parts.joined(separator: " && ")
    }

    // MARK: Operations

    /// `attributes` with the BGP-visible operations applied in order. `setPriority` changes no attribute; take it
    /// from `Verdict.priority`.
    public static func apply(_ operations: [FilterOperation], to attributes: PathAttributes) -> PathAttributes {
        guard !operations.isEmpty else { return attributes }
        var result = attributes
        for operation in operations {
            switch operation {
            case .addCommunity(.standard(let community)):
                // BIRD `bgp_community.add` (int_set_add) leaves a present value alone.
                var list = result.communities ?? []
                if !list.contains(community) { list.append(community) }
                result.communities = list
            case .addCommunity(.large(let community)):
                var list = result.largeCommunities ?? []
                if !list.contains(community) { list.append(community) }
                result.largeCommunities = list
            case .prependASPath(let asns):
                result.asPath = prepending(asns, to: result.asPath ?? ASPath())
            case .setPriority:
                break
            }
        }
        return result
    }

    /// `path` with `asns` in front, in the order given. Like BIRD's `as_path_prepend`, the ASNs join a leading
    /// AS_SEQUENCE when there is one with room (a segment holds at most 255 ASes, RFC 4271 §4.3).
    public static func prepending(_ asns: [UInt32], to path: ASPath) -> ASPath {
        var segments = path.segments
        for asn in asns.reversed() {
            if let first = segments.first, first.kind == .sequence, first.asns.count < 255 {
                segments[0].asns.insert(asn, at: 0)
            } else {
                segments.insert(ASPathSegment(kind: .sequence, asns: [asn]), at: 0)
            }
        }
        return ASPath(segments: segments)
    }

    // MARK: Matching helpers

    /// BIRD `bgp_path ~ [= a b * =]`: the path's first positions are `prefix`. A sequence contributes one position
    /// per AS, a set one position that any member matches (BIRD `as_path_match`).
    public static func asPath(_ path: ASPath, startsWith prefix: [UInt32]) -> Bool {
        var remaining = prefix[...]
        for segment in path.segments {
            switch segment.kind {
            case .sequence, .confedSequence:
                for asn in segment.asns {
                    guard let expected = remaining.first else { return true }
                    guard asn == expected else { return false }
                    remaining = remaining.dropFirst()
                }
            case .set, .confedSet:
                guard let expected = remaining.first else { return true }
                guard segment.asns.contains(expected) else { return false }
                remaining = remaining.dropFirst()
            }
        }
        return remaining.isEmpty
    }

    /// BIRD's string match (`ifname ~ "eth*"`): `*` any run of characters, `?` exactly one, anything else itself.
    public static func shellPatternMatches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars)
        let t = Array(text.unicodeScalars)
        var pi = 0
        var ti = 0
        var star: Int?
        var resume = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || (p[pi] != "*" && p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                resume = ti
                pi += 1
            } else if let s = star {
                pi = s + 1
                resume += 1
                ti = resume
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
