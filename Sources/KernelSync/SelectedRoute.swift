// SPDX-License-Identifier: Apache-2.0
// What KernelSync keeps of a Loc-RIB selection (RFC 4271 §9.1.2 Phase 2 result, with the ECMP set): only what
// decides the kernel route, so a 100k-route table costs a few words per prefix instead of whole paths.

import BGPCore
import BGPWire

/// The selected path(s) of one prefix, as the kernel needs them.
public struct SelectedRoute: Hashable, Sendable {
    /// The best path's next hop; one path is the common case and needs no array (a heap block per prefix).
    public var first: Hop
    /// The other ECMP paths, in order; empty (no allocation) without multipath.
    public var more: [Hop]

    /// One entry per ECMP path, best first.
    public var hops: [Hop] { [first] + more }

    public struct Hop: Hashable, Sendable {
        /// The BGP NEXT_HOP (or the RFC 8950 / MP_REACH next hop).
        public var nextHop: IPAddress
        /// LOCAL_PREF as received, which may encode a route priority (`KernelSettings.metric`).
        public var localPreference: UInt32?

        public init(nextHop: IPAddress, localPreference: UInt32? = nil) {
            self.nextHop = nextHop
            self.localPreference = localPreference
        }
    }

    /// `hops` must not be empty.
    public init(hops: [Hop]) {
        precondition(!hops.isEmpty, "a selection has at least one path")
        first = hops[0]
        more = Array(hops.dropFirst())
    }

    /// The selection of `change`, or nil when the prefix is withdrawn or its best path is this node's own
    /// (locally originated routes are the kernel's blackholes, installed from the configuration, not from here).
    public init?(_ change: RouteChange) {
        guard let best = change.best, best.source.kind != .local else { return nil }
        func hop(_ path: Path) -> Hop { Hop(nextHop: path.nextHop, localPreference: path.attributes.attributes.localPreference) }
        first = hop(best)
        more = []
        guard change.ecmpCount > 1 else { return }
        let hops = change.ecmp.compactMap { $0.source.kind == .local ? nil : hop($0) }
        guard !hops.isEmpty else { return nil }
        first = hops[0]
        more = Array(hops.dropFirst())
    }
}
