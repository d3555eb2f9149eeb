// SPDX-License-Identifier: Apache-2.0
// KernelSync's own cost per route: 100,000 Loc-RIB changes (one path each, directly connected next hop) through
// `routesChanged`, then their withdrawal, with a RouteProgrammer that accepts everything without a kernel. What is
// left is planning, bookkeeping and request building minus the kernel: the part of bench/kernel/run's swiftletd
// time that is Swiftlet's own. Usage: KernelSyncBench [prefixes] [runs]

import BGPCore
import BGPWire
import ClusterModel
import KernelNetlink
import KernelSync
import Foundation
import Logging

/// Accepts every change; dumps nothing.
final class NullProgrammer: RouteProgrammer, @unchecked Sendable {
    // @unchecked: used by the KernelSync actor only.
    var operations = 0
    func apply(_ changes: [RouteOperation]) -> [RouteFailure] {
        operations += changes.count
        return []
    }
    func dump(protocol routeProtocol: RouteProtocol) throws(KernelCallError) -> [KernelRoute] { [] }
}

final class ConnectedDevices: DeviceProgrammer, @unchecked Sendable {
    // @unchecked: as NullProgrammer.
    var fake = FakeDeviceProgrammer(resolutions: [IPAddress("10.255.255.2")!: ResolvedNextHop(gateway: nil, interfaceIndex: 2)])
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

let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
let runs = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5

let source = PathSource(
    name: "injector", kind: .external, peerAddress: IPAddress("10.255.255.2")!, routerID: IPAddress("10.255.255.2")!,
    peerAS: 64500, localAS: 64512)
var attributeTable = AttributeSetTable()
let attributes = attributeTable.intern(
    PathAttributes(origin: .igp, asPath: ASPath(segments: []), nextHop: IPAddress("10.255.255.2")!))
let prefixes = (0..<count).map { IPPrefix(address: IPAddress(ipv4: 0x0B00_0000 + UInt32($0) << 8), length: 24) }
let announcements = prefixes.map { prefix in
    let path = Path(prefix: prefix, source: source, attributes: attributes, nextHop: IPAddress("10.255.255.2")!)
    return RouteChange(prefix: prefix, best: path, ecmp: [path], previousBest: nil, decidedBy: nil)
}
let withdrawals = prefixes.map { RouteChange(prefix: $0, best: nil, ecmp: [], previousBest: nil, decidedBy: nil) }

/// Resident set size in MiB (/proc/self/statm, pages of 4 KiB).
func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? Double(fields[1])! * 4096 / 1_048_576 : 0
}

print("resident with the input built: \(residentMiB()) MiB")
var best = (install: Duration.seconds(1000), withdraw: Duration.seconds(1000))
for run in 1...runs {
    let sync = KernelSync(
        configuration: KernelSync.Configuration(settings: KernelSettings()), routes: NullProgrammer(),
        devices: ConnectedDevices(), logger: Logger(label: "bench"))
    await sync.start()
    let clock = ContinuousClock()
    let install = await clock.measure { await sync.routesChanged(announcements) }
    print("resident after install: \(residentMiB()) MiB")
    let withdraw = await clock.measure { await sync.routesChanged(withdrawals) }
    print("run \(run): \(count) routes: install \(install), withdraw \(withdraw)")
    best = (min(best.install, install), min(best.withdraw, withdraw))
}
func perRoute(_ d: Duration) -> String {
    let ns = Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
    return String(Int(ns / Double(count))) + " ns/route"
}
print("best: install \(best.install) (\(perRoute(best.install))), withdraw \(best.withdraw) (\(perRoute(best.withdraw)))")
print("strides: IPPrefix \(MemoryLayout<IPPrefix>.stride), IPAddress \(MemoryLayout<IPAddress>.stride), KernelRoute \(MemoryLayout<KernelRoute>.stride), NextHop \(MemoryLayout<NextHop>.stride), Plan \(MemoryLayout<KernelRoutePlanner.Plan>.stride), Hop \(MemoryLayout<SelectedRoute.Hop>.stride), RouteOperation \(MemoryLayout<RouteOperation>.stride), RouteChange \(MemoryLayout<RouteChange>.stride)")
