// SPDX-License-Identifier: Apache-2.0
// The decision process (RFC 4271 §9.1.2): which of the candidate paths to a prefix is installed, and which step of
// the comparison decided it. Phase 2 degree of preference is LOCAL_PREF (§9.1.1); ties are broken by §9.1.2.2
// (a)-(f), RFC 4456 §9 (ORIGINATOR_ID for the BGP Identifier, then shorter CLUSTER_LIST), and, before anything,
// next-hop reachability (§9.1.2.1) and RFC 9494 LLGR-stale depreference. MED is compared only between paths from
// the same neighbor AS unless always-compare-MED is on (§9.1.2.2 c); because that makes pairwise comparison
// non-transitive, `selectBest` orders candidates canonically first (or groups by neighbor AS, deterministic-MED),
// so the result never depends on arrival order.

import BGPWire

/// One step of the decision process, in the order they are applied. `PathComparison.decidedBy` names the first step
/// at which two paths differed; `swiftletctl show route PREFIX detail` prints it.
public enum BestPathStep: Int, Hashable, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// Not a comparison: there was only one candidate.
    case onlyPath
    /// RFC 4271 §9.1.2.1: a path whose NEXT_HOP cannot be resolved is excluded (`igpMetric == nil` loses).
    case nextHopUnreachable
    /// RFC 9494 §4.3, §4.4: a path carrying LLGR_STALE (attached by us when a restarting peer's routes entered the
    /// long-lived phase, or received so) is less preferred than every path without it. Paths kept stale during the
    /// RFC 4724 restart time are not: "route preference would not be affected" then (RFC 9494 §4.2).
    case stale
    /// RFC 4271 §9.1.1: highest degree of preference, i.e. LOCAL_PREF (100 when absent).
    case localPreference
    /// A path originated by this speaker beats learned ones (BIRD, FRR, Cisco "locally originated").
    case locallyOriginated
    /// RFC 4271 §9.1.2.2 (a): fewest ASes in AS_PATH (an AS_SET counts 1, confederation segments 0).
    case asPathLength
    /// RFC 4271 §9.1.2.2 (b): lowest ORIGIN (IGP < EGP < INCOMPLETE).
    case origin
    /// RFC 4271 §9.1.2.2 (c): lowest MULTI_EXIT_DISC, between paths from the same neighbor AS (missing = 0).
    case multiExitDiscriminator
    /// RFC 4271 §9.1.2.2 (d): a path learned by eBGP beats one learned by iBGP.
    case externalOverInternal
    /// RFC 4271 §9.1.2.2 (e): lowest interior cost to the NEXT_HOP.
    case igpCost
    /// RFC 4271 §9.1.2.2 (f): lowest BGP Identifier, with ORIGINATOR_ID substituted when present (RFC 4456 §9).
    case routerID
    /// RFC 4456 §9 (c): shorter CLUSTER_LIST ("inserted immediately after the BGP Identifier ... rule").
    case clusterListLength
    /// RFC 4271 §9.1.2.2 (g): lowest peer address.
    case peerAddress
    /// Last resort for a total order: lowest ADD-PATH Path Identifier (RFC 7911), then protocol name, then next hop.
    case pathID

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .onlyPath: "only path"
        case .nextHopUnreachable: "next hop unreachable"
        case .stale: "LLGR stale"
        case .localPreference: "local preference"
        case .locallyOriginated: "locally originated"
        case .asPathLength: "AS path length"
        case .origin: "origin"
        case .multiExitDiscriminator: "MED"
        case .externalOverInternal: "eBGP over iBGP"
        case .igpCost: "IGP cost"
        case .routerID: "router ID"
        case .clusterListLength: "cluster list length"
        case .peerAddress: "peer address"
        case .pathID: "path ID"
        }
    }
}

/// Knobs of the decision process.
public struct DecisionOptions: Hashable, Sendable {
    /// Compare MED between paths from different neighbor ASes too (RFC 4271 §9.1.2.2 c allows it as an option).
    public var alwaysCompareMED: Bool
    /// Pick the best path of each neighbor AS first, then compare those winners (Cisco "deterministic-med").
    public var deterministicMED: Bool
    /// Largest ECMP set handed to the kernel; 1 = no multipath.
    public var maximumPaths: Int
    /// Let paths from different neighbor ASes share an ECMP set (they must still tie through the IGP-cost step,
    /// so AS_PATH lengths are equal). Cisco/FRR "multipath-relax".
    public var multipathRelax: Bool

    public init(
        alwaysCompareMED: Bool = false, deterministicMED: Bool = false, maximumPaths: Int = 1,
        multipathRelax: Bool = false
    ) {
        self.alwaysCompareMED = alwaysCompareMED
        self.deterministicMED = deterministicMED
        self.maximumPaths = max(1, maximumPaths)
        self.multipathRelax = multipathRelax
    }
}

/// The outcome of comparing two paths: which one wins and at which step they first differed.
public struct PathComparison: Hashable, Sendable {
    public var winner: Path
    public var decidedBy: BestPathStep

    public init(winner: Path, decidedBy: BestPathStep) {
        self.winner = winner
        self.decidedBy = decidedBy
    }
}

/// The decision process as pure functions over `Path` values.
public enum BestPath {
    /// RFC 4271 §5.1.5: the default LOCAL_PREF when a path has none (import policy may assign another).
    public static let defaultLocalPreference: UInt32 = 100

    /// Compares two paths step by step (see `BestPathStep` for the order). The result is antisymmetric: swapping the
    /// arguments gives the same winner and the same step.
    public static func compare(_ a: Path, _ b: Path, options: DecisionOptions = DecisionOptions()) -> PathComparison {
        if let (aWins, step) = preference(a, b, options: options) {
            return PathComparison(winner: aWins ? a : b, decidedBy: step)
        }
        // Identical in every step: the same path (same source, ID and next hop). Either is the winner.
        return PathComparison(winner: a, decidedBy: .pathID)
    }

    /// `(a wins, step)`, or `nil` when the two paths tie in every step.
    static func preference(_ a: Path, _ b: Path, options: DecisionOptions) -> (Bool, BestPathStep)? {
        let x = a.attributes.attributes
        let y = b.attributes.attributes
        // RFC 4271 §9.1.2.1: "If the NEXT_HOP attribute of a BGP route depicts an address that is not resolvable
        // ... the BGP route MUST be excluded from the Phase 2 decision function."
        if (a.igpMetric == nil) != (b.igpMetric == nil) { return (a.igpMetric != nil, .nextHopUnreachable) }
        // RFC 9494 §4.3: "Treat the route as the least preferred in route selection".
        if a.attributes.isLongLivedStale != b.attributes.isLongLivedStale {
            return (!a.attributes.isLongLivedStale, .stale)
        }
        if let r = higher(x.localPreference ?? defaultLocalPreference, y.localPreference ?? defaultLocalPreference) {
            return (r, .localPreference)
        }
        if (a.source.kind == .local) != (b.source.kind == .local) { return (a.source.kind == .local, .locallyOriginated) }
        if let r = lower(x.asPath?.length ?? 0, y.asPath?.length ?? 0) { return (r, .asPathLength) }
        // A path without ORIGIN cannot pass RFC 7606 (treat-as-withdraw); rank it last if one does.
        if let r = lower((x.origin ?? .incomplete).rawValue, (y.origin ?? .incomplete).rawValue) {
            return (r, .origin)
        }
        // RFC 4271 §9.1.2.2 (c): "only comparable between routes learned from the same neighboring AS";
        // "If a route's MULTI_EXIT_DISC attribute is not present, the route is treated as if it has ... 0".
        if options.alwaysCompareMED || neighborAS(a) == neighborAS(b),
            let r = lower(x.multiExitDiscriminator ?? 0, y.multiExitDiscriminator ?? 0)
        {
            return (r, .multiExitDiscriminator)
        }
        // (d) "If at least one of the candidate routes was received via EBGP, remove from consideration all routes
        // that were received via IBGP."
        if (a.source.kind == .external) != (b.source.kind == .external) {
            return (a.source.kind == .external, .externalOverInternal)
        }
        if let r = lower(a.igpMetric ?? 0, b.igpMetric ?? 0) { return (r, .igpCost) }
        // RFC 4456 §9: "a route that carries the ORIGINATOR_ID attribute, the ORIGINATOR_ID SHOULD be treated as the
        // BGP Identifier of the BGP speaker that has advertised the route".
        if let r = lower(x.originatorID ?? a.source.routerID, y.originatorID ?? b.source.routerID) {
            return (r, .routerID)
        }
        if let r = lower(x.clusterList?.count ?? 0, y.clusterList?.count ?? 0) { return (r, .clusterListLength) }
        if let r = lower(a.source.peerAddress, b.source.peerAddress) { return (r, .peerAddress) }
        if let r = lower(a.pathID, b.pathID) { return (r, .pathID) }
        if let r = lower(a.source.name, b.source.name) { return (r, .pathID) }
        if let r = lower(a.nextHop, b.nextHop) { return (r, .pathID) }
        return nil
    }

    /// The neighbor AS for the MED rule (RFC 4271 §9.1.2.2 c): the first AS of the AS_PATH, or, for a path with
    /// an empty AS_PATH, the AS it came from (the peer for eBGP, our own AS otherwise).
    public static func neighborAS(_ path: Path) -> UInt32 {
        if let first = path.attributes.attributes.asPath?.firstAS { return first }
        return path.source.kind == .external ? path.source.peerAS : path.source.localAS
    }

    /// Chooses the best path among `paths` (any order; the result does not depend on it), the step that set it
    /// apart from its closest competitor, and the ECMP set (best first, at most `options.maximumPaths`, one path per
    /// distinct next hop; the others tie with the best through the IGP-cost step and share its neighbor AS unless
    /// `multipathRelax`). `nil` for no paths.
    public static func selectBest(
        _ paths: [Path], options: DecisionOptions = DecisionOptions()
    ) -> (best: Path, decidedBy: BestPathStep, ecmp: [Path])? {
        guard let first = paths.first else { return nil }
        if paths.count == 1 { return (first, .onlyPath, [first]) }
        // A canonical order makes the fold below independent of arrival order even where MED makes the pairwise
        // comparison non-transitive.
        let ordered = paths.sorted(by: canonicallyBefore)
        let best: Path
        // The paths `best` was actually measured against; `decidedBy` is the latest step among those comparisons.
        let rivals: [Path]
        if options.deterministicMED && !options.alwaysCompareMED {
            // Best of each neighbor AS (MED is a total order inside one), then the winners against each other
            // (MED never applies between them). Both folds compare transitively, so order cannot matter.
            var groups: [UInt32: [Path]] = [:]
            for path in ordered { groups[neighborAS(path), default: []].append(path) }
            let winners = groups.keys.sorted().map { fold(groups[$0]!, options: options) }
            best = fold(winners, options: options)
            rivals = groups[neighborAS(best)]! + winners
        } else {
            best = fold(ordered, options: options)
            rivals = ordered
        }
        var decidedBy = BestPathStep.onlyPath
        for rival in rivals {
            if let (bestWins, step) = preference(best, rival, options: options), bestWins, step > decidedBy {
                decidedBy = step
            }
        }
        return (best, decidedBy, multipathSet(best: best, among: ordered, options: options))
    }

    /// The winner of a left fold over `paths` (non-empty).
    private static func fold(_ paths: [Path], options: DecisionOptions) -> Path {
        var best = paths[0]
        for path in paths.dropFirst() where preference(path, best, options: options)?.0 == true { best = path }
        return best
    }

    /// ECMP candidates: equal to `best` through `.igpCost`, same neighbor AS unless relaxed, distinct next hops.
    private static func multipathSet(best: Path, among paths: [Path], options: DecisionOptions) -> [Path] {
        guard options.maximumPaths > 1 else { return [best] }
        let bestAS = neighborAS(best)
        var candidates = paths.filter { path in
            guard path != best, let (_, step) = preference(best, path, options: options) else { return false }
            return step > .igpCost && (options.multipathRelax || neighborAS(path) == bestAS)
        }
        // Past the IGP-cost step every comparison is on plain keys, so this sort is a total order.
        candidates.sort { preference($0, $1, options: options)?.0 == true }
        var set = [best]
        for path in candidates where set.count < options.maximumPaths {
            if !set.contains(where: { $0.nextHop == path.nextHop }) { set.append(path) }
        }
        return set
    }

    /// Arrival-independent order of candidates: by peer address, protocol name, Path Identifier, next hop.
    private static func canonicallyBefore(_ a: Path, _ b: Path) -> Bool {
        (a.source.peerAddress, a.source.name, a.pathID, a.nextHop)
            < (b.source.peerAddress, b.source.name, b.pathID, b.nextHop)
    }

    @inline(__always)
    private static func lower<T: Comparable>(_ a: T, _ b: T) -> Bool? { a == b ? nil : a < b }

    @inline(__always)
    private static func higher<T: Comparable>(_ a: T, _ b: T) -> Bool? { a == b ? nil : a > b }
}
