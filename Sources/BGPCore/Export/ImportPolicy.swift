// SPDX-License-Identifier: Apache-2.0
// What happens to a path received from one peer before it enters the Adj-RIB-In (post-policy) and the Loc-RIB:
//
//   1. attributes that must be ignored from this kind of peer are dropped (`ImportRules.sanitized`: LOCAL_PREF,
//      ORIGINATOR_ID, CLUSTER_LIST from eBGP; RFC 4271 §5.1.5, RFC 4456 §8);
//   2. loops and bad first AS are rejected (`ImportRules.check`: RFC 4271 §9.1.2 AS_PATH loop with Calico's
//      `numAllowedLocalASNumbers`, RFC 4271 §6.3 / RFC 7606 §7.2 first AS, RFC 4456 §8 reflection loops);
//   3. the peer's BGPFilter import rules run (`PolicyEvaluator`; Calico imports everything when no rule matches).
//
// Everything but BGPFilter rules with a `cidr` is a function of the attribute set and the session, so the engine
// evaluates it once per received attribute set (one UPDATE) instead of once per prefix.

import BGPPolicy
import BGPWire

/// The import side of one session.
public struct ImportPolicy: Sendable {
    /// Our AS on the session (Calico `localASNumber` when set).
    public var localAS: UInt32
    /// More ASes that count as ours for loop detection (the node's AS when the session presents another one).
    public var otherLocalASes: [UInt32]
    /// Calico `numAllowedLocalASNumbers`.
    public var allowASIn: Int
    /// RFC 4271 §6.3 first-AS check on eBGP paths (off toward route servers, RFC 7947 §2.2.2.1).
    public var enforceFirstAS: Bool
    /// Our router and cluster ID for the RFC 4456 §8 loop checks.
    public var reflection: RouteReflection?
    /// The session's BGPFilters.
    public var filters: [BGPFilter]
    /// No import rule looks at the prefix: the outcome is a function of the attributes alone.
    public let prefixIndependent: Bool

    public init(
        localAS: UInt32, otherLocalASes: [UInt32] = [], allowASIn: Int = 0, enforceFirstAS: Bool = true,
        reflection: RouteReflection? = nil, filters: [BGPFilter] = []
    ) {
        self.localAS = localAS
        self.otherLocalASes = otherLocalASes.filter { $0 != localAS }
        self.allowASIn = allowASIn
        self.enforceFirstAS = enforceFirstAS
        self.reflection = reflection
        self.filters = filters.filter { !$0.importV4.isEmpty || !$0.importV6.isEmpty }
        self.prefixIndependent = !self.filters.contains { filter in
            (filter.importV4 + filter.importV6).contains { $0.cidr != nil }
        }
    }

    /// What import does to one path.
    public enum Outcome: Sendable {
        /// Keep the path with these attributes (`nil`: as received).
        case accept(PathAttributes?)
        /// Drop it; the reason is logged and shown by `show route received ... detail`.
        case reject(String)
    }

    /// The outcome for `attributes` of `prefix` from `source`, and why.
    public func evaluate(_ attributes: PathAttributes, prefix: IPPrefix, source: PathSource) -> (Outcome, String) {
        let sanitized = ImportRules.sanitized(attributes, from: source)
        if case .reject(let rejection) = ImportRules.check(
            sanitized, from: source, localAS: localAS, otherLocalASes: otherLocalASes, allowASIn: allowASIn,
            enforceFirstAS: enforceFirstAS, reflection: reflection)
        {
            return (.reject("\(rejection)"), "\(rejection)")
        }
        guard !filters.isEmpty else {
            return (.accept(sanitized == attributes ? nil : sanitized), "no import filter: accepted")
        }
        let subject = PolicySubject(
            prefix: prefix, source: .remotePeer, peerType: source.kind == .internal ? .iBGP : .eBGP,
            attributes: sanitized)
        let verdict = PolicyEvaluator.evaluate(filters: filters, direction: .import, subject: subject)
        guard verdict.accepted else { return (.reject(verdict.reason), verdict.reason) }
        let result = PolicyEvaluator.apply(verdict.operations, to: sanitized)
        return (.accept(result == attributes ? nil : result), verdict.reason)
    }

    /// Why `nextHop` cannot be used (RFC 4271 §6.3: a semantically incorrect NEXT_HOP means the route "SHOULD be
    /// ignored", with no NOTIFICATION; RFC 7606 §7.3 and §7.11 treat it as withdrawn), or `nil`. Incorrect: the
    /// unspecified address, multicast, IPv4 class E (FRR's and BIRD's martian checks), or one of our own
    /// addresses (`ours`: "MUST NOT be the IP address of the receiving speaker").
    public static func nextHopProblem(_ nextHop: IPAddress, ours: [IPAddress]) -> String? {
        switch nextHop.family {
        case .ipv4:
            let value = nextHop.ipv4Value
            if value == 0 { return "NEXT_HOP 0.0.0.0 (RFC 4271 §6.3)" }
            if value >> 28 == 0xE { return "multicast NEXT_HOP \(nextHop) (RFC 4271 §6.3)" }
            if value >> 28 == 0xF { return "reserved (class E) NEXT_HOP \(nextHop) (RFC 4271 §6.3)" }
        case .ipv6:
            if nextHop.high == 0 && nextHop.low == 0 { return "NEXT_HOP :: (RFC 4271 §6.3, RFC 2545 §3)" }
            if nextHop.high >> 56 == 0xFF { return "multicast NEXT_HOP \(nextHop) (RFC 4271 §6.3)" }
        }
        if ours.contains(nextHop) { return "NEXT_HOP \(nextHop) is our own address (RFC 4271 §6.3)" }
        return nil
    }
}
