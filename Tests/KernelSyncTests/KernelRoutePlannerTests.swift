// SPDX-License-Identifier: Apache-2.0
// One test per branch of KernelRoutePlanner: plain (connected and recursive), CrossSubnet both ways, VXLAN and its
// missing pieces, IPIP and both fallbacks, programClusterRoutes, the LOCAL_PREF priority encoding, ECMP.

import BGPWire
import ClusterModel
import KernelNetlink
import KernelSync
import Testing

@Suite struct KernelRoutePlannerTests {
    static let uplink: UInt32 = 2
    static let vxlanIndex: UInt32 = 7
    static let ipipIndex: UInt32 = 8

    static func pool(_ cidr: String, ipip: IPPoolResource.EncapsulationMode = .never,
                     vxlan: IPPoolResource.EncapsulationMode = .never) -> IPPoolResource {
        IPPoolResource(
            metadata: ResourceMetadata(name: "pool-\(cidr)", location: SourceLocation(file: "t.yaml", line: 1, column: 1)),
            spec: .init(cidr: IPPrefix(cidr)!, ipipMode: ipip, vxlanMode: vxlan))
    }

    static let endpoints = [
        TunnelEndpoint(nodeName: "node-1", nodeAddress: IPAddress("10.0.1.2")!, vxlanAddress: IPAddress("10.244.0.1")!,
                       vxlanMAC: [0x66, 0xaa, 0, 0, 0, 1]),
        TunnelEndpoint(nodeName: "node-2", nodeAddress: IPAddress("10.0.1.3")!, vxlanAddress: IPAddress("10.244.0.65")!,
                       vxlanMAC: [0x66, 0xaa, 0, 0, 0, 2]),
        TunnelEndpoint(nodeName: "node-3", nodeAddress: IPAddress("10.0.2.2")!, vxlanAddress: IPAddress("10.244.0.129")!,
                       vxlanMAC: [0x66, 0xaa, 0, 0, 0, 3]),
        TunnelEndpoint(nodeName: "node-4", nodeAddress: IPAddress("10.0.2.3")!),
    ]

    static func planner(
        _ pools: [IPPoolResource], settings: KernelSettings = KernelSettings(),
        devices: KernelRoutePlanner.TunnelDevices = .init(ipipIndex: ipipIndex, vxlanIndex: vxlanIndex)
    ) -> KernelRoutePlanner {
        KernelRoutePlanner(
            settings: settings, pools: pools, nodeSubnets: [IPPrefix("10.0.1.0/24")!], endpoints: endpoints,
            devices: devices)
    }

    /// Connected: 10.0.1.0/24 on the uplink; 10.0.2.0/24 behind 10.0.1.1; nothing else.
    static func resolve(_ address: IPAddress) -> KernelRoutePlanner.Resolution? {
        if IPPrefix("10.0.1.0/24")!.contains(address) { return .init(gateway: nil, interfaceIndex: uplink) }
        if IPPrefix("10.0.2.0/24")!.contains(address) {
            return .init(gateway: IPAddress("10.0.1.1")!, interfaceIndex: uplink)
        }
        return nil
    }

    static func route(_ nextHop: String, localPreference: UInt32? = nil) -> SelectedRoute {
        SelectedRoute(hops: [.init(nextHop: IPAddress(nextHop)!, localPreference: localPreference)])
    }

    static func installed(_ plan: KernelRoutePlanner.Plan) -> (KernelRoute, Encapsulation)? {
        if case .install(let route, let encapsulation) = plan { return (route, encapsulation) }
        return nil
    }

    let block = IPPrefix("10.244.0.64/26")!

    @Test func plainRouteToAConnectedNextHopGoesViaItOnTheUplink() throws {
        let plan = Self.planner([Self.pool("10.244.0.0/16")]).plan(block, Self.route("10.0.1.3"), resolve: Self.resolve)
        let (route, encapsulation) = try #require(Self.installed(plan))
        #expect(encapsulation == .none)
        #expect(route.kind == .unicast([NextHop(gateway: IPAddress("10.0.1.3")!, interfaceIndex: Self.uplink)]))
        #expect(route.routeProtocol == .bird && route.table == .main && route.priority == 1024)
    }

    @Test func plainRouteToARemoteNextHopGoesViaTheResolvedGateway() throws {
        // BIRD's `gateway recursive`: the kernel needs a directly reachable gateway.
        let plan = Self.planner([]).plan(block, Self.route("10.0.2.2"), resolve: Self.resolve)
        let (route, _) = try #require(Self.installed(plan))
        #expect(route.kind == .unicast([NextHop(gateway: IPAddress("10.0.1.1")!, interfaceIndex: Self.uplink)]))
    }

    @Test func unreachableNextHopIsPendingWithTheReason() {
        let plan = Self.planner([]).plan(block, Self.route("192.0.2.9"), resolve: Self.resolve)
        guard case .pending(let reason) = plan else { Issue.record("expected pending, got \(plan)"); return }
        #expect(reason.contains("192.0.2.9") && reason.contains("unreachable"))
    }

    @Test func crossSubnetOnTheSameSubnetIsPlain() throws {
        let plan = Self.planner([Self.pool("10.244.0.0/16", vxlan: .crossSubnet)])
            .plan(block, Self.route("10.0.1.3"), resolve: Self.resolve)
        let (route, encapsulation) = try #require(Self.installed(plan))
        #expect(encapsulation == .none)
        #expect(route.kind == .unicast([NextHop(gateway: IPAddress("10.0.1.3")!, interfaceIndex: Self.uplink)]))
    }

    @Test func crossSubnetToAnotherSubnetGoesViaTheRemoteVTEPOnLink() throws {
        let plan = Self.planner([Self.pool("10.244.0.0/16", vxlan: .crossSubnet)])
            .plan(IPPrefix("10.244.0.128/26")!, Self.route("10.0.2.2"), resolve: Self.resolve)
        let (route, encapsulation) = try #require(Self.installed(plan))
        #expect(encapsulation == .vxlan)
        #expect(route.kind == .unicast([
            NextHop(gateway: IPAddress("10.244.0.129")!, interfaceIndex: Self.vxlanIndex, onLink: true)
        ]))
    }

    @Test func vxlanWithoutTheRemoteNodesTunnelAddressIsPending() {
        let plan = Self.planner([Self.pool("10.244.0.0/16", vxlan: .always)])
            .plan(IPPrefix("10.244.0.192/26")!, Self.route("10.0.2.3"), resolve: Self.resolve)
        guard case .pending(let reason) = plan else { Issue.record("expected pending, got \(plan)"); return }
        #expect(reason.contains("ipv4VXLANTunnelAddr"))
    }

    @Test func vxlanWithoutTheDeviceIsPending() {
        let plan = Self.planner([Self.pool("10.244.0.0/16", vxlan: .always)], devices: .init())
            .plan(block, Self.route("10.0.1.3"), resolve: Self.resolve)
        guard case .pending(let reason) = plan else { Issue.record("expected pending, got \(plan)"); return }
        #expect(reason.contains("vxlan.calico"))
    }

    @Test func ipipGoesViaTheNodeAddressOnTunl0OnLink() throws {
        let plan = Self.planner([Self.pool("10.244.0.0/16", ipip: .always)])
            .plan(block, Self.route("10.0.1.3"), resolve: Self.resolve)
        let (route, encapsulation) = try #require(Self.installed(plan))
        #expect(encapsulation == .ipip)
        #expect(route.kind == .unicast([NextHop(gateway: IPAddress("10.0.1.3")!, interfaceIndex: Self.ipipIndex, onLink: true)]))
    }

    @Test func ipipWithoutADeviceFallsBackToPlainOrVXLANAsConfigured() throws {
        let pools = [Self.pool("10.244.0.0/16", ipip: .always)]
        let noIPIP = KernelRoutePlanner.TunnelDevices(ipipIndex: nil, vxlanIndex: Self.vxlanIndex)
        let plain = Self.planner(pools, devices: noIPIP).plan(block, Self.route("10.0.1.3"), resolve: Self.resolve)
        #expect(try #require(Self.installed(plain)).1 == .none)
        var settings = KernelSettings()
        settings.ipipFallback = .vxlan
        let vxlan = Self.planner(pools, settings: settings, devices: noIPIP)
            .plan(block, Self.route("10.0.1.3"), resolve: Self.resolve)
        let (route, encapsulation) = try #require(Self.installed(vxlan))
        #expect(encapsulation == .vxlan)
        #expect(route.kind == .unicast([NextHop(gateway: IPAddress("10.244.0.65")!, interfaceIndex: Self.vxlanIndex, onLink: true)]))
    }

    @Test func programClusterRoutesLeavesPoolRoutesToFelixButNotOthers() throws {
        var settings = KernelSettings()
        settings.programClusterRoutes = .disabled
        let planner = Self.planner([Self.pool("10.244.0.0/16", vxlan: .always)], settings: settings)
        #expect(planner.plan(block, Self.route("10.0.1.3"), resolve: Self.resolve) == .leftToFelix(.vxlan))
        // A route outside every pool (a ToR's default, a service range) is not a cluster route.
        let outside = planner.plan(IPPrefix("0.0.0.0/0")!, Self.route("10.0.1.1"), resolve: Self.resolve)
        #expect(Self.installed(outside) != nil)

        settings.programClusterRoutes = .enabledNoEncapOnly
        let noEncap = Self.planner([Self.pool("10.244.0.0/16", vxlan: .crossSubnet)], settings: settings)
        #expect(Self.installed(noEncap.plan(block, Self.route("10.0.1.3"), resolve: Self.resolve)) != nil)
        #expect(noEncap.plan(IPPrefix("10.244.0.128/26")!, Self.route("10.0.2.2"), resolve: Self.resolve) == .leftToFelix(.vxlan))

        settings.programClusterRoutes = .enabledIPIPOnly
        let encapOnly = Self.planner([Self.pool("10.244.0.0/16", vxlan: .crossSubnet)], settings: settings)
        #expect(encapOnly.plan(block, Self.route("10.0.1.3"), resolve: Self.resolve) == .leftToFelix(.none))
        #expect(Self.installed(encapOnly.plan(IPPrefix("10.244.0.128/26")!, Self.route("10.0.2.2"), resolve: Self.resolve)) != nil)
    }

    @Test(arguments: [
        (nil as UInt32?, 1024 as UInt32),
        (100, 1024),  // a default LOCAL_PREF is not a priority
        (2_147_482_623, 1024),  // Calico's normal priority encoded: 2147483647 - 1024
        (2_147_483_135, 512),  // elevated: 2147483647 - 512
        (2_147_483_647, 0),
        (4_294_967_295, 1024),  // above the base: not an encoding
    ])
    func localPreferenceEncodesAnElevatedPriority(localPreference: UInt32?, metric: UInt32) throws {
        let plan = Self.planner([]).plan(block, Self.route("10.0.1.3", localPreference: localPreference), resolve: Self.resolve)
        #expect(try #require(Self.installed(plan)).0.priority == metric)
    }

    @Test func normalPriorityAndProtocolAndTableComeFromSettings() throws {
        var settings = KernelSettings()
        settings.ipv4NormalRoutePriority = 300
        settings.routeProtocol = 200
        settings.table = 100
        let planner = Self.planner([], settings: settings)
        let (route, _) = try #require(Self.installed(planner.plan(block, Self.route("10.0.1.3"), resolve: Self.resolve)))
        #expect(route.priority == 300 && route.routeProtocol.rawValue == 200 && route.table.rawValue == 100)
        let blackhole = planner.blackhole(IPPrefix("10.244.0.0/26")!)
        #expect(blackhole.kind == .blackhole && blackhole.priority == 300 && blackhole.table.rawValue == 100)
    }

    @Test func ecmpPathsBecomeOneMultipathRoute() throws {
        let selection = SelectedRoute(hops: [
            .init(nextHop: IPAddress("10.0.1.3")!), .init(nextHop: IPAddress("10.0.1.4")!),
            .init(nextHop: IPAddress("192.0.2.1")!),  // unreachable: left out, the others still carry traffic
        ])
        let (route, _) = try #require(Self.installed(Self.planner([]).plan(block, selection, resolve: Self.resolve)))
        #expect(route.kind == .unicast([
            NextHop(gateway: IPAddress("10.0.1.3")!, interfaceIndex: Self.uplink),
            NextHop(gateway: IPAddress("10.0.1.4")!, interfaceIndex: Self.uplink),
        ]))
    }
}
