// SPDX-License-Identifier: Apache-2.0
// One BGPFilter rule: every condition present must hold (confd `filterStatement` joins them with `&&`), then the
// action decides. Operations run only on Accept (Calico validation: "operations may only be used with action
// Accept"). Conditions and their BIRD renderings, from calico confd `pkg/resource/template/template_funcs.go`:
//
//     cidr + matchOperator    net = / != / ~ / !~ <cidr>        (Equal, NotEqual, In, NotIn)
//     + prefixLength          net ~ [ <cidr>{min,max} ]          (min ≥ cidr length, max ≤ 32/128)
//     source: RemotePeers     defined(source) && source ~ [ RTS_BGP ]
//     interface               defined(ifname) && ifname ~ "<pattern>"
//     peerType                if (is_same_as) / if (!is_same_as) around the rule
//     communities             (a, b) ~ bgp_community, (a, b, c) ~ bgp_large_community
//     asPathPrefix            bgp_path ~ [= a b * =]
//     priority                krt_metric = <n>

import BGPWire

/// A rule of a BGPFilter.
public struct FilterRule: Hashable, Sendable {
    public var cidr: CIDRMatch?
    /// `source: RemotePeers`: only routes learned from BGP peers.
    public var source: RouteSourceMatch?
    /// `interface`: a BIRD shell pattern (`*` any run, `?` one character) on the route's outgoing interface.
    public var interfacePattern: String?
    public var peerType: PeerType?
    /// `communities.values` (Calico allows exactly one value today).
    public var communities: [CommunityValue]
    /// `asPathPrefix`: the AS path starts with these ASNs.
    public var asPathPrefix: [UInt32]
    /// `priority`: the route's priority (BIRD `krt_metric`) equals this.
    public var priority: UInt32?
    public var action: FilterAction
    public var operations: [FilterOperation]

    public init(
        cidr: CIDRMatch? = nil, source: RouteSourceMatch? = nil, interfacePattern: String? = nil,
        peerType: PeerType? = nil, communities: [CommunityValue] = [], asPathPrefix: [UInt32] = [],
        priority: UInt32? = nil, action: FilterAction, operations: [FilterOperation] = []
    ) {
        self.cidr = cidr
        self.source = source
        self.interfacePattern = interfacePattern
        self.peerType = peerType
        self.communities = communities
        self.asPathPrefix = asPathPrefix
        self.priority = priority
        self.action = action
        self.operations = operations
    }

    /// `Accept` or `Reject`.
    public enum FilterAction: String, Hashable, Sendable, CaseIterable {
        case accept = "Accept", reject = "Reject"
    }

    /// `source`.
    public enum RouteSourceMatch: String, Hashable, Sendable, CaseIterable {
        case remotePeers = "RemotePeers"
    }

    /// `peerType`: the session's type, iBGP when both ends share an AS (confd passes `peerAS == nodeAS`).
    public enum PeerType: String, Hashable, Sendable, CaseIterable {
        case eBGP, iBGP
    }
}

/// `cidr` + `matchOperator` + `prefixLength`.
public struct CIDRMatch: Hashable, Sendable {
    /// `matchOperator`.
    public enum Operator: String, Hashable, Sendable, CaseIterable {
        case equal = "Equal", notEqual = "NotEqual", `in` = "In", notIn = "NotIn"

        /// BIRD's operator, as confd's `operatorLUT` renders it.
        public var birdSymbol: String {
            switch self {
            case .equal: "="
            case .notEqual: "!="
            case .in: "~"
            case .notIn: "!~"
            }
        }
    }

    public var prefix: IPPrefix
    public var matchOperator: Operator
    /// `prefixLength.min` / `.max` as written; `nil` when `prefixLength` is absent.
    public var minimumLength: UInt8?
    public var maximumLength: UInt8?
    /// True when `prefixLength` was given (even empty): confd then renders a prefix set `[ cidr{min,max} ]`.
    public var hasPrefixLength: Bool

    public init(
        prefix: IPPrefix, matchOperator: Operator, minimumLength: UInt8? = nil, maximumLength: UInt8? = nil,
        hasPrefixLength: Bool? = nil
    ) {
        self.prefix = prefix
        self.matchOperator = matchOperator
        self.minimumLength = minimumLength
        self.maximumLength = maximumLength
        self.hasPrefixLength = hasPrefixLength ?? (minimumLength != nil || maximumLength != nil)
    }

    /// The lengths a route may have with `prefixLength`: confd `filterMatchPrefixLength` takes
    /// `max(cidr length, min)` and `min(32 or 128, max)`.
    public var lengthRange: ClosedRange<UInt8>? {
        guard hasPrefixLength else { return nil }
        let low = max(prefix.length, minimumLength ?? 0)
        let high = min(UInt8(prefix.family.bitWidth), maximumLength ?? UInt8(prefix.family.bitWidth))
        return low <= high ? low...high : nil
    }

    /// Whether `route` satisfies the condition.
    public func matches(_ route: IPPrefix) -> Bool {
        let positive: Bool
        switch matchOperator {
        case .equal, .notEqual:
            positive = route == prefix
        case .in, .notIn:
            if hasPrefixLength {
                // BIRD prefix set `[ p{a,b} ]`: inside p with a length in a...b (an empty range matches nothing).
                positive = prefix.contains(route) && (lengthRange?.contains(route.length) ?? false)
            } else {
                positive = prefix.contains(route)
            }
        }
        return matchOperator == .equal || matchOperator == .in ? positive : !positive
    }
}

extension CIDRMatch: CustomStringConvertible {
    /// `cidr 10.0.0.0/8 In`, `cidr 10.0.0.0/8{16,24} In`.
    public var description: String {
        if hasPrefixLength, let range = lengthRange {
            return "cidr \(prefix){\(range.lowerBound),\(range.upperBound)} \(matchOperator.rawValue)"
        }
        return "cidr \(prefix) \(matchOperator.rawValue)"
    }
}

/// A community as Calico writes it: `aa:nn` (standard, RFC 1997) or `aa:nn:mm` (large, RFC 8092); Calico's
/// `BGPCommunityValue` pattern allows 16-bit parts in the first and 32-bit parts in the second.
public enum CommunityValue: Hashable, Sendable, CustomStringConvertible {
    case standard(Community)
    case large(LargeCommunity)

    /// Parses `aa:nn` or `aa:nn:mm` (decimal, no sign, no leading `+`).
    public init?(_ text: some StringProtocol) {
        let parts = String(text).split(separator: ":", omittingEmptySubsequences: false)
        func number<T: FixedWidthInteger>(_ part: Substring, as: T.Type) -> T? {
            guard !part.isEmpty, part.count <= 10, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return T(part)
        }
        switch parts.count {
        case 2:
            guard let high = number(parts[0], as: UInt16.self), let low = number(parts[1], as: UInt16.self) else {
                return nil
            }
            self = .standard(Community(high, low))
        case 3:
            guard let a = number(parts[0], as: UInt32.self), let b = number(parts[1], as: UInt32.self),
                let c = number(parts[2], as: UInt32.self)
            else { return nil }
            self = .large(LargeCommunity(a, b, c))
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .standard(let community): community.description
        case .large(let community): community.description
        }
    }
}

/// One entry of `operations` (Calico `BGPFilterOperation`, exactly one field set).
public enum FilterOperation: Hashable, Sendable, CustomStringConvertible {
    /// `addCommunity.value`: BIRD `bgp_community.add` / `bgp_large_community.add`.
    case addCommunity(CommunityValue)
    /// `prependASPath.prefix`: the path then starts with these ASNs in the order listed.
    case prependASPath([UInt32])
    /// `setPriority.value`: BIRD `krt_metric = n`, the kernel route metric (not a BGP attribute).
    case setPriority(UInt32)

    public var description: String {
        switch self {
        case .addCommunity(let value): "addCommunity \(value)"
        case .prependASPath(let asns): "prependASPath \(asns.map(String.init).joined(separator: " "))"
        case .setPriority(let value): "setPriority \(value)"
        }
    }
}
