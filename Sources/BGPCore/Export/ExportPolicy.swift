// SPDX-License-Identifier: Apache-2.0
// Export policy as calico/node renders it into BIRD (confd `buildExportFilter`, `bird.cfg.template`):
//
//     export filter { <each BGPFilter's export rules in order>; calico_export_to_bgp_peers(); reject; }
//
// The first BGPFilter rule that matches decides (Accept with its operations, or Reject). When none matches, Calico's
// own export rules decide: `scope` (own blocks, IP pools, service ranges; the node's `ExportScope`), and an accepted
// route gets the `prefixAdvertisements` communities (`apply_communities()`). Policy runs on the Loc-RIB path before
// `ExportRules`, as BIRD runs the export filter before `bgp_update_attrs`: a prepend from policy ends up behind our
// own AS on eBGP.
//
// Speed: a full table is ~1,000 attribute sets for 1,000,000 prefixes, so the evaluation is split into what depends
// on the prefix and what does not. When no rule looks at the prefix and a rule decides, the outcome is the same for
// every prefix sharing the path's attributes and source, and `UpdateGenerator` caches it per attribute set.

import BGPPolicy
import BGPWire

/// The Calico default export decision for a prefix that no BGPFilter rule matched.
public struct ScopeVerdict: Hashable, Sendable {
    public var accepted: Bool
    public var reason: String

    public init(accepted: Bool, reason: String) {
        self.accepted = accepted
        self.reason = reason
    }
}

/// This node's export policy, shared by every session; per-session BGPFilters come with each call.
public struct ExportPolicy: Sendable {
    /// Calico's `calico_export_to_bgp_peers`: which prefixes leave the node when no BGPFilter rule decided. `nil`
    /// accepts everything (a plain BGP speaker, and the tests).
    public var scope: (@Sendable (IPPrefix) -> ScopeVerdict)?
    /// BGPConfiguration `prefixAdvertisements`, added to routes the scope accepts.
    public var communityAdvertisements: [CommunityAdvertisement]
    /// Locally originated prefixes that skip `scope`, with the reason (`RouteEngine.Origination.scopeExemption`;
    /// the engine keeps this in step with its originations). Paths learned from peers never skip it.
    public var scopeExemptions: [IPPrefix: String] = [:]

    public init(
        scope: (@Sendable (IPPrefix) -> ScopeVerdict)? = nil, communityAdvertisements: [CommunityAdvertisement] = []
    ) {
        self.scope = scope
        self.communityAdvertisements = communityAdvertisements
    }

    /// What policy does to one path: reject it, or accept it with these attribute operations.
    public enum Outcome: Hashable, Sendable {
        case reject
        case accept([FilterOperation])
    }

    /// The outcome for `path` toward a session of `peerType` with the session's `filters`, and why.
    public func evaluate(_ path: Path, filters: [BGPFilter], peerType: FilterRule.PeerType) -> (Outcome, String) {
        let verdict = PolicyEvaluator.evaluate(
            filters: filters, direction: .export, subject: Self.subject(path, peerType: peerType))
        if !verdict.isDefault {
            return (verdict.accepted ? .accept(verdict.operations) : .reject, verdict.reason)
        }
        return defaultOutcome(path.prefix, filterReason: verdict.reason, exemption: exemption(path))
    }

    /// Why `path` skips `scope`, if it does.
    private func exemption(_ path: Path) -> String? {
        guard path.source.kind == .local, !scopeExemptions.isEmpty else { return nil }
        return scopeExemptions[path.prefix]
    }

    /// `evaluate` without the explanation (no text is built when the session has no export filters).
    func outcome(_ path: Path, filters: [BGPFilter], peerType: FilterRule.PeerType) -> Outcome {
        guard filters.isEmpty else { return evaluate(path, filters: filters, peerType: peerType).0 }
        if let scope, exemption(path) == nil, !scope(path.prefix).accepted { return .reject }
        guard !communityAdvertisements.isEmpty else { return .accept([]) }
        return .accept(
            CommunityAdvertisement.communities(for: path.prefix, in: communityAdvertisements).map { .addCommunity($0) })
    }

    /// The outcome when it does not depend on the prefix, or `nil` when it does: filters with a `cidr` condition, or
    /// no deciding rule while a scope or community advertisements are configured.
    func prefixIndependentOutcome(_ path: Path, filters: [BGPFilter], peerType: FilterRule.PeerType) -> Outcome? {
        let family = path.prefix.family
        for filter in filters {
            for rule in filter.rules(.export, family) where rule.cidr != nil { return nil }
        }
        let verdict = PolicyEvaluator.evaluate(
            filters: filters, direction: .export, subject: Self.subject(path, peerType: peerType))
        if !verdict.isDefault { return verdict.accepted ? .accept(verdict.operations) : .reject }
        guard scope == nil, communityAdvertisements.isEmpty else { return nil }
        return .accept([])
    }

    private func defaultOutcome(_ prefix: IPPrefix, filterReason: String, exemption: String?) -> (Outcome, String) {
        var reason = filterReason
        if let exemption {
            reason += "; " + exemption
        } else if let scope {
            let verdict = scope(prefix)
            reason += "; " + verdict.reason
            guard verdict.accepted else { return (.reject, reason) }
        }
        let communities = CommunityAdvertisement.communities(for: prefix, in: communityAdvertisements)
        if !communities.isEmpty {
            reason += "; prefixAdvertisements add " + communities.map(\.description).joined(separator: " ")
        }
        return (.accept(communities.map { .addCommunity($0) }), reason)
    }

    static func subject(_ path: Path, peerType: FilterRule.PeerType) -> PolicySubject {
        PolicySubject(
            prefix: path.prefix, source: path.source.kind == .local ? .local : .remotePeer, peerType: peerType,
            attributes: path.attributes.attributes)
    }
}
