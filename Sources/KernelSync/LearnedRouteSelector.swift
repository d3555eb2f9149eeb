// SPDX-License-Identifier: Apache-2.0
// Which routes of the kernel's table this node advertises into BGP, the way calico/node's BIRD does it (confd
// templates `bird.cfg.template`, `bird_aggr.cfg.template`, `bird_ipam.cfg.template` and `bgp_processor.go`):
//
//   protocol kernel { learn; scan time 2; import all; }   every alien route of the table: Felix's workload routes
//                                                          (`10.244.1.5/32 dev caliXXX`, proto boot) and anything an
//                                                          operator adds; BIRD 1.x skips proto unspec, redirect and
//                                                          kernel (the connected routes), and its own echoes
//   protocol direct { interface -"cali*", -"kube-ipvs*", "*"; }   the connected subnets of every other interface;
//                                                          they carry no krt_metric, so the normal priority
//
// then, per route, the export filter (`calico_export_to_bgp_peers`):
//   - `krt_metric` defaults to the normal route priority; `bgp_local_pref = 2147483647 − krt_metric`;
//   - `IBGPExportFilterForTunnelRoutes`: routes on `*.cali`, `*.calico` and, when Felix programs IPIP, `tunl0` are
//     Felix's tunnel routes towards other nodes and are rejected (`reject_local_routes` covers `bpf*.cali`);
//   - pools with `disableBGPExport` reject; `calico_aggr` accepts an own block, and a more-specific inside it only
//     when `krt_metric < NormalRoutePriority` (elevated priority: KubeVirt live migration); the rest of the block
//     is rejected; service ranges accept; other pools accept (a /32 borrowed from another node's block); the rest
//     is rejected.
//
// Deliberate differences, each because Swiftlet has one Loc-RIB where BIRD has protocol preferences:
//   - A route whose gateway is another node (its address, VXLAN or IPIP tunnel address) is not learned. BIRD
//     learns it but prefers the BGP route (preference 100 over the kernel's 10); in Swiftlet a local origination
//     would win, and this node would attract that node's traffic.
//   - The tunnel-route rule applies to every session, not only iBGP ones (one origination serves all sessions).
//   - Blackhole, unreachable and prohibit routes of other programs are not learned (only unicast ones).
//   - The normal-priority LOCAL_PREF is not sent (BGP's default 100 instead of 2147483647 − 1024): receivers map
//     both to the normal priority.
//   - A metric of 0 counts as "no metric" (the kernel omits RTA_PRIORITY then, so BIRD has no krt_metric either).
//   - `BGPConfiguration.ignoredInterfaces` is applied when given (Datastore does not read it yet).

import BGPWire
import ClusterModel
import KernelNetlink

/// Decides which kernel routes become originations. Pure: the routes and interface names come in, the decisions go
/// out.
public struct LearnedRouteSelector: Hashable, Sendable {
    /// Our `rtm_protocol`: our routes are never learned back.
    public var ourProtocol: RouteProtocol
    /// The table learned from (the one we program; main by default).
    public var table: RouteTable
    /// What may leave the node (`calico_export_to_bgp_peers`).
    public var scope: ExportScope
    public var ipv4NormalRoutePriority: UInt32
    public var ipv6NormalRoutePriority: UInt32
    /// Other nodes' addresses (underlay, VXLAN and IPIP tunnel): a route via one of them is that node's to advertise.
    public var otherNodeAddresses: Set<IPAddress>
    /// Swiftlet programs IPIP routes itself (`programClusterRoutes`), so routes on `tunl0` are not Felix's.
    public var programsIPIPRoutes: Bool
    /// Interface name patterns `protocol direct` leaves out besides `cali*` and `kube-ipvs*` (BGPConfiguration
    /// `ignoredInterfaces`; `*` matches any run of characters).
    public var ignoredInterfaces: [String]

    public init(
        ourProtocol: RouteProtocol = .bird, table: RouteTable = .main, scope: ExportScope,
        ipv4NormalRoutePriority: UInt32 = KernelSettings.defaultNormalRoutePriority,
        ipv6NormalRoutePriority: UInt32 = KernelSettings.defaultNormalRoutePriority,
        otherNodeAddresses: Set<IPAddress> = [], programsIPIPRoutes: Bool = true, ignoredInterfaces: [String] = []
    ) {
        self.ourProtocol = ourProtocol
        self.table = table
        self.scope = scope
        self.ipv4NormalRoutePriority = ipv4NormalRoutePriority
        self.ipv6NormalRoutePriority = ipv6NormalRoutePriority
        self.otherNodeAddresses = otherNodeAddresses
        self.programsIPIPRoutes = programsIPIPRoutes
        self.ignoredInterfaces = ignoredInterfaces
    }

    /// The selector for a node's configuration.
    public init(_ configuration: DaemonConfiguration) {
        var others: Set<IPAddress> = []
        for endpoint in configuration.tunnelEndpoints where endpoint.nodeName != configuration.nodeName {
            others.insert(endpoint.nodeAddress)
            if let address = endpoint.vxlanAddress { others.insert(address) }
            if let address = endpoint.ipipAddress { others.insert(address) }
        }
        let kernel = configuration.kernel
        self.init(
            ourProtocol: RouteProtocol(rawValue: kernel.routeProtocol), table: RouteTable(rawValue: kernel.table),
            scope: configuration.exportScope, ipv4NormalRoutePriority: kernel.ipv4NormalRoutePriority,
            ipv6NormalRoutePriority: kernel.ipv6NormalRoutePriority, otherNodeAddresses: others,
            programsIPIPRoutes: kernel.programClusterRoutes.programs(.ipip))
    }

    /// What happened to one kernel route.
    public enum Decision: Hashable, Sendable {
        case learned(LearnedRoute)
        /// Not advertised, with the rule that says so.
        case ignored(String)
    }

    /// The originations for a dump of the kernel's routes (any protocol, any table), sorted by prefix. Of several
    /// routes for one prefix the one the kernel uses decides (lowest metric).
    public func select(_ routes: [KernelRoute], interfaceNames: [UInt32: String]) -> [LearnedRoute] {
        var chosen: [IPPrefix: KernelRoute] = [:]
        for route in routes where isCandidate(route) {
            if let other = chosen[route.prefix], other.priority <= route.priority { continue }
            chosen[route.prefix] = route
        }
        return chosen.values.compactMap { route in
            if case .learned(let learned) = decide(route, interfaceNames: interfaceNames) { return learned }
            return nil
        }.sorted { $0.prefix < $1.prefix }
    }

    /// Cheap pre-filter: the routes `decide` could learn at all (table, protocol, type).
    private func isCandidate(_ route: KernelRoute) -> Bool {
        guard route.table == table, route.routeProtocol != ourProtocol else { return false }
        guard case .unicast = route.kind else { return false }
        return !Self.neverLearned.contains(route.routeProtocol.rawValue)
    }

    /// RTPROT_UNSPEC (0) and RTPROT_REDIRECT (1): BIRD's `nl_parse_route` skips them.
    static let neverLearned: Set<UInt8> = [0, 1]
    /// RTPROT_KERNEL (2): connected routes, which only `protocol direct` brings in.
    static let kernelProtocol: UInt8 = 2

    /// The decision for one route, with the reason.
    public func decide(_ route: KernelRoute, interfaceNames: [UInt32: String]) -> Decision {
        guard route.table == table else { return .ignored("table \(route.table.rawValue), not \(table.rawValue)") }
        guard route.routeProtocol != ourProtocol else { return .ignored("our own route (proto \(ourProtocol.rawValue))") }
        let proto = route.routeProtocol.rawValue
        guard !Self.neverLearned.contains(proto) else { return .ignored("proto \(proto) is never learned") }
        guard case .unicast(let hops) = route.kind, !hops.isEmpty else { return .ignored("not a unicast route") }
        let names = hops.map { hop in hop.interfaceIndex.map { interfaceNames[$0] ?? "if\($0)" } }
        guard hops.allSatisfy({ $0.gateway != nil || $0.interfaceIndex != nil }) else {
            return .ignored("a next hop without gateway or device")
        }
        let direct = proto == Self.kernelProtocol
        if direct {
            // `protocol direct`: connected subnets of interfaces other than cali*, kube-ipvs* and the ignored ones.
            for case let name? in names where isExcludedFromDirect(name) {
                return .ignored("connected route on \(name): protocol direct leaves that interface out")
            }
        }
        for case let name? in names where isFelixTunnel(name) {
            return .ignored("on \(name): Felix's tunnel route to another node (IBGPExportFilterForTunnelRoutes)")
        }
        if let gateway = hops.compactMap(\.gateway).first(where: otherNodeAddresses.contains) {
            return .ignored("via \(gateway), another node: it advertises its own routes")
        }

        // krt_metric: none for direct routes and for a route without RTA_PRIORITY; then the normal priority.
        let normal = route.prefix.family == .ipv4 ? ipv4NormalRoutePriority : ipv6NormalRoutePriority
        let metric = direct ? 0 : route.priority
        let elevated = metric != 0 && metric < normal
        let words = Self.describe(route, hops: hops, names: names)
        let verdict = scope.evaluate(route.prefix)
        var exemption: String?
        if !verdict.accepted {
            // calico_aggr: `if ( net ~ block && krt_metric < NormalRoutePriority ) then { accept; }`, after the
            // disabled-pool rejects and only for more-specifics of an own block.
            guard elevated, !scope.pools.contains(where: { $0.disableBGPExport && $0.cidr.contains(route.prefix) }),
                let block = scope.ownBlocks.first(where: { $0.contains(route.prefix) && $0 != route.prefix })
            else { return .ignored("\(words): \(verdict.reason)") }
            exemption = "elevated priority (metric \(metric) < \(normal)) inside own block \(block)"
        }
        return .learned(
            LearnedRoute(
                prefix: route.prefix, metric: metric,
                localPreference: elevated ? KernelSettings.priorityBase - metric : nil, scopeExemption: exemption,
                reason: "kernel route \(words): \(exemption ?? verdict.reason)"))
    }

    private func isExcludedFromDirect(_ name: String) -> Bool {
        (["cali*", "kube-ipvs*"] + ignoredInterfaces).contains { Self.matches(name, pattern: $0) }
    }

    /// `*.cali` (Felix's WireGuard and BPF devices), `*.calico` (vxlan.calico) and, when Felix programs IPIP,
    /// `tunl0`.
    private func isFelixTunnel(_ name: String) -> Bool {
        Self.matches(name, pattern: "*.cali") || Self.matches(name, pattern: "*.calico")
            || (!programsIPIPRoutes && name == "tunl0")
    }

    /// "via GW dev DEV proto P metric M" for the first next hop, "+N" for more.
    static func describe(_ route: KernelRoute, hops: [NextHop], names: [String?]) -> String {
        var parts: [String] = []
        if let gateway = hops[0].gateway { parts.append("via \(gateway)") }
        if let name = names[0] { parts.append("dev \(name)") }
        if hops.count > 1 { parts.append("+\(hops.count - 1) next hops") }
        parts.append("proto \(protocolName(route.routeProtocol.rawValue))")
        if route.priority != 0 { parts.append("metric \(route.priority)") }
        return parts.joined(separator: " ")
    }

    /// iproute2's names for the protocol numbers calico nodes see (/etc/iproute2/rt_protos).
    static func protocolName(_ number: UInt8) -> String {
        switch number {
        case 2: "kernel"
        case 3: "boot"
        case 4: "static"
        case 12: "bird"
        default: "\(number)"
        }
    }

    /// Glob match with `*` (any run of characters), as BIRD's interface patterns.
    public static func matches(_ name: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return name == pattern }
        guard name.hasPrefix(parts[0]) else { return false }
        var rest = Substring(name.dropFirst(parts[0].count))
        for (index, part) in parts.enumerated().dropFirst() {
            if index == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard !part.isEmpty else { continue }
            guard let range = rest.firstRange(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
