// SPDX-License-Identifier: Apache-2.0
// NetlinkMonitor against the real kernel, in a fresh network namespace (its socket is made there, as in
// KernelTestNamespace.swift, so only that namespace's changes arrive). Skipped unless root and BGP_KERNEL_TESTS=1 or
// BGP_INTEROP=1. Every wait is bounded by a deadline and ends as soon as the expected change has been seen: the
// handler signals a semaphore, nothing sleeps.

import BGPWire
import Dispatch
import Foundation
import KernelNetlink
import Synchronization
import Testing

/// Records the changes a monitor delivers and lets a test wait, with a deadline, for a condition on them.
final class ChangeRecorder: Sendable {
    private let changes = Mutex<[KernelChange]>([])
    private let arrived = DispatchSemaphore(value: 0)

    func record(_ change: KernelChange) {
        changes.withLock { $0.append(change) }
        arrived.signal()
    }

    var all: [KernelChange] { changes.withLock { $0 } }

    /// Waits until `condition` holds for the changes so far, or `timeout` passes; returns whether it held.
    func wait(timeout: Duration = .seconds(5), until condition: ([KernelChange]) -> Bool) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if changes.withLock({ condition($0) }) { return true }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            let (seconds, attoseconds) = remaining.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            _ = arrived.wait(timeout: .now() + .nanoseconds(nanoseconds))
        }
    }
}

@Suite(
    "Netlink monitor on a real kernel", .serialized,
    .enabled(if: KernelTests.enabled, "needs root and BGP_KERNEL_TESTS=1 or BGP_INTEROP=1"))
struct NetlinkMonitorKernelTests {
    static func interfaceIndex(_ namespace: KernelTestNamespace, _ name: String) throws -> UInt32 {
        let text = try namespace.ip("-j", "link", "show", name)
        let links = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        return UInt32(try #require(links?.first?["ifindex"] as? Int))
    }

    @Test("a `proto static` route added and deleted, a link going down and up, an address: each reported")
    func changes() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let recorder = ChangeRecorder()
        let monitor = try NetlinkMonitor(adoptingSocket: try namespace.routeSocket()) { recorder.record($0) }
        defer { monitor.stop() }
        #expect(monitor.receiveBufferBytes >= 8 << 20)  // SO_RCVBUFFORCE as root: 8 MiB asked, doubled
        try monitor.start()

        let route = KernelChange.route(prefix: prefix("10.20.0.0/24"), table: .main,
                                       routeProtocol: RouteProtocol(rawValue: 4), deleted: false)
        try namespace.ip("route", "add", "10.20.0.0/24", "via", "10.0.0.2", "proto", "static")
        #expect(recorder.wait { $0.contains(route) }, "\(recorder.all)")
        let deleted = KernelChange.route(prefix: prefix("10.20.0.0/24"), table: .main,
                                         routeProtocol: RouteProtocol(rawValue: 4), deleted: true)
        try namespace.ip("route", "del", "10.20.0.0/24", "via", "10.0.0.2", "proto", "static")
        #expect(recorder.wait { $0.contains(deleted) }, "\(recorder.all)")

        let veth1 = try Self.interfaceIndex(namespace, "veth1")
        let before = recorder.all.filter { $0 == .link(index: veth1, deleted: false) }.count
        try namespace.ip("link", "set", "veth1", "down")
        #expect(recorder.wait { $0.filter { $0 == .link(index: veth1, deleted: false) }.count > before })
        let afterDown = recorder.all.filter { $0 == .link(index: veth1, deleted: false) }.count
        try namespace.ip("link", "set", "veth1", "up")
        #expect(recorder.wait { $0.filter { $0 == .link(index: veth1, deleted: false) }.count > afterDown })

        try namespace.ip("address", "add", "10.0.0.9/24", "dev", "veth0")
        #expect(recorder.wait { $0.contains(.address(index: namespace.veth0Index, deleted: false)) })

        try namespace.ip("link", "add", "veth8", "type", "veth", "peer", "name", "veth9")
        let veth8 = try Self.interfaceIndex(namespace, "veth8")
        try namespace.ip("link", "delete", "veth8")
        #expect(recorder.wait { $0.contains(.link(index: veth8, deleted: true)) }, "\(recorder.all)")

        // stop() wakes the blocked thread at once and joins it; nothing is delivered after it returns.
        let stopping = ContinuousClock().measure { monitor.stop() }
        #expect(stopping < .seconds(1))
        let count = recorder.all.count
        try namespace.ip("route", "add", "10.21.0.0/24", "via", "10.0.0.2", "proto", "static")
        #expect(recorder.all.count == count)
    }

    @Test("notifications lost to a full receive buffer are reported as .overrun")
    func overrun() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let recorder = ChangeRecorder()
        // The groups are joined now; nothing is read until start(), so the small buffer fills.
        let monitor = try NetlinkMonitor(adoptingSocket: try namespace.routeSocket(), receiveBufferBytes: 4096) {
            recorder.record($0)
        }
        defer { monitor.stop() }
        let programmer = try NetlinkRouteProgrammer(adoptingSocket: try namespace.routeSocket())
        let routes = (0..<500).map { i in
            KernelRoute(prefix: IPPrefix(address: IPAddress(ipv4: 100 << 24 | 64 << 16 | UInt32(i) << 6), length: 26),
                        kind: .blackhole)
        }
        #expect(programmer.apply(routes.map(RouteOperation.add)).isEmpty)
        try monitor.start()
        #expect(recorder.wait { $0.contains(.overrun) }, "\(recorder.all.count) changes, no overrun")
    }

    static func routes(_ changes: [KernelChange], _ prefix: IPPrefix) -> [KernelChange] {
        changes.filter {
            if case .route(let routePrefix, _, _, _) = $0 { return routePrefix == prefix }
            return false
        }
    }

    @Test("ignoringRouteProtocol: `proto bird` route notifications are dropped by the kernel, `proto static` ones delivered")
    func ignoresOwnProtocol() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let filtered = ChangeRecorder()
        let monitor = try NetlinkMonitor(adoptingSocket: try namespace.routeSocket(), ignoringRouteProtocol: .bird) {
            filtered.record($0)
        }
        defer { monitor.stop() }
        #expect(monitor.ignoredRouteProtocol == .bird)
        // The control: a monitor without the filter, in the same namespace, sees the bird routes.
        let everything = ChangeRecorder()
        let control = try NetlinkMonitor(adoptingSocket: try namespace.routeSocket()) { everything.record($0) }
        defer { control.stop() }
        #expect(control.ignoredRouteProtocol == nil)
        try monitor.start()
        try control.start()

        // Notifications come in the kernel's order, one datagram each: the bird route's add (and later delete)
        // would arrive before the static route's, so once the static one is seen the bird one is not coming.
        let static4 = RouteProtocol(rawValue: 4)  // RTPROT_STATIC, `proto static`
        let bird4 = prefix("10.30.0.0/24"), other4 = prefix("10.31.0.0/24")
        let bird6 = prefix("2001:db8:30::/64"), other6 = prefix("2001:db8:31::/64")
        try namespace.ip("route", "add", "10.30.0.0/24", "via", "10.0.0.2", "proto", "bird")
        try namespace.ip("route", "add", "10.31.0.0/24", "via", "10.0.0.2", "proto", "static")
        try namespace.ip("-6", "route", "add", "2001:db8:30::/64", "via", "2001:db8::2", "proto", "bird")
        try namespace.ip("-6", "route", "add", "2001:db8:31::/64", "via", "2001:db8::2", "proto", "static")
        try namespace.ip("route", "del", "10.30.0.0/24", "proto", "bird")
        try namespace.ip("route", "del", "10.31.0.0/24", "proto", "static")
        try namespace.ip("-6", "route", "del", "2001:db8:30::/64", "proto", "bird")
        try namespace.ip("-6", "route", "del", "2001:db8:31::/64", "proto", "static")
        let lastStatic = KernelChange.route(prefix: other6, table: .main, routeProtocol: static4, deleted: true)
        #expect(filtered.wait { $0.contains(lastStatic) }, "\(filtered.all)")
        #expect(everything.wait { $0.contains(lastStatic) }, "\(everything.all)")
        for (prefix, table) in [(bird4, RouteTable.main), (bird6, .main)] {
            let added = KernelChange.route(prefix: prefix, table: table, routeProtocol: .bird, deleted: false)
            let deleted = KernelChange.route(prefix: prefix, table: table, routeProtocol: .bird, deleted: true)
            #expect(Self.routes(filtered.all, prefix).isEmpty, "\(filtered.all)")
            #expect(everything.all.contains(added) && everything.all.contains(deleted), "\(everything.all)")
        }
        for prefix in [other4, other6] {
            #expect(Self.routes(filtered.all, prefix) == [
                .route(prefix: prefix, table: .main, routeProtocol: static4, deleted: false),
                .route(prefix: prefix, table: .main, routeProtocol: static4, deleted: true),
            ], "\(filtered.all)")
        }

        // Link and address notifications pass the filter.
        try namespace.ip("address", "add", "10.0.0.9/24", "dev", "veth0")
        #expect(filtered.wait { $0.contains(.address(index: namespace.veth0Index, deleted: false)) })
    }

    @Test("ignoringRouteProtocol: the programmer's own routes take no room in the monitor's receive buffer")
    func ownRoutesDoNotOverrun() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let recorder = ChangeRecorder()
        // The same 4 KiB buffer and 500 routes as `overrun()`, which then loses notifications; filtered, none is
        // queued, so nothing is lost and the static route after them is delivered.
        let monitor = try NetlinkMonitor(adoptingSocket: try namespace.routeSocket(), ignoringRouteProtocol: .bird,
                                         receiveBufferBytes: 4096) { recorder.record($0) }
        defer { monitor.stop() }
        let programmer = try NetlinkRouteProgrammer(adoptingSocket: try namespace.routeSocket())
        let routes = (0..<500).map { i in
            KernelRoute(prefix: IPPrefix(address: IPAddress(ipv4: 100 << 24 | 64 << 16 | UInt32(i) << 6), length: 26),
                        kind: .blackhole)
        }
        #expect(programmer.apply(routes.map(RouteOperation.add)).isEmpty)
        try namespace.ip("route", "add", "10.32.0.0/24", "via", "10.0.0.2", "proto", "static")
        try monitor.start()
        let added = KernelChange.route(prefix: prefix("10.32.0.0/24"), table: .main,
                                       routeProtocol: RouteProtocol(rawValue: 4), deleted: false)
        #expect(recorder.wait { $0.contains(added) }, "\(recorder.all)")
        #expect(!recorder.all.contains(.overrun))
        #expect(recorder.all.filter { if case .route = $0 { true } else { false } } == [added], "\(recorder.all)")
        #expect(programmer.apply(routes.map(RouteOperation.delete)).isEmpty)
    }
}
