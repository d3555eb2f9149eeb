// SPDX-License-Identifier: Apache-2.0
// Next-hop reachability for the decision process (RFC 4271 §9.1.2.1: a route whose NEXT_HOP cannot be resolved is
// not usable; §9.1.2.2 e: the interior cost to it breaks ties). BIRD's `gateway recursive`, which calico/node uses,
// resolves the next hop through the kernel table; until the kernel adapter (issue #5) provides that, the engine
// asks this protocol, and without a resolver every next hop is reachable at cost 0.

import BGPWire

/// Resolves a BGP next hop to the cost of reaching it.
public protocol NextHopResolver: Sendable {
    /// The IGP cost to reach `nextHop`, or `nil` when it is unreachable.
    func cost(to nextHop: IPAddress) -> UInt32?
}
