// SPDX-License-Identifier: Apache-2.0
// `BGPFilter.spec` (projectcalico/api `bgpfilter.go`): four ordered rule lists, each rule with the match fields,
// `action` and `operations`. Applies Calico's validation (the CRD's CEL rules and `validator.go`): `cidr` and
// `matchOperator` together, `prefixLength` only with `cidr`, `operations` only with Accept, `source` not on import,
// one community value, `interface` matching `^[a-zA-Z0-9_.*-]{1,15}$`, priorities 1-2147483646, at most 10
// operations and 10 prepended ASNs.

import BGPPolicy
import BGPWire
import ClusterModel
import Yams

extension ResourceDecoder {
    static let bgpFilterFields = ["exportV4", "importV4", "exportV6", "importV6"]
    static let bgpFilterRuleFields = [
        "cidr", "matchOperator", "prefixLength", "source", "interface", "peerType", "communities", "asPathPrefix",
        "priority", "action", "operations",
    ]
    /// Calico `priority` / `setPriority.value` bounds.
    static let bgpFilterPriorityRange: ClosedRange<Int64> = 1...2_147_483_646

    mutating func bgpFilterSpec(_ spec: YAMLField?, name: String) -> BGPFilter {
        var result = BGPFilter(name: name)
        guard let spec, let fields = mapping(spec, known: Self.bgpFilterFields) else { return result }
        for direction in PolicyDirection.allCases {
            for family in [IPAddress.Family.ipv4, .ipv6] {
                let key = BGPFilter.fieldName(direction, family)
                guard let f = fields[key] else { continue }
                let rules = list(f).compactMap { filterRule($0, direction: direction, family: family) }
                switch (direction, family) {
                case (.import, .ipv4): result.importV4 = rules
                case (.import, .ipv6): result.importV6 = rules
                case (.export, .ipv4): result.exportV4 = rules
                case (.export, .ipv6): result.exportV6 = rules
                }
            }
        }
        return result
    }

    /// The items of a YAML list, addressed `path[i]`; a null is an empty list.
    mutating func list(_ field: YAMLField) -> [YAMLField] {
        guard case .sequence(let sequence) = field.node else {
            if !field.isNull { fail(field, "expected a list, got \(field.shownValue)") }
            return []
        }
        return sequence.enumerated().map { index, node in
            let item = YAMLField(node: node, path: "\(field.path)[\(index)]", file: file)
            fieldLocations[item.path] = item.location
            return item
        }
    }

    mutating func filterRule(_ field: YAMLField, direction: PolicyDirection, family: IPAddress.Family) -> FilterRule? {
        guard let fields = mapping(field, known: Self.bgpFilterRuleFields) else { return nil }
        let familyName = family == .ipv4 ? "IPv4" : "IPv6"
        let bits = Int64(family.bitWidth)
        var valid = true

        var cidr: IPPrefix?
        if let f = fields["cidr"] {
            if let text = f.scalarText, let prefix = IPPrefix(text), prefix.family == family {
                cidr = prefix
            } else {
                let example = family == .ipv4 ? "10.0.0.0/8" : "fd00::/8"
                fail(f, "expected an \(familyName) CIDR such as \"\(example)\" with no host bits set, got \(f.shownValue)")
                valid = false
            }
        }
        var matchOperator: CIDRMatch.Operator?
        if let f = fields["matchOperator"] {
            matchOperator = enumeration(f, as: CIDRMatch.Operator.self)
            if matchOperator == nil { valid = false }
        }
        // CRD: "cidr and matchOperator must both be set or both be empty".
        if fields["cidr"] != nil, fields["matchOperator"] == nil {
            missing("matchOperator", in: field, " (required with cidr: Equal, NotEqual, In or NotIn)")
            valid = false
        }
        if let f = fields["matchOperator"], fields["cidr"] == nil {
            fail(f, "needs spec cidr in the same rule")
            valid = false
        }

        var minimumLength: UInt8?
        var maximumLength: UInt8?
        if let f = fields["prefixLength"] {
            if let lengths = mapping(f, known: ["min", "max"]) {
                if let m = lengths["min"] { minimumLength = integer(m, in: 0...bits, what: "a prefix length").map { UInt8($0) } }
                if let m = lengths["max"] { maximumLength = integer(m, in: 0...bits, what: "a prefix length").map { UInt8($0) } }
                if let low = minimumLength, let high = maximumLength, low > high {
                    fail(f, "min \(low) is greater than max \(high)")
                    valid = false
                }
            } else {
                valid = false
            }
            // CRD: "cidr is required when prefixLength is set".
            if fields["cidr"] == nil {
                fail(f, "needs cidr and matchOperator in the same rule")
                valid = false
            }
            // confd renders `net = [ cidr{a,b} ]` for Equal, comparing a prefix with a prefix set; refuse it rather
            // than guess what BIRD does with it.
            if matchOperator == .equal || matchOperator == .notEqual {
                fail(f, "applies only with matchOperator In or NotIn")
                valid = false
            }
        }

        var source: FilterRule.RouteSourceMatch?
        if let f = fields["source"] {
            source = enumeration(f, as: FilterRule.RouteSourceMatch.self)
            if source == nil { valid = false }
            // CRD: "source is not applicable to import rules".
            if direction == .import {
                fail(f, "is not applicable to import rules (imported routes all come from BGP peers)")
                valid = false
            }
        }
        var interfacePattern: String?
        if let f = fields["interface"] {
            if let text = f.scalarText, (1...15).contains(text.count),
                text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.*-".contains($0)) })
            {
                interfacePattern = text
            } else {
                fail(f, "expected an interface name or pattern of 1-15 characters from [a-zA-Z0-9_.*-], got \(f.shownValue)")
                valid = false
            }
        }
        var peerType: FilterRule.PeerType?
        if let f = fields["peerType"] {
            peerType = enumeration(f, as: FilterRule.PeerType.self)
            if peerType == nil { valid = false }
        }
        var communities: [CommunityValue] = []
        if let f = fields["communities"], let match = mapping(f, known: ["values"]) {
            if let values = match["values"] {
                let items = list(values)
                if items.count != 1 {
                    fail(values, "expected exactly one community value (Calico allows one per rule), got \(items.count)")
                    valid = false
                }
                for item in items {
                    if let value = community(item) { communities.append(value) } else { valid = false }
                }
            } else {
                missing("values", in: f)
                valid = false
            }
        } else if fields["communities"] != nil {
            valid = false
        }
        var asPathPrefix: [UInt32] = []
        if let f = fields["asPathPrefix"] {
            for item in list(f) {
                if let asn = asNumber(item) { asPathPrefix.append(asn) } else { valid = false }
            }
        }
        var priority: UInt32?
        if let f = fields["priority"] {
            priority = integer(f, in: Self.bgpFilterPriorityRange, what: "a priority").map { UInt32($0) }
            if priority == nil { valid = false }
        }
        var action: FilterRule.FilterAction?
        if let f = fields["action"] {
            action = enumeration(f, as: FilterRule.FilterAction.self)
        } else {
            missing("action", in: field, " (Accept or Reject)")
        }
        var operations: [FilterOperation] = []
        if let f = fields["operations"] {
            let items = list(f)
            if items.count > 10 {
                fail(f, "expected at most 10 operations, got \(items.count)")
                valid = false
            }
            for item in items {
                if let operation = filterOperation(item) { operations.append(operation) } else { valid = false }
            }
            // CRD: "operations may only be used with action Accept".
            if action == .reject, !items.isEmpty {
                fail(f, "may only be used with action Accept")
                valid = false
            }
        }
        guard valid, let action else { return nil }
        return FilterRule(
            cidr: cidr.map {
                CIDRMatch(
                    prefix: $0, matchOperator: matchOperator ?? .in, minimumLength: minimumLength,
                    maximumLength: maximumLength, hasPrefixLength: fields["prefixLength"] != nil)
            },
            source: source, interfacePattern: interfacePattern, peerType: peerType, communities: communities,
            asPathPrefix: asPathPrefix, priority: priority, action: action, operations: operations)
    }

    /// One `operations` entry: exactly one of `addCommunity`, `prependASPath`, `setPriority`.
    mutating func filterOperation(_ field: YAMLField) -> FilterOperation? {
        guard let fields = mapping(field, known: ["addCommunity", "prependASPath", "setPriority"]) else { return nil }
        guard fields.count == 1, let (key, f) = fields.first else {
            fail(field, "expected exactly one of addCommunity, prependASPath or setPriority, got \(fields.count)")
            return nil
        }
        switch key {
        case "addCommunity":
            guard let value = mapping(f, known: ["value"]) else { return nil }
            guard let v = value["value"] else {
                missing("value", in: f)
                return nil
            }
            return community(v).map { .addCommunity($0) }
        case "prependASPath":
            guard let value = mapping(f, known: ["prefix"]) else { return nil }
            guard let p = value["prefix"] else {
                missing("prefix", in: f)
                return nil
            }
            let items = list(p)
            guard (1...10).contains(items.count) else {
                fail(p, "expected 1-10 AS numbers, got \(items.count)")
                return nil
            }
            let asns = items.compactMap { asNumber($0) }
            return asns.count == items.count ? .prependASPath(asns) : nil
        default:
            guard let value = mapping(f, known: ["value"]) else { return nil }
            guard let v = value["value"] else {
                missing("value", in: f)
                return nil
            }
            return integer(v, in: Self.bgpFilterPriorityRange, what: "a priority").map { .setPriority(UInt32($0)) }
        }
    }

    /// Calico `BGPCommunityValue`: `aa:nn` (16-bit parts) or `aa:nn:mm` (32-bit parts).
    mutating func community(_ field: YAMLField) -> CommunityValue? {
        if let text = field.scalarText, let value = CommunityValue(text) { return value }
        fail(field, "expected a community \"aa:nn\" (0-65535 each) or a large community \"aa:nn:mm\" (0-4294967295 each), got \(field.shownValue)")
        return nil
    }
}
