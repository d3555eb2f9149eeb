// SPDX-License-Identifier: Apache-2.0
// NetlinkRouteProgrammer against the real kernel, each test in its own network namespace (KernelTestNamespace.swift
// says how the socket gets there). Skipped unless root and BGP_KERNEL_TESTS=1 or BGP_INTEROP=1. The kernel's state
// is checked both through our own dump and through `ip -j route show`.

import BGPWire
import Foundation
import KernelNetlink
import Testing

@Suite(
    "Netlink route programmer on a real kernel", .serialized,
    .enabled(if: KernelTests.enabled, "needs root and BGP_KERNEL_TESTS=1 or BGP_INTEROP=1"))
struct NetlinkRouteProgrammerKernelTests {
    static let staticProtocol = RouteProtocol(rawValue: 4)  // RTPROT_STATIC, what `ip route add` uses

    /// A programmer whose socket lives in `namespace`. Each test deletes its namespace with `defer` right after
    /// creating it, so every path out (a failed expectation, a thrown error) cleans up.
    static func programmer(
        in namespace: KernelTestNamespace,
        receiveBufferBytes: Int = 4 << 20,
        maximumBatchBytes: Int? = nil
    ) throws -> NetlinkRouteProgrammer {
        try NetlinkRouteProgrammer(
            adoptingSocket: try namespace.routeSocket(), receiveBufferBytes: receiveBufferBytes,
            maximumBatchBytes: maximumBatchBytes)
    }

    static func via(_ destination: String, _ gateways: String...) -> KernelRoute {
        KernelRoute(prefix: prefix(destination), kind: .unicast(gateways.map { NextHop(gateway: ip($0)) }))
    }

    static func blackhole(_ destination: String) -> KernelRoute {
        KernelRoute(prefix: prefix(destination), kind: .blackhole)
    }

    /// The route as our dump reads it back: installed form, and the kernel's chosen interface on each next hop.
    static func installed(_ route: KernelRoute, interface: UInt32) -> KernelRoute {
        var route = route.installedForm
        if case .unicast(let hops) = route.kind {
            route.kind = .unicast(hops.map {
                NextHop(gateway: $0.gateway, interfaceIndex: $0.interfaceIndex ?? interface, onLink: $0.onLink,
                        weight: $0.weight)
            })
        }
        return route
    }

    static func sorted(_ routes: [KernelRoute]) -> [KernelRoute] {
        routes.sorted { ($0.prefix, $0.table, $0.priority) < ($1.prefix, $1.table, $1.priority) }
    }

    /// `dst` → gateways (or the route type, for routes without one) from `ip -j route show`.
    static func kernelView(_ routes: [[String: Any]]) -> [String: [String]] {
        var view: [String: [String]] = [:]
        for route in routes {
            let destination = route["dst"] as? String ?? "?"
            if let gateway = route["gateway"] as? String {
                view[destination] = [gateway]
            } else if let hops = route["nexthops"] as? [[String: Any]] {
                view[destination] = hops.compactMap { $0["gateway"] as? String }
            } else {
                view[destination] = [route["type"] as? String ?? "unicast"]
            }
        }
        return view
    }

    @Test("IPv4 and IPv6: add via a gateway, ECMP, blackhole; replace the next hop; delete; dump is exactly ours")
    func lifecycle() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace)
        let interface = namespace.veth0Index
        let v4 = Self.via("10.1.0.0/26", "10.0.0.2")
        let v6 = Self.via("2001:db8:1::/122", "2001:db8::2")
        let ecmp4 = Self.via("10.2.0.0/26", "10.0.0.2", "10.0.0.3")
        let ecmp6 = Self.via("2001:db8:2::/122", "2001:db8::2", "2001:db8::3")
        let hole4 = Self.blackhole("10.3.0.0/26")
        let hole6 = Self.blackhole("2001:db8:3::/122")
        let all = [v4, v6, ecmp4, ecmp6, hole4, hole6]

        #expect(try programmer.dump(protocol: .bird).isEmpty)
        let added = programmer.apply(all.map(RouteOperation.add))
        #expect(added.isEmpty, "\(added)")
        #expect(programmer.batchesSent == 1)
        let expected = Self.sorted(all.map { Self.installed($0, interface: interface) })
        #expect(try programmer.dump(protocol: .bird) == expected)
        #expect(programmer.owned == Set(expected.map(\.key)))
        #expect(Self.kernelView(try namespace.routes("proto", "bird")) == [
            "10.1.0.0/26": ["10.0.0.2"], "10.2.0.0/26": ["10.0.0.2", "10.0.0.3"], "10.3.0.0/26": ["blackhole"],
        ])
        #expect(Self.kernelView(try namespace.routes(ipv6: true, "proto", "bird")) == [
            "2001:db8:1::/122": ["2001:db8::2"], "2001:db8:2::/122": ["2001:db8::2", "2001:db8::3"],
            "2001:db8:3::/122": ["blackhole"],
        ])

        // Replace: a changed next hop, on routes the dump showed to be ours.
        let v4b = Self.via("10.1.0.0/26", "10.0.0.3")
        let v6b = Self.via("2001:db8:1::/122", "2001:db8::3")
        let replaced = programmer.apply([.replace(v4b), .replace(v6b)])
        #expect(replaced.isEmpty, "\(replaced)")
        #expect(Self.kernelView(try namespace.routes("proto", "bird"))["10.1.0.0/26"] == ["10.0.0.3"])
        #expect(Self.kernelView(try namespace.routes(ipv6: true, "proto", "bird"))["2001:db8:1::/122"]
            == ["2001:db8::3"])

        // Delete: a whole multipath route and an IPv6 blackhole.
        let deleted = programmer.apply([.delete(ecmp4), .delete(hole6)])
        #expect(deleted.isEmpty, "\(deleted)")
        let remaining = Self.sorted([v4b, v6b, ecmp6, hole4].map { Self.installed($0, interface: interface) })
        #expect(try programmer.dump(protocol: .bird) == remaining)
        #expect(programmer.owned == Set(remaining.map(\.key)))

        // A route added in this same call is ours by the time its replace is sent (the batch is split there).
        let v4c = Self.via("10.6.0.0/26", "10.0.0.2")
        let v4d = Self.via("10.6.0.0/26", "10.0.0.4")
        let addThenReplace = programmer.apply([.add(v4c), .replace(v4d)])
        #expect(addThenReplace.isEmpty, "\(addThenReplace)")
        #expect(Self.kernelView(try namespace.routes("proto", "bird"))["10.6.0.0/26"] == ["10.0.0.4"])

        let cleared = programmer.apply([v4b, v6b, ecmp6, hole4, v4d].map(RouteOperation.delete))
        #expect(cleared.isEmpty, "\(cleared)")
        #expect(try programmer.dump(protocol: .bird).isEmpty)
        #expect(programmer.owned.isEmpty)
        #expect(try namespace.routes("proto", "bird").isEmpty)
    }

    @Test("other protocols' routes: one on another prefix left alone, one on the same prefix never replaced")
    func ownership() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace)
        let interface = namespace.veth0Index
        try namespace.ip("route", "add", "10.9.0.0/26", "via", "10.0.0.2", "proto", "static")
        try namespace.ip("route", "add", "10.8.0.0/26", "via", "10.0.0.2", "proto", "static")
        try namespace.ip("-6", "route", "add", "2001:db8:8::/122", "via", "2001:db8::2", "proto", "static")
        let foreignBefore = try programmer.dump(protocol: Self.staticProtocol)
        #expect(foreignBefore.map(\.prefix) == [prefix("10.8.0.0/26"), prefix("10.9.0.0/26"),
                                               prefix("2001:db8:8::/122")])

        // Before any dump of our protocol, nothing is known to be ours, so nothing may be replaced.
        let mine = Self.via("10.8.0.0/26", "10.0.0.3")
        let early = programmer.apply([.replace(mine)])
        #expect(early.map(\.error) == [.fileExists])
        #expect(programmer.batchesSent == 0)

        #expect(try programmer.dump(protocol: .bird).isEmpty)
        let mine6 = Self.via("2001:db8:8::/122", "2001:db8::3")
        let ours = Self.via("10.7.0.0/26", "10.0.0.3")
        let failures = programmer.apply([
            .add(mine),  // kernel: EEXIST (NLM_F_EXCL)
            .replace(mine),  // refused here after learning the add failed: EEXIST, never sent
            .delete(mine),  // kernel: ESRCH (the delete carries our protocol)
            .replace(mine6),  // refused here: EEXIST
            .add(ours),
        ])
        #expect(failures.map(\.prefix) == [mine.prefix, mine.prefix, mine.prefix, mine6.prefix])
        #expect(failures.map(\.error) == [.fileExists, .fileExists, .noSuchProcess, .fileExists])
        #expect(failures[1].message?.hasPrefix("not replaced") == true)
        #expect(failures[3].message?.hasPrefix("not replaced") == true)

        // A route of another protocol in the request itself is refused before the kernel sees it.
        let foreignDelete = programmer.apply([.delete(foreignBefore[0])])
        #expect(foreignDelete.map(\.error) == [.operationNotPermitted])

        // The kernel still has the foreign routes exactly as they were, and ours.
        #expect(try programmer.dump(protocol: Self.staticProtocol) == foreignBefore)
        #expect(Self.kernelView(try namespace.routes("proto", "static")) == [
            "10.8.0.0/26": ["10.0.0.2"], "10.9.0.0/26": ["10.0.0.2"],
        ])
        #expect(Self.kernelView(try namespace.routes(ipv6: true, "proto", "static")) == [
            "2001:db8:8::/122": ["2001:db8::2"],
        ])
        #expect(try programmer.dump(protocol: .bird) == [Self.installed(ours, interface: interface)])
        #expect(programmer.owned == [ours.key])
    }

    @Test("an unreachable gateway: the kernel's errno and text on the right prefix, and the rest still applied")
    func unreachableGateway() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace)
        let unreachable4 = Self.via("10.4.0.0/26", "192.0.2.1")
        let fine = Self.blackhole("10.5.0.0/26")
        let unreachable6 = Self.via("2001:db8:4::/122", "2001:db8:ff::1")
        let failures = programmer.apply([.add(unreachable4), .add(fine), .add(unreachable6)])
        #expect(failures.count == 2)
        #expect(failures.first?.prefix == unreachable4.prefix)
        #expect(failures.first?.error == .networkUnreachable)
        #expect(failures.first?.message == "Nexthop has invalid gateway")
        // IPv6 says EHOSTUNREACH, without text (kernel 6.18; `ip` prints "No route to host").
        #expect(failures.last?.prefix == unreachable6.prefix)
        #expect(failures.last?.error == KernelErrno(rawValue: 113))
        #expect(try programmer.dump(protocol: .bird) == [fine])
        #expect(programmer.owned == [fine.key])
    }

    @Test("10,000 routes install in batches and dump back")
    func tenThousand() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace)
        let gateway = NextHop(gateway: ip("10.0.0.2"))
        let base: UInt32 = 100 << 24 | 64 << 16  // 100.64.0.0/10
        let routes = (0..<10_000).map { i in
            KernelRoute(prefix: IPPrefix(address: IPAddress(ipv4: base + UInt32(i) * 64), length: 26),
                        kind: .unicast([gateway]))
        }
        let clock = ContinuousClock()
        var failures: [RouteFailure] = []
        let install = clock.measure { failures = programmer.apply(routes.map(RouteOperation.add)) }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        let installBatches = programmer.batchesSent
        var dumped: [KernelRoute] = []
        let dump = try clock.measure { dumped = try programmer.dump(protocol: .bird) }
        // Compared without printing 10,000 routes on failure.
        let expected = Self.sorted(routes.map { Self.installed($0, interface: namespace.veth0Index) })
        #expect(dumped.count == expected.count)
        let mismatches = zip(dumped, expected).filter { $0.0 != $0.1 }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(2))")
        #expect(programmer.owned.count == 10_000)
        let kernelCount = try namespace.ip("route", "show", "proto", "bird").split(separator: "\n").count
        #expect(kernelCount == 10_000)
        let remove = clock.measure { failures = programmer.apply(routes.map(RouteOperation.delete)) }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(try programmer.dump(protocol: .bird).isEmpty)
        #expect(programmer.overruns == 0)
        print("""
            KernelNetlink 10,000 IPv4 routes: install \(install) in \(installBatches) sendmsg calls \
            (\(programmer.maximumBatchBytes)-octet batches, SO_RCVBUF \(programmer.receiveBufferBytes)), \
            dump \(dump), delete \(remove)
            """)
    }

    @Test("ENOBUFS: answers dropped by a too small receive buffer are reported as unknown, and a dump reconciles")
    func receiveOverrun() throws {
        // 1,000 blackholes in one sendmsg (36,000 octets) against a receive buffer of a few KiB: most acks are lost.
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace, receiveBufferBytes: 4096, maximumBatchBytes: 65536)
        let base: UInt32 = 100 << 24 | 64 << 16
        let routes = (0..<1000).map { i in
            Self.blackhole("\(IPAddress(ipv4: base + UInt32(i) * 64))/26")
        }
        let failures = programmer.apply(routes.map(RouteOperation.add))
        #expect(programmer.batchesSent == 1)
        #expect(programmer.overruns >= 1)
        #expect(!failures.isEmpty && failures.allSatisfy { $0.error == .noBufferSpace })
        // Only acknowledged adds are known to be ours; a lost answer's route cannot be replaced yet.
        #expect(programmer.owned.count == 1000 - failures.count)
        let unknown = failures[0].operation.route
        let replacement = KernelRoute(prefix: unknown.prefix, kind: .prohibit)
        #expect(programmer.apply([.replace(replacement)]).map(\.error) == [.fileExists])
        // The adds were all applied; the dump says so and makes them ours.
        #expect(try programmer.dump(protocol: .bird).count == 1000)
        #expect(programmer.owned.count == 1000)
        #expect(programmer.apply([.replace(replacement)]).isEmpty)
    }
}
