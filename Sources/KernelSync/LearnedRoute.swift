// SPDX-License-Identifier: Apache-2.0
// A kernel route another program installed (Felix's workload routes, an operator's `ip route add`) that this node
// advertises into BGP, as calico/node's BIRD does with `protocol kernel { learn; }` and `protocol direct`: the
// prefix, the LOCAL_PREF that carries an elevated kernel priority to the other nodes, and why it is advertised.
// `LearnedRouteSelector` decides which routes become one.

import BGPWire

/// A kernel route this node originates into BGP.
public struct LearnedRoute: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    /// The kernel metric (`RTA_PRIORITY`) of the route chosen for the prefix; 0 when the route has none.
    public var metric: UInt32
    /// 2147483647 − metric when the metric is elevated (below the normal route priority), as calico/node's export
    /// filter sets `bgp_local_pref`; nil for a normal route (the peers install it with their normal priority).
    public var localPreference: UInt32?
    /// Set when the route lies inside one of this node's own blocks: Calico's `calico_aggr` exports such a route
    /// only because its priority is elevated, which the export scope cannot see (it knows prefixes only).
    public var scopeExemption: String?
    /// For `show route` and the log: the kernel route in `ip route` words and the export rule that admits it.
    public var reason: String

    public init(
        prefix: IPPrefix, metric: UInt32, localPreference: UInt32? = nil, scopeExemption: String? = nil,
        reason: String
    ) {
        self.prefix = prefix
        self.metric = metric
        self.localPreference = localPreference
        self.scopeExemption = scopeExemption
        self.reason = reason
    }

    public var description: String {
        "\(prefix)\(localPreference.map { " local_pref \($0)" } ?? "") (\(reason))"
    }
}
