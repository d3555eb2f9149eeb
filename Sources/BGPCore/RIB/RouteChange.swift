// SPDX-License-Identifier: Apache-2.0
// What the Loc-RIB reports after a path arrives or leaves (RFC 4271 §9.1.3 Phase 3 input): the new best path and
// ECMP set of one prefix, and the best path it replaced. Emitted only when either actually changed.

import BGPWire

/// A change of the selected route(s) for one prefix.
public struct RouteChange: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    /// The new best path; `nil` when the prefix has no candidate left (it must be withdrawn downstream).
    public var best: Path? {
        get { _best }
        set {
            // Keep `ecmp` as it was: it was `[best]` only implicitly.
            if ecmpIsBest { freezeECMP() }
            _best = newValue
        }
    }
    /// The new ECMP set, best first (`[best]` without multipath); empty when `best` is `nil`.
    public var ecmp: [Path] {
        get { ecmpIsBest ? [_best!] : _ecmp }
        set {
            ecmpIsBest = false
            _ecmp = newValue
        }
    }
    /// The best path before the change, `nil` for a new prefix.
    public var previousBest: Path?
    /// The step that set the new best apart (`nil` when withdrawn).
    public var decidedBy: BestPathStep?

    private var _best: Path?
    private var _ecmp: [Path]
    /// `ecmp` is `[best]`, not stored: the Loc-RIB makes one change per prefix, and without multipath an array per
    /// change would be an allocation per prefix that the update generator never reads.
    private var ecmpIsBest: Bool

    public init(
        prefix: IPPrefix, best: Path?, ecmp: [Path], previousBest: Path?, decidedBy: BestPathStep?
    ) {
        self.prefix = prefix
        self._best = best
        self._ecmp = ecmp
        self.ecmpIsBest = false
        self.previousBest = previousBest
        self.decidedBy = decidedBy
    }

    /// A change whose ECMP set is just `best` (no array is built until `ecmp` is read).
    init(prefix: IPPrefix, best: Path, previousBest: Path?, decidedBy: BestPathStep?) {
        self.prefix = prefix
        self._best = best
        self._ecmp = []
        self.ecmpIsBest = true
        self.previousBest = previousBest
        self.decidedBy = decidedBy
    }

    private mutating func freezeECMP() {
        _ecmp = ecmp
        ecmpIsBest = false
    }

    /// True when the prefix lost its last path.
    public var isWithdrawal: Bool { best == nil }

    public static func == (a: Self, b: Self) -> Bool {
        a.prefix == b.prefix && a._best == b._best && a.previousBest == b.previousBest && a.decidedBy == b.decidedBy
            && (a.ecmpIsBest && b.ecmpIsBest ? true : a.ecmp == b.ecmp)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(prefix)
        hasher.combine(_best)
        hasher.combine(ecmp)
        hasher.combine(previousBest)
        hasher.combine(decidedBy)
    }

    public var description: String {
        guard let best else { return "\(prefix) withdrawn" }
        return "\(prefix) best \(best) (\(decidedBy.map(\.description) ?? "-"))"
            + (ecmpCount > 1 ? " ecmp \(ecmpCount)" : "")
    }

    /// The source of the new best path and of the previous one (without copying the paths).
    var bestSource: PathSource? { _best?.source }
    var previousBestSource: PathSource? { previousBest?.source }

    /// Whether the prefix lost its last path (without copying the path).
    var hasBest: Bool { _best != nil }

    /// The ECMP set's only path, `nil` when it has none or several (without building the array).
    var singleECMPPath: Path? { ecmpIsBest ? _best : _ecmp.count == 1 ? _ecmp[0] : nil }

    /// Number of paths in the ECMP set (without building it).
    public var ecmpCount: Int { ecmpIsBest ? 1 : _ecmp.count }
}

/// Route changes of one engine step, built as `RouteChange` values only when read: the engine hands compact records
/// to its update generator, and most steps have no observer (`RouteEngine.Output.routesChanged`).
public struct RouteChanges: RandomAccessCollection, Sendable {
    let changes: [LocRIB.Change]
    let sources: [PathSource]
    let hops: [NextHopTable.Hop]

    init(_ changes: [LocRIB.Change], context: (sources: [PathSource], hops: [NextHopTable.Hop])) {
        self.changes = changes
        self.sources = context.sources
        self.hops = context.hops
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { changes.count }

    public subscript(position: Int) -> RouteChange {
        LocRIB.materialize(changes[position], sources: sources, hops: hops)
    }
}
