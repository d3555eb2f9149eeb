// SPDX-License-Identifier: Apache-2.0
// LearnedRouteSelector against calico/node's BIRD rules (`protocol kernel { learn; }`, `protocol direct`,
// `calico_export_to_bgp_peers`, `calico_aggr`): one test per rule, each with a route that passes and one that does
// not. No kernel: routes are values.

import BGPCore
import BGPWire
import ClusterModel
import KernelNetlink
import KernelSync
import Testing

@Suite struct LearnedRouteSelectorTests {
    static let eth0: UInt32 = 2
    static let cali1: UInt32 = 5
    static let vxlan: UInt32 = 7
    static let tunl0: UInt32 = 8
    static let wireguard: UInt32 = 9
    static let ipvs: UInt32 = 10
    static let names: [UInt32: String] = [
        eth0: "eth0", cali1: "cali1", vxlan: "vxlan.calico", tunl0: "tunl0", wireguard: "wireguard.cali",
        ipvs: "kube-ipvs0",
    ]
    static let boot = RouteProtocol(rawValue: 3)
    static let kernel = RouteProtocol(rawValue: 2)

    /// Node 1 owns 10.244.0.0/26 of pool 10.244.0.0/16; pool 10.250.0.0/16 has disableBGPExport; a service range.
    static let scope = ExportScope(
        ownBlocks: [IPPrefix("10.244.0.0/26")!, IPPrefix("fd00:244::/122")!],
        serviceRanges: [.init(cidr: IPPrefix("10.96.0.0/12")!, field: "serviceClusterIPs")],
        pools: [
            .init(name: "pods", cidr: IPPrefix("10.244.0.0/16")!, disableBGPExport: false),
            .init(name: "pods6", cidr: IPPrefix("fd00:244::/48")!, disableBGPExport: false),
            .init(name: "private", cidr: IPPrefix("10.250.0.0/16")!, disableBGPExport: true),
        ])

    static let selector = LearnedRouteSelector(
        scope: scope, otherNodeAddresses: [IPAddress("10.0.1.3")!, IPAddress("10.244.0.65")!],
        programsIPIPRoutes: false)

    static func route(
        _ prefix: String, dev: UInt32? = cali1, via: String? = nil, proto: RouteProtocol = boot,
        metric: UInt32 = 1024, table: RouteTable = .main
    ) -> KernelRoute {
        KernelRoute(
            prefix: IPPrefix(prefix)!,
            kind: .unicast([NextHop(gateway: via.map { IPAddress($0)! }, interfaceIndex: dev)]), table: table,
            routeProtocol: proto, priority: metric)
    }

    static func decide(_ route: KernelRoute) -> LearnedRouteSelector.Decision {
        selector.decide(route, interfaceNames: names)
    }

    static func learned(_ route: KernelRoute) -> LearnedRoute? {
        if case .learned(let learned) = decide(route) { return learned }
        return nil
    }

    static func ignoredReason(_ route: KernelRoute) -> String? {
        if case .ignored(let reason) = decide(route) { return reason }
        return nil
    }

    @Test("A /32 borrowed from another node's block is advertised (in IP pool), with the normal priority")
    func borrowed() throws {
        let learned = try #require(Self.learned(Self.route("10.244.0.70/32")))
        #expect(learned.prefix == IPPrefix("10.244.0.70/32")!)
        #expect(learned.localPreference == nil)
        #expect(learned.scopeExemption == nil)
        #expect(learned.reason == "kernel route dev cali1 proto boot metric 1024: in IP pool pods")
    }

    @Test("A metric of 0 (no RTA_PRIORITY) is the normal priority, not an elevated one")
    func metricZero() throws {
        let learned = try #require(Self.learned(Self.route("10.244.0.70/32", metric: 0)))
        #expect(learned.localPreference == nil)
        #expect(Self.ignoredReason(Self.route("10.244.0.5/32", metric: 0))?.contains("inside own block") == true)
    }

    @Test("Elevated priority: LOCAL_PREF 2147483647 − metric, also for a borrowed /32")
    func elevatedBorrowed() throws {
        let learned = try #require(Self.learned(Self.route("10.244.0.70/32", metric: 512)))
        #expect(learned.localPreference == 2_147_483_135)
        #expect(learned.scopeExemption == nil)
    }

    @Test("calico_aggr: inside an own block only an elevated route is advertised, with a scope exemption")
    func ownBlock() throws {
        let normal = Self.ignoredReason(Self.route("10.244.0.5/32", metric: 1024))
        #expect(normal == "dev cali1 proto boot metric 1024: inside own block 10.244.0.0/26")
        let elevated = try #require(Self.learned(Self.route("10.244.0.5/32", metric: 512)))
        #expect(elevated.localPreference == 2_147_483_135)
        #expect(elevated.scopeExemption == "elevated priority (metric 512 < 1024) inside own block 10.244.0.0/26")
        // IPv6 has its own normal priority.
        var selector = Self.selector
        selector.ipv6NormalRoutePriority = 2048
        let v6 = selector.decide(Self.route("fd00:244::5/128", metric: 1500), interfaceNames: Self.names)
        guard case .learned(let route) = v6 else { Issue.record("not learned: \(v6)"); return }
        #expect(route.localPreference == 2_147_482_147)  // 2147483647 − 1500
    }

    @Test("disableBGPExport rejects before calico_aggr, elevated or not")
    func disabledPool() {
        #expect(Self.ignoredReason(Self.route("10.250.0.9/32", metric: 10)) != nil)
        #expect(Self.ignoredReason(Self.route("10.250.0.9/32"))?.contains("disableBGPExport") == true)
    }

    @Test("Outside every pool and service range nothing is advertised; a service range is")
    func outsidePools() throws {
        #expect(Self.ignoredReason(Self.route("192.168.7.0/24", dev: Self.eth0, via: "10.0.1.1"))?
            .contains("not in any IP pool") == true)
        #expect(Self.learned(Self.route("10.96.0.10/32", dev: Self.ipvs)) != nil)
    }

    @Test("Our own protocol, other tables, proto unspec/redirect and non-unicast routes are never learned")
    func neverLearned() {
        #expect(Self.ignoredReason(Self.route("10.244.0.70/32", proto: .bird))?.contains("our own") == true)
        #expect(Self.ignoredReason(Self.route("10.244.0.70/32", table: RouteTable(rawValue: 100))) != nil)
        #expect(Self.ignoredReason(Self.route("10.244.0.70/32", proto: RouteProtocol(rawValue: 0))) != nil)
        #expect(Self.ignoredReason(Self.route("10.244.0.70/32", proto: RouteProtocol(rawValue: 1))) != nil)
        let blackhole = KernelRoute(prefix: IPPrefix("10.244.0.64/26")!, kind: .blackhole, routeProtocol: Self.boot)
        #expect(Self.ignoredReason(blackhole) == "not a unicast route")
    }

    @Test("protocol direct: connected subnets are learned except on cali* and kube-ipvs*, with the normal priority")
    func direct() throws {
        let uplink = try #require(Self.learned(Self.route("10.244.3.0/24", dev: Self.eth0, proto: Self.kernel, metric: 5)))
        #expect(uplink.localPreference == nil)  // no krt_metric on direct routes, whatever the kernel's metric
        #expect(Self.ignoredReason(Self.route("10.244.3.0/24", dev: Self.cali1, proto: Self.kernel))?
            .contains("protocol direct") == true)
        #expect(Self.ignoredReason(Self.route("10.96.0.0/24", dev: Self.ipvs, proto: Self.kernel)) != nil)
        var ignoring = Self.selector
        ignoring.ignoredInterfaces = ["eth*"]
        #expect(ignoring.decide(Self.route("10.244.3.0/24", dev: Self.eth0, proto: Self.kernel), interfaceNames: Self.names)
            != .learned(uplink))
        // Not a connected route: the device rule of `protocol direct` does not apply (Felix's workload routes).
        #expect(Self.learned(Self.route("10.244.3.7/32", dev: Self.cali1)) != nil)
    }

    @Test("Felix's tunnel routes (*.cali, *.calico, tunl0 when Felix programs IPIP) are not learned")
    func tunnels() {
        #expect(Self.ignoredReason(Self.route("10.244.0.70/32", dev: Self.vxlan, via: "10.244.0.66"))?
            .contains("vxlan.calico") == true)
        #expect(Self.ignoredReason(Self.route("10.244.0.70/32", dev: Self.wireguard)) != nil)
        #expect(Self.ignoredReason(Self.route("10.244.9.0/26", dev: Self.tunl0, via: "10.0.2.9")) != nil)
        var ours = Self.selector
        ours.programsIPIPRoutes = true
        #expect(ours.decide(Self.route("10.244.9.0/26", dev: Self.tunl0, via: "10.0.2.9"), interfaceNames: Self.names)
            != .ignored("on tunl0: Felix's tunnel route to another node (IBGPExportFilterForTunnelRoutes)"))
    }

    @Test("A route via another node is that node's to advertise")
    func viaOtherNode() {
        #expect(Self.ignoredReason(Self.route("10.244.0.64/26", dev: Self.eth0, via: "10.0.1.3"))?
            .contains("another node") == true)
        #expect(Self.learned(Self.route("10.244.0.64/27", dev: Self.eth0, via: "10.0.1.77")) != nil)
    }

    @Test("select: lowest metric per prefix decides, results sorted, ignored routes left out")
    func select() {
        let routes = [
            Self.route("10.244.0.5/32", metric: 1024),  // own block, normal: no
            Self.route("10.244.0.5/32", metric: 512),  // the same prefix, elevated: this one counts
            Self.route("10.244.1.9/32"),
            Self.route("10.244.0.70/32", proto: .bird),  // ours
            Self.route("10.244.0.71/32", table: .local),
        ]
        let learned = Self.selector.select(routes, interfaceNames: Self.names)
        #expect(learned.map(\.prefix.description) == ["10.244.0.5/32", "10.244.1.9/32"])
        #expect(learned.first?.localPreference == 2_147_483_135)
    }

    @Test("From a DaemonConfiguration: protocol, table, priorities, other nodes' addresses, IPIP ownership")
    func fromConfiguration() {
        var configuration = DaemonConfiguration(
            nodeName: "node-1", routerID: IPAddress("10.0.1.2")!, localAS: 64512, exportScope: Self.scope)
        configuration.kernel = KernelSettings(
            routeProtocol: 99, table: 200, ipv4NormalRoutePriority: 2000, programClusterRoutes: .enabledNoEncapOnly)
        configuration.tunnelEndpoints = [
            TunnelEndpoint(nodeName: "node-1", nodeAddress: IPAddress("10.0.1.2")!),
            TunnelEndpoint(
                nodeName: "node-2", nodeAddress: IPAddress("10.0.1.3")!, vxlanAddress: IPAddress("10.244.0.65")!,
                ipipAddress: IPAddress("10.244.0.66")!),
        ]
        let selector = LearnedRouteSelector(configuration)
        #expect(selector.ourProtocol == RouteProtocol(rawValue: 99))
        #expect(selector.table == RouteTable(rawValue: 200))
        #expect(selector.ipv4NormalRoutePriority == 2000)
        #expect(selector.otherNodeAddresses == [
            IPAddress("10.0.1.3")!, IPAddress("10.244.0.65")!, IPAddress("10.244.0.66")!,
        ])
        #expect(!selector.programsIPIPRoutes)
    }

    @Test("Interface patterns: * matches any run", arguments: [
        ("cali1234", "cali*", true), ("xcali", "cali*", false), ("wireguard.cali", "*.cali", true),
        ("vxlan.calico", "*.cali", false), ("vxlan.calico", "*.calico", true), ("eth0", "eth0", true),
        ("eth0", "e*0", true), ("eth01", "e*0", false), ("a", "a*a", false), ("bpfin.cali", "bpf*.cali", true),
    ])
    func patterns(name: String, pattern: String, expected: Bool) {
        #expect(LearnedRouteSelector.matches(name, pattern: pattern) == expected)
    }
}

extension LearnedRouteSelectorTests {
    @Test("Merged with the configuration: a configured prefix keeps its origination, learned ones add theirs, sorted")
    func merged() {
        let configured = [
            RouteEngine.Origination(prefix: IPPrefix("10.244.0.0/26")!, reason: "block affinity"),
            RouteEngine.Origination(prefix: IPPrefix("10.96.0.0/12")!, reason: "serviceClusterIPs"),
        ]
        let learned = [
            LearnedRoute(prefix: IPPrefix("10.244.0.0/26")!, metric: 0, reason: "kernel route"),
            LearnedRoute(
                prefix: IPPrefix("10.244.0.5/32")!, metric: 512, localPreference: 2_147_483_135,
                scopeExemption: "elevated", reason: "kernel route dev cali1"),
        ]
        let merged = LearnedRoute.merged(configured: configured, learned: learned)
        #expect(merged.map(\.prefix.description) == ["10.96.0.0/12", "10.244.0.0/26", "10.244.0.5/32"])
        #expect(merged[1].reason == "block affinity")
        #expect(merged[2] == RouteEngine.Origination(
            prefix: IPPrefix("10.244.0.5/32")!, localPreference: 2_147_483_135, scopeExemption: "elevated",
            reason: "kernel route dev cali1"))
    }
}
