// SPDX-License-Identifier: Apache-2.0
// FIB reconciliation: the operations that turn a dump of our routes into the desired set, and nothing when they
// already agree (a restart must not flap routes).

import BGPWire
import KernelNetlink
import Testing

@Suite("Route reconciler")
struct RouteReconcilerTests {
    static func route(_ prefix: String, via gateways: [String] = ["192.0.2.1"], priority: UInt32 = 0) -> KernelRoute {
        KernelRoute(
            prefix: IPPrefix(prefix)!, kind: .unicast(gateways.map { NextHop(gateway: IPAddress($0)!) }),
            priority: priority)
    }

    static func blackhole(_ prefix: String) -> KernelRoute {
        KernelRoute(prefix: IPPrefix(prefix)!, kind: .blackhole)
    }

    @Test("Equal sets give no operation, whatever the order, IPv6 priority spelling or ECMP hop order")
    func unchanged() {
        let desired = [
            Self.route("10.244.1.0/26"), Self.blackhole("10.244.0.0/26"),
            Self.route("10.244.2.0/26", via: ["192.0.2.1", "192.0.2.2"]), Self.route("fd00:10::/122", via: ["fd00::1"]),
        ]
        let installed = [
            Self.route("fd00:10::/122", via: ["fd00::1"], priority: 1024),
            Self.route("10.244.2.0/26", via: ["192.0.2.2", "192.0.2.1"]), Self.blackhole("10.244.0.0/26"),
            Self.route("10.244.1.0/26"),
        ]
        #expect(RouteReconciler.operations(desired: desired, installed: installed).isEmpty)
    }

    @Test("Missing routes are added, changed ones replaced, stale ones deleted, deletions last")
    func differences() {
        let desired = [Self.route("10.244.1.0/26"), Self.route("10.244.2.0/26", via: ["192.0.2.9"])]
        let installed = [Self.route("10.244.2.0/26"), Self.route("10.244.3.0/26")]
        #expect(RouteReconciler.operations(desired: desired, installed: installed) == [
            .add(Self.route("10.244.1.0/26")),
            .replace(Self.route("10.244.2.0/26", via: ["192.0.2.9"])),
            .delete(Self.route("10.244.3.0/26")),
        ])
    }

    @Test("A unicast route becoming a blackhole (the node now owns the block) is a replace, not delete + add")
    func kindChange() {
        #expect(RouteReconciler.operations(desired: [Self.blackhole("10.244.1.0/26")], installed: [Self.route("10.244.1.0/26")])
            == [.replace(Self.blackhole("10.244.1.0/26"))])
    }

    @Test("A new priority is a new kernel key: the new route is added before the old one is deleted")
    func priorityChange() {
        let operations = RouteReconciler.operations(
            desired: [Self.route("10.244.1.0/26", priority: 512)], installed: [Self.route("10.244.1.0/26")])
        #expect(operations == [.add(Self.route("10.244.1.0/26", priority: 512)), .delete(Self.route("10.244.1.0/26"))])
    }

    @Test("The fake kernel ends up with exactly the desired routes and a second pass changes nothing")
    func convergesOnFake() throws {
        var kernel = FakeRouteProgrammer()
        _ = kernel.apply([.add(Self.route("10.244.3.0/26")), .add(Self.route("10.244.2.0/26"))])
        let desired = [Self.route("10.244.1.0/26"), Self.route("10.244.2.0/26", via: ["192.0.2.7"]), Self.blackhole("10.244.0.0/26")]
        let first = RouteReconciler.operations(desired: desired, installed: try kernel.dump(protocol: .bird))
        #expect(kernel.apply(first).isEmpty)
        let after = try kernel.dump(protocol: .bird)
        #expect(Set(after) == Set(desired.map(\.installedForm)))
        #expect(RouteReconciler.operations(desired: desired, installed: after).isEmpty)
    }
}
