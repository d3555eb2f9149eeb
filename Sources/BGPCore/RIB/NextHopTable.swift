// SPDX-License-Identifier: Apache-2.0
// Interned next hops for the RIBs. A table has a handful of distinct (NEXT_HOP, link-local) pairs (RFC 4271 §5.1.3,
// RFC 2545 §3, RFC 8950 §3) however many prefixes it holds, so paths keep a 4-byte index instead of 40 bytes of
// addresses.

import BGPWire

/// Next-hop pairs by index. Entries are never removed (there are few, and indices must stay valid).
struct NextHopTable: Sendable {
    struct Hop: Hashable, Sendable {
        var global: IPAddress
        var linkLocal: IPAddress?
        /// The IGP cost to `global` (RFC 4271 §9.1.2.2 e), `nil` when unreachable: the Loc-RIB keeps it here
        /// because it is a function of the next hop (the Adj-RIB-In leaves it 0).
        var igpMetric: UInt32? = 0
    }

    private(set) var hops: [Hop] = []
    private var indices: [Hop: UInt32] = [:]
    /// The last hop interned: consecutive paths from one UPDATE share it, so most look-ups skip hashing.
    private var last: (hop: Hop, index: UInt32)?

    mutating func intern(_ global: IPAddress, _ linkLocal: IPAddress?, igpMetric: UInt32? = 0) -> UInt32 {
        let hop = Hop(global: global, linkLocal: linkLocal, igpMetric: igpMetric)
        if let last, last.hop == hop { return last.index }
        let index: UInt32
        if let existing = indices[hop] {
            index = existing
        } else {
            index = UInt32(hops.count)
            hops.append(hop)
            indices[hop] = index
        }
        last = (hop, index)
        return index
    }

    subscript(index: UInt32) -> Hop { hops[Int(index)] }
}
