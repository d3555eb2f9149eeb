// SPDX-License-Identifier: Apache-2.0
// From a Loc-RIB selection to the kernel route that carries it: calico/node's `calico_kernel_programming` filter
// (per-pool encapsulation, the CrossSubnet rule, `krt_tunnel`) plus BIRD's `gateway recursive` next-hop resolution,
// as one pure function. KernelSync owns the state; this decides, so every branch is tested without a kernel.
//
// Per next hop:
// - `Encapsulation.decide` picks none / IPIP / VXLAN from the most specific pool containing the prefix and whether
//   the next hop is on one of this node's subnets (CrossSubnet).
// - `programClusterRoutes` may leave the route to Felix (only prefixes inside a pool are cluster routes).
// - none: the next hop is resolved through the kernel's table (`ip route get`); a next hop behind a gateway is
//   installed via that gateway (BIRD's recursive gateway), a connected one directly, both with the interface.
// - IPIP: `via NEXT_HOP dev tunl0 onlink`. Without a usable IPIP device (a kernel without the ipip module) the
//   configured fallback decides: a plain route, or VXLAN.
// - VXLAN: `via REMOTE_VTEP dev vxlan.calico onlink`, the VTEP address taken from the Node whose `bgp.ipv4Address`
//   is the next hop (the ARP and FDB entries that make the gateway reachable are KernelSync's).

import BGPWire
import ClusterModel
import KernelNetlink

/// Decides the kernel route for one selected prefix.
public struct KernelRoutePlanner: Sendable {
    /// How a next hop is reached, from the kernel's own lookup.
    public struct Resolution: Hashable, Sendable {
        /// The gateway to use; nil when the next hop is directly connected.
        public var gateway: IPAddress?
        public var interfaceIndex: UInt32

        public init(gateway: IPAddress?, interfaceIndex: UInt32) {
            self.gateway = gateway
            self.interfaceIndex = interfaceIndex
        }
    }

    /// The tunnel devices as found (or made) in the kernel.
    public struct TunnelDevices: Hashable, Sendable {
        /// The IPIP device's index; nil when there is none to use.
        public var ipipIndex: UInt32?
        /// The VXLAN device's index; nil when there is none to use.
        public var vxlanIndex: UInt32?

        public init(ipipIndex: UInt32? = nil, vxlanIndex: UInt32? = nil) {
            self.ipipIndex = ipipIndex
            self.vxlanIndex = vxlanIndex
        }
    }

    /// The planner's verdict for one prefix.
    public enum Plan: Hashable, Sendable {
        /// Install this route (its encapsulation, for `show kernel`).
        case install(KernelRoute, Encapsulation)
        /// A cluster route `programClusterRoutes` leaves to Felix.
        case leftToFelix(Encapsulation)
        /// Not installable now (the reason says why); planned again when the kernel's links, addresses or routes
        /// change.
        case pending(String)
    }

    public var settings: KernelSettings
    public var pools: [IPPoolResource]
    public var nodeSubnets: [IPPrefix]
    public var devices: TunnelDevices
    /// Nodes by underlay address (the next hop their routes carry).
    private var endpoints: [IPAddress: TunnelEndpoint]

    public init(
        settings: KernelSettings, pools: [IPPoolResource], nodeSubnets: [IPPrefix], endpoints: [TunnelEndpoint],
        devices: TunnelDevices = TunnelDevices()
    ) {
        self.settings = settings
        // Most specific first, so the first pool containing a prefix is the one that decides.
        self.pools = pools.filter { !$0.spec.disabled }.sorted { $0.spec.cidr.length > $1.spec.cidr.length }
        self.nodeSubnets = nodeSubnets
        self.devices = devices
        self.endpoints = Dictionary(endpoints.map { ($0.nodeAddress, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var routeProtocol: RouteProtocol { RouteProtocol(rawValue: settings.routeProtocol) }
    public var table: RouteTable { RouteTable(rawValue: settings.table) }

    /// The blackhole for a block this node owns (calico/node's static protocol: `route BLOCK blackhole`).
    public func blackhole(_ prefix: IPPrefix) -> KernelRoute {
        KernelRoute(
            prefix: prefix, kind: .blackhole, table: table, routeProtocol: routeProtocol,
            priority: settings.normalRoutePriority(prefix.family))
    }

    /// The route for `prefix` selected with `route`, resolving plain next hops with `resolve`.
    public func plan(
        _ prefix: IPPrefix, _ route: SelectedRoute, resolve: (IPAddress) -> Resolution?
    ) -> Plan {
        let pool = pools.first { $0.spec.cidr.contains(prefix) }
        // One path, the common case: no intermediate arrays.
        if route.more.isEmpty {
            let hop = route.first
            let wanted = Encapsulation.decide(pool: pool, nextHop: hop.nextHop, nodeSubnets: nodeSubnets)
            if pool != nil, !settings.programClusterRoutes.programs(wanted) { return .leftToFelix(wanted) }
            switch nextHop(for: hop.nextHop, encapsulation: wanted, resolve: resolve) {
            case .success(let (nextHop, encapsulation)):
                return .install(
                    KernelRoute(
                        prefix: prefix, kind: .unicast([nextHop]), table: table, routeProtocol: routeProtocol,
                        priority: settings.metric(prefix.family, localPreference: hop.localPreference)),
                    encapsulation)
            case .failure(let problem):
                return .pending(problem.reason)
            }
        }
        let inPool = pool != nil
        var hops: [NextHop] = []
        var encapsulations: [Encapsulation] = []
        var problems: [String] = []
        var leftToFelix: Encapsulation?
        for hop in route.hops {
            let wanted = Encapsulation.decide(pool: pool, nextHop: hop.nextHop, nodeSubnets: nodeSubnets)
            if inPool, !settings.programClusterRoutes.programs(wanted) {
                leftToFelix = wanted
                continue
            }
            switch nextHop(for: hop.nextHop, encapsulation: wanted, resolve: resolve) {
            case .success(let (nextHop, encapsulation)):
                if !hops.contains(nextHop) {
                    hops.append(nextHop)
                    encapsulations.append(encapsulation)
                }
            case .failure(let problem):
                problems.append(problem.reason)
            }
        }
        guard !hops.isEmpty else {
            if let leftToFelix, problems.isEmpty { return .leftToFelix(leftToFelix) }
            return .pending(problems.isEmpty ? "no next hop" : problems.joined(separator: "; "))
        }
        let metric = settings.metric(prefix.family, localPreference: route.hops.compactMap(\.localPreference).max())
        let kernelRoute = KernelRoute(
            prefix: prefix, kind: .unicast(hops), table: table, routeProtocol: routeProtocol, priority: metric)
        return .install(kernelRoute, encapsulations[0])
    }

    struct Problem: Error {
        var reason: String
    }

    /// The kernel next hop for one BGP next hop and its wanted encapsulation, after fallbacks.
    func nextHop(
        for address: IPAddress, encapsulation: Encapsulation, resolve: (IPAddress) -> Resolution?
    ) -> Result<(NextHop, Encapsulation), Problem> {
        switch encapsulation {
        case .none:
            guard let resolution = resolve(address) else {
                return .failure(Problem(reason: "next hop \(address) is unreachable in the kernel's table"))
            }
            return .success((NextHop(gateway: resolution.gateway ?? address, interfaceIndex: resolution.interfaceIndex), .none))
        case .ipip:
            if let index = devices.ipipIndex {
                return .success((NextHop(gateway: address, interfaceIndex: index, onLink: true), .ipip))
            }
            switch settings.ipipFallback {
            case .plain: return nextHop(for: address, encapsulation: .none, resolve: resolve)
            case .vxlan: return nextHop(for: address, encapsulation: .vxlan, resolve: resolve)
            }
        case .vxlan:
            guard let index = devices.vxlanIndex else {
                return .failure(Problem(reason: "no VXLAN device \(settings.vxlanDevice) to route through"))
            }
            guard let vtep = endpoints[address]?.vxlanAddress else {
                return .failure(Problem(reason: "no node with bgp.ipv4Address \(address) has ipv4VXLANTunnelAddr"))
            }
            return .success((NextHop(gateway: vtep, interfaceIndex: index, onLink: true), .vxlan))
        }
    }
}
