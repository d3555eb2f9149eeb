// SPDX-License-Identifier: Apache-2.0
// KernelSync against FakeRouteProgrammer and FakeDeviceProgrammer: what it sends the kernel on start, on Loc-RIB
// changes, on a restart with the same table (nothing), at the stale sweep, when another protocol holds a prefix,
// when a next hop's resolution changes, and what it does to tunnel devices and neighbours.

import BGPCore
import BGPWire
import ClusterModel
import KernelNetlink
import KernelSync
import Logging
import Testing

@Suite struct KernelSyncTests {
    static let uplink: UInt32 = 2
    static let ownBlock = IPPrefix("10.244.0.0/26")!
    static let remoteBlock = IPPrefix("10.244.0.64/26")!
    static let peer = PathSource(
        name: "Mesh_10_0_1_3", kind: .internal, peerAddress: IPAddress("10.0.1.3")!, routerID: IPAddress("10.0.1.3")!,
        peerAS: 64512, localAS: 64512)

    static func change(_ prefix: IPPrefix, via nextHop: String?, localPreference: UInt32? = 100) -> RouteChange {
        guard let nextHop else {
            return RouteChange(prefix: prefix, best: nil, ecmp: [], previousBest: nil, decidedBy: nil)
        }
        var table = AttributeSetTable()
        let attributes = table.intern(PathAttributes(origin: .igp, asPath: ASPath(segments: []), nextHop: IPAddress(nextHop)!,
                                                     localPreference: localPreference))
        let path = Path(prefix: prefix, source: peer, attributes: attributes, nextHop: IPAddress(nextHop)!)
        return RouteChange(prefix: prefix, best: path, ecmp: [path], previousBest: nil, decidedBy: nil)
    }

    static func devices(supportsIPIP: Bool = false) -> FakeDeviceProgrammer {
        FakeDeviceProgrammer(
            links: [LinkInfo(index: uplink, name: "eth0", kind: "veth", mtu: 1500, isUp: true)],
            addresses: [InterfaceAddressEntry(
                interfaceIndex: uplink, address: KernelNetlink.InterfaceAddress(IPAddress("10.0.1.2")!, prefixLength: 24))],
            resolutions: [
                IPAddress("10.0.1.3")!: ResolvedNextHop(gateway: nil, interfaceIndex: uplink),
                IPAddress("10.0.1.4")!: ResolvedNextHop(gateway: nil, interfaceIndex: uplink),
            ],
            supportsIPIP: supportsIPIP)
    }

    static func configuration(
        pools: [IPPoolResource] = [], settings: KernelSettings = KernelSettings()
    ) -> KernelSync.Configuration {
        KernelSync.Configuration(
            settings: settings, pools: pools, nodeSubnets: [IPPrefix("10.0.1.0/24")!],
            tunnelEndpoints: KernelRoutePlannerTests.endpoints, nodeName: "node-1", blackholes: [ownBlock])
    }

    static func plain(_ prefix: IPPrefix, via gateway: String, metric: UInt32 = 1024) -> KernelRoute {
        KernelRoute(prefix: prefix, kind: .unicast([NextHop(gateway: IPAddress(gateway)!, interfaceIndex: uplink)]),
                    priority: metric)
    }

    static let blackhole = KernelRoute(prefix: ownBlock, kind: .blackhole, priority: 1024)

    /// A KernelSync whose fakes the test can read back: the sync is created from copies, and the fakes' state is
    /// observed through what the sync reports and through a shared box.
    final class Kernel: RouteProgrammer, @unchecked Sendable {
        // @unchecked: used by one test at a time, on the KernelSync actor only while the test awaits it.
        var fake: FakeRouteProgrammer
        init(_ fake: FakeRouteProgrammer) { self.fake = fake }
        func apply(_ changes: [RouteOperation]) -> [RouteFailure] { fake.apply(changes) }
        func dump(protocol routeProtocol: RouteProtocol) throws(KernelCallError) -> [KernelRoute] {
            try fake.dump(protocol: routeProtocol)
        }
        var routes: Set<KernelRoute> { Set(fake.installed.values) }
        var operations: [RouteOperation] { fake.appliedBatches.flatMap { $0 } }
    }

    final class Devices: DeviceProgrammer, @unchecked Sendable {
        // @unchecked: as Kernel.
        var fake: FakeDeviceProgrammer
        init(_ fake: FakeDeviceProgrammer) { self.fake = fake }
        func links() throws(KernelCallError) -> [LinkInfo] { try fake.links() }
        func link(named name: String) throws(KernelCallError) -> LinkInfo? { try fake.link(named: name) }
        func addresses() throws(KernelCallError) -> [InterfaceAddressEntry] { try fake.addresses() }
        func ensureVXLAN(_ device: VXLANDevice, linkLayerAddress: LinkLayerAddress?, mtu: UInt32?,
                         address: KernelNetlink.InterfaceAddress?) throws(KernelCallError) -> LinkInfo {
            try fake.ensureVXLAN(device, linkLayerAddress: linkLayerAddress, mtu: mtu, address: address)
        }
        func ensureIPIP(_ device: IPIPDevice, create: Bool, mtu: UInt32?,
                        address: KernelNetlink.InterfaceAddress?) throws(KernelCallError) -> LinkInfo {
            try fake.ensureIPIP(device, create: create, mtu: mtu, address: address)
        }
        func replaceNeighbours(_ entries: [NeighbourEntry]) -> [NeighbourFailure] { fake.replaceNeighbours(entries) }
        func deleteNeighbours(_ entries: [NeighbourEntry]) -> [NeighbourFailure] { fake.deleteNeighbours(entries) }
        func resolve(_ address: IPAddress) throws(KernelCallError) -> ResolvedNextHop? { try fake.resolve(address) }
    }

    static func make(
        _ configuration: KernelSync.Configuration = configuration(), installed: [KernelRoute] = [],
        devices: FakeDeviceProgrammer = devices()
    ) -> (KernelSync, Kernel, Devices) {
        let kernel = Kernel(FakeRouteProgrammer(installed: installed))
        let devices = Devices(devices)
        let sync = KernelSync(configuration: configuration, routes: kernel, devices: devices,
                              logger: Logger(label: "test"))
        return (sync, kernel, devices)
    }

    @Test func startInstallsOwnBlocksAsBlackholesAndLearnedRoutesFollow() async {
        let (sync, kernel, _) = Self.make()
        await sync.start()
        #expect(kernel.routes == [Self.blackhole])
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        #expect(kernel.routes == [Self.blackhole, Self.plain(Self.remoteBlock, via: "10.0.1.3")])
        let counters = await sync.counters()
        #expect(counters.routesInstalled == 2 && counters.adds == 2 && counters.failures == 0)
    }

    @Test func selectionsBeforeStartAreProgrammedAtStart() async {
        let (sync, kernel, _) = Self.make()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        #expect(kernel.operations.isEmpty)
        await sync.start()
        #expect(kernel.routes == [Self.blackhole, Self.plain(Self.remoteBlock, via: "10.0.1.3")])
    }

    @Test func restartWithTheSameTableSendsNothing() async {
        let before = [Self.blackhole, Self.plain(Self.remoteBlock, via: "10.0.1.3")]
        let (sync, kernel, _) = Self.make(installed: before)
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        await sync.sweep()
        #expect(kernel.operations.isEmpty, "a restart must not flap: \(kernel.operations)")
        #expect(kernel.routes == Set(before))
    }

    @Test func staleRoutesStayUntilTheSweepThenGo() async {
        let stale = Self.plain(IPPrefix("10.99.0.0/24")!, via: "10.0.1.3")
        let (sync, kernel, _) = Self.make(installed: [Self.blackhole, stale])
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        #expect(kernel.routes.contains(stale))
        #expect(await sync.entries(for: stale.prefix).first?.state == .stale)
        await sync.sweep()
        #expect(!kernel.routes.contains(stale))
        #expect(kernel.routes == [Self.blackhole, Self.plain(Self.remoteBlock, via: "10.0.1.3")])
    }

    @Test func aWithdrawalDeletesAtOnceEvenBeforeTheSweep() async {
        let (sync, kernel, _) = Self.make()
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        await sync.routesChanged([Self.change(Self.remoteBlock, via: nil)])
        #expect(kernel.routes == [Self.blackhole])
    }

    @Test func aNextHopChangeReplacesInPlace() async {
        let (sync, kernel, _) = Self.make()
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.4")])
        #expect(kernel.routes == [Self.blackhole, Self.plain(Self.remoteBlock, via: "10.0.1.4")])
        #expect(kernel.operations.last == .replace(Self.plain(Self.remoteBlock, via: "10.0.1.4")))
    }

    @Test func aMetricChangeAddsTheNewRouteBeforeDeletingTheOld() async {
        let (sync, kernel, _) = Self.make()
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3", localPreference: 2_147_483_135)])
        let elevated = Self.plain(Self.remoteBlock, via: "10.0.1.3", metric: 512)
        #expect(kernel.routes == [Self.blackhole, elevated])
        #expect(Array(kernel.operations.suffix(2)) == [.add(elevated), .delete(Self.plain(Self.remoteBlock, via: "10.0.1.3"))])
    }

    @Test func aForeignRouteOnTheSameKeyIsLeftAloneAndReported() async {
        var foreign = Self.plain(Self.remoteBlock, via: "10.0.1.4")
        foreign.routeProtocol = RouteProtocol(rawValue: 4)  // proto static
        let (sync, kernel, _) = Self.make(installed: [foreign])
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        await sync.sweep()
        #expect(kernel.routes.contains(foreign))
        #expect(!kernel.routes.contains(Self.plain(Self.remoteBlock, via: "10.0.1.3")))
        #expect(await sync.entries(for: Self.remoteBlock).first?.state == .foreign)
        #expect(await sync.counters().routesForeign == 1)
        #expect(!kernel.operations.contains { if case .delete = $0 { true } else { false } })
    }

    @Test func aForeignRouteGoneIsReplacedByOursOnTheNextKernelChange() async {
        var foreign = Self.plain(Self.remoteBlock, via: "10.0.1.4")
        foreign.routeProtocol = RouteProtocol(rawValue: 4)
        let (sync, kernel, _) = Self.make(installed: [foreign])
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        _ = kernel.fake.apply([])  // no-op; the foreign route is removed below as an operator would
        kernel.fake = FakeRouteProgrammer(installed: Array(kernel.fake.installed.values).filter { $0 != foreign })
        await sync.kernelChanged()
        #expect(kernel.routes.contains(Self.plain(Self.remoteBlock, via: "10.0.1.3")))
        #expect(await sync.entries(for: Self.remoteBlock).first?.state == .installed)
    }

    @Test func anUnreachableNextHopIsPendingAndInstalledOnceItResolves() async {
        let (sync, kernel, devices) = Self.make()
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.9.9")])
        #expect(kernel.routes == [Self.blackhole])
        guard case .pending(let reason)? = await sync.entries(for: Self.remoteBlock).first?.state else {
            Issue.record("expected pending")
            return
        }
        #expect(reason.contains("10.0.9.9"))
        devices.fake.resolutions[IPAddress("10.0.9.9")!] = ResolvedNextHop(gateway: IPAddress("10.0.1.1")!, interfaceIndex: Self.uplink)
        await sync.kernelChanged()
        #expect(kernel.routes.contains(Self.plain(Self.remoteBlock, via: "10.0.1.1")))
    }

    @Test func programRoutesOffSendsNothing() async {
        var settings = KernelSettings()
        settings.programRoutes = false
        let stale = Self.plain(IPPrefix("10.99.0.0/24")!, via: "10.0.1.3")
        let (sync, kernel, _) = Self.make(Self.configuration(settings: settings), installed: [stale])
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        await sync.sweep()
        #expect(kernel.operations.isEmpty)
        #expect(kernel.routes == [stale])
        #expect(await sync.entries(for: Self.remoteBlock).first?.state == .notProgrammed)
    }

    @Test func kernelRefusalsAreRecordedPerPrefixWithTheErrno() async {
        let (sync, kernel, _) = Self.make()
        await sync.start()
        kernel.fake.injectedFailures[Self.remoteBlock] = .invalidArgument
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        guard case .failed(let text)? = await sync.entries(for: Self.remoteBlock).first?.state else {
            Issue.record("expected failed")
            return
        }
        #expect(text.contains("10.244.0.64/26"))
        #expect(await sync.counters().routesFailed == 1)
        // The next change of the prefix tries again.
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        #expect(await sync.entries(for: Self.remoteBlock).first?.state == .installed)
    }

    @Test func vxlanDeviceAndNeighboursAreSetUpFromTheNodes() async throws {
        let pools = [KernelRoutePlannerTests.pool("10.244.0.0/16", vxlan: .crossSubnet)]
        let (sync, kernel, devices) = Self.make(Self.configuration(pools: pools))
        await sync.start()
        let ensure = devices.fake.calls.compactMap { call -> (VXLANDevice, LinkLayerAddress?, UInt32?, KernelNetlink.InterfaceAddress?)? in
            if case .ensureVXLAN(let device, let mac, let mtu, let address) = call { return (device, mac, mtu, address) }
            return nil
        }
        let (device, mac, mtu, address) = try #require(ensure.first)
        #expect(device.name == "vxlan.calico" && device.vni == 4096 && device.port == 4789 && !device.learning)
        #expect(device.local == IPAddress("10.0.1.2")!)
        #expect(mac == LinkLayerAddress([0x66, 0xaa, 0, 0, 0, 1]))
        #expect(mtu == 1450)
        #expect(address == KernelNetlink.InterfaceAddress(IPAddress("10.244.0.1")!, prefixLength: 32))
        let vxlan = try #require(devices.fake.installedLinks.values.first { $0.name == "vxlan.calico" })
        #expect(devices.fake.installedNeighbours.contains(
            .arp(address: IPAddress("10.244.0.129")!, linkLayerAddress: LinkLayerAddress([0x66, 0xaa, 0, 0, 0, 3]),
                 interfaceIndex: vxlan.index)))
        #expect(devices.fake.installedNeighbours.contains(
            .bridgeForwarding(linkLayerAddress: LinkLayerAddress([0x66, 0xaa, 0, 0, 0, 3]),
                              destination: IPAddress("10.0.2.2")!, interfaceIndex: vxlan.index)))
        // node-4 has no VXLAN data: no entries for it; node-1 is us.
        #expect(devices.fake.installedNeighbours.count == 4)

        await sync.routesChanged([Self.change(IPPrefix("10.244.0.128/26")!, via: "10.0.2.2")])
        #expect(kernel.routes.contains(KernelRoute(
            prefix: IPPrefix("10.244.0.128/26")!,
            kind: .unicast([NextHop(gateway: IPAddress("10.244.0.129")!, interfaceIndex: vxlan.index, onLink: true)]),
            priority: 1024)))
    }

    @Test func withoutIPIPSupportIPIPRoutesFallBackToPlainAndSayWhy() async throws {
        let pools = [KernelRoutePlannerTests.pool("10.244.0.0/16", ipip: .always)]
        var settings = KernelSettings()
        settings.manageIPIPDevice = true
        let (sync, kernel, _) = Self.make(Self.configuration(pools: pools, settings: settings))
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        #expect(kernel.routes.contains(Self.plain(Self.remoteBlock, via: "10.0.1.3")))
        let notes = await sync.devicesReport()
        #expect(notes.contains { $0.contains("tunl0") && $0.contains("plain routes") })
    }

    @Test func withIPIPSupportRoutesGoThroughTunl0() async throws {
        let pools = [KernelRoutePlannerTests.pool("10.244.0.0/16", ipip: .always)]
        var settings = KernelSettings()
        settings.manageIPIPDevice = true
        let (sync, kernel, devices) = Self.make(
            Self.configuration(pools: pools, settings: settings), devices: Self.devices(supportsIPIP: true))
        await sync.start()
        await sync.routesChanged([Self.change(Self.remoteBlock, via: "10.0.1.3")])
        let tunnel = try #require(devices.fake.installedLinks.values.first { $0.name == "tunl0" })
        #expect(tunnel.mtu == 1480)
        #expect(kernel.routes.contains(KernelRoute(
            prefix: Self.remoteBlock,
            kind: .unicast([NextHop(gateway: IPAddress("10.0.1.3")!, interfaceIndex: tunnel.index, onLink: true)]),
            priority: 1024)))
    }

    @Test func aReloadMovesTheBlackholesButNotTheProtocolNumber() async {
        let (sync, kernel, _) = Self.make()
        await sync.start()
        await sync.sweep()
        var moved = Self.configuration()
        moved.blackholes = [IPPrefix("10.244.1.0/26")!]
        moved.settings.routeProtocol = 99  // needs a restart: ignored here
        await sync.reconfigure(moved)
        #expect(kernel.routes == [KernelRoute(prefix: IPPrefix("10.244.1.0/26")!, kind: .blackhole, priority: 1024)])
        #expect(await sync.kernelSettings.routeProtocol == 12)
    }
}
