// SPDX-License-Identifier: Apache-2.0
// A route as Swiftlet wants it in the kernel, or as a dump found it: the domain shape, independent of how
// rtnetlink spells it (RouteMessage holds that). Reconciliation compares desired and installed values of this type.

import BGPWire

/// One kernel route: a prefix in a table, owned by a routing protocol, with what to do with matching packets.
public struct KernelRoute: Hashable, Sendable {
    /// What the kernel does with a matching packet (`rtm_type`, linux/rtnetlink.h).
    public enum Kind: Hashable, Sendable {
        /// RTN_UNICAST through one or more next hops (more than one is ECMP, `RTA_MULTIPATH`).
        case unicast([NextHop])
        /// RTN_BLACKHOLE: silently dropped (Calico's route for each block the node owns).
        case blackhole
        /// RTN_UNREACHABLE: dropped with ICMP unreachable.
        case unreachable
        /// RTN_PROHIBIT: dropped with ICMP administratively prohibited.
        case prohibit
    }

    public var prefix: IPPrefix
    public var kind: Kind
    public var table: RouteTable
    public var routeProtocol: RouteProtocol
    /// `RTA_PRIORITY`, the metric; 0 means none. The kernel stores an IPv6 route given 0 as 1024
    /// (IP6_RT_PRIO_USER, include/net/ip6_route.h), and that is what a dump returns: see `installedForm`.
    public var priority: UInt32

    public init(
        prefix: IPPrefix,
        kind: Kind,
        table: RouteTable = .main,
        routeProtocol: RouteProtocol = .bird,
        priority: UInt32 = 0
    ) {
        self.prefix = prefix
        self.kind = kind
        self.table = table
        self.routeProtocol = routeProtocol
        self.priority = priority
    }

    /// The route as a dump will show it once installed: an IPv6 priority of 0 becomes 1024, and a next hop's
    /// weight is kept only on multipath routes (a single-path route has no `rtnexthop` to carry it).
    public var installedForm: KernelRoute {
        var route = self
        if route.prefix.family == .ipv6 && route.priority == 0 { route.priority = 1024 }
        if case .unicast(let hops) = route.kind, hops.count == 1, hops[0].weight != 1 {
            route.kind = .unicast([NextHop(gateway: hops[0].gateway, interfaceIndex: hops[0].interfaceIndex,
                                           onLink: hops[0].onLink)])
        }
        return route
    }

    /// The identity the kernel gives a route within a family: prefix, table and priority (for IPv4 also TOS,
    /// which Swiftlet leaves 0). Two routes with the same key cannot both be installed.
    public var key: Key { Key(prefix: prefix, table: table, priority: installedForm.priority) }

    public struct Key: Hashable, Sendable {
        public var prefix: IPPrefix
        public var table: RouteTable
        public var priority: UInt32
    }
}
