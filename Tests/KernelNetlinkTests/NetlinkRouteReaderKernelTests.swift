// SPDX-License-Identifier: Apache-2.0
// NetlinkRouteReader against the real kernel in a fresh namespace (KernelTestNamespace): routes of every protocol of
// one table, with their devices and metrics, and the interface names. Skipped unless root and BGP_KERNEL_TESTS=1 or
// BGP_INTEROP=1.

import BGPWire
import Foundation
import KernelNetlink
import Testing

@Suite(
    "Netlink route reader on a real kernel", .serialized,
    .enabled(if: KernelTests.enabled, "needs root and BGP_KERNEL_TESTS=1 or BGP_INTEROP=1"))
struct NetlinkRouteReaderKernelTests {
    @Test("Every protocol of one table: a proto boot /32 on a device, a proto bird route, the connected subnet")
    func everyProtocol() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        try namespace.ip("route", "add", "10.244.1.5/32", "dev", "veth0", "proto", "boot", "metric", "512")
        try namespace.ip("route", "add", "10.244.2.0/26", "via", "10.0.0.2", "proto", "bird", "metric", "1024")
        try namespace.ip("route", "add", "10.244.3.0/26", "via", "10.0.0.3", "table", "100", "proto", "boot")
        let reader = try NetlinkRouteReader(adoptingSocket: try namespace.routeSocket())
        let routes = try reader.routes(table: .main)
        let boot = try #require(routes.first { $0.prefix == IPPrefix("10.244.1.5/32")! })
        #expect(boot.routeProtocol == RouteProtocol(rawValue: 3))
        #expect(boot.priority == 512)
        #expect(boot.kind == .unicast([NextHop(gateway: nil, interfaceIndex: namespace.veth0Index)]))
        #expect(routes.contains { $0.prefix == IPPrefix("10.244.2.0/26")! && $0.routeProtocol == .bird })
        let connected = try #require(routes.first { $0.prefix == IPPrefix("10.0.0.0/24")! })
        #expect(connected.routeProtocol == RouteProtocol(rawValue: 2))  // proto kernel
        #expect(!routes.contains { $0.prefix == IPPrefix("10.244.3.0/26")! })  // table 100
        #expect(routes.allSatisfy { $0.table == .main })
        let other = try reader.routes(table: RouteTable(rawValue: 100))
        #expect(other.map(\.prefix) == [IPPrefix("10.244.3.0/26")!])

        let names = try reader.interfaceNames()
        #expect(names[namespace.veth0Index] == "veth0")
        #expect(names.values.contains("lo"))
    }
}
