// SPDX-License-Identifier: Apache-2.0
// What the Loc-RIB reports after a path arrives or leaves (RFC 4271 §9.1.3 Phase 3 input): the new best path and
// ECMP set of one prefix, and the best path it replaced. Emitted only when either actually changed.

import BGPWire

/// A change of the selected route(s) for one prefix.
public struct RouteChange: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    /// The new best path; `nil` when the prefix has no candidate left (it must be withdrawn downstream).
    public var best: Path?
    /// The new ECMP set, best first (`[best]` without multipath); empty when `best` is `nil`.
    public var ecmp: [Path]
    /// The best path before the change, `nil` for a new prefix.
    public var previousBest: Path?
    /// The step that set the new best apart (`nil` when withdrawn).
    public var decidedBy: BestPathStep?

    public init(
        prefix: IPPrefix, best: Path?, ecmp: [Path], previousBest: Path?, decidedBy: BestPathStep?
    ) {
        self.prefix = prefix
        self.best = best
        self.ecmp = ecmp
        self.previousBest = previousBest
        self.decidedBy = decidedBy
    }

    /// True when the prefix lost its last path.
    public var isWithdrawal: Bool { best == nil }

    public var description: String {
        guard let best else { return "\(prefix) withdrawn" }
        return "\(prefix) best \(best) (\(decidedBy.map(\.description) ?? "-"))"
            + (ecmp.count > 1 ? " ecmp \(ecmp.count)" : "")
    }
}
