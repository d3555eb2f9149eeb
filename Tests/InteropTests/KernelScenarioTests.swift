// SPDX-License-Identifier: Apache-2.0
// swiftletd programming the kernel end to end (issue #5): two Calico nodes as namespaces, each with a pod behind a
// veth, swiftletd on each in a node-to-node mesh (AS 64512), and the result checked in the kernel itself (routes of
// proto bird, the VXLAN device, its ARP and FDB entries) and by pod-to-pod traffic. Skipped unless BGP_INTEROP=1 and
// root; the swiftletd scenarios also need the built swiftletd to be a real daemon, like SwiftletScenarioTests.
//
// Every scenario has namespaces of its own (Support/KernelLab.swift: addressing, topology, canonical kernel state).
// swiftletd runs with the `kernel` defaults (protocol 12 "bird", table main, metric 1024, VXLAN device
// "vxlan.calico" VNI 4096 port 4789, stale routes swept after End-of-RIB or 120 s).
//
//   0. the lab itself: static routes of exactly the shape swiftletd must install carry pod traffic (plain and
//      VXLAN), the checks accept exactly them, and the route monitor sees a deletion and an addition: a failure
//      further down is swiftletd's
//   1. one subnet, pool vxlanMode CrossSubnet: plain routes via the other node, own block blackholed (the VXLAN
//      device with ARP/FDB entries all the same, as Felix does), pods ping, `show status` counts
//   2. two subnets behind a router, vxlanMode CrossSubnet: routes over vxlan.calico onlink, ARP + FDB, pods ping
//   3. SIGTERM and restart: no proto bird route deleted, added or replaced on the node, the same routes before,
//      during and after, and the new process counts no change
//   4. kill -9, new config, restart: the previous run's routes stay while the peer is down; once it sent
//      End-of-RIB the unwanted ones (a stale proto bird route, the peer's old block) go, well before 120 s; the
//      peer's pod, left with an address of its old block, is reached through the /32 the peer now advertises
//   5. a proto static route with the key of a learned route (same prefix, metric 1024) is left alone and reported;
//      swiftletd takes the prefix once it is deleted
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension InteropScenarios {
    @Suite("swiftletd kernel routes", .serialized, .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"))
    struct KernelScenarioTests {
        static let swiftletGate = Testing.ConditionTrait.enabled(
            if: Interop.swiftletReady, "swiftletd is not built yet (`swiftletd --version` says \"not yet\")")

        // MARK: - helpers

        /// Builds the two-node cluster, runs `prepare` on it (before any swiftletd starts), starts a swiftletd per
        /// node with `config`, and waits until the mesh session is Established on both.
        static func startCluster(
            _ lab: Lab, sharedSubnet: Bool, vxlanMode: String,
            prepare: (KernelCluster) throws -> Void = { _ in }
        ) async throws -> (KernelCluster, [SwiftletDaemon]) {
            let cluster = try lab.kernelCluster([
                .standard(1, sharedSubnet: sharedSubnet), .standard(2, sharedSubnet: sharedSubnet),
            ])
            try prepare(cluster)
            let daemons = try cluster.hosts.map {
                try cluster.swiftlet($0, config: cluster.config(for: $0.node, vxlanMode: vxlanMode))
            }
            for daemon in daemons { try await daemon.start() }
            try await requireMesh(cluster, daemons)
            return (cluster, daemons)
        }

        /// Each swiftletd's session to the other node is Established.
        static func requireMesh(_ cluster: KernelCluster, _ daemons: [SwiftletDaemon]) async throws {
            for (index, daemon) in daemons.enumerated() {
                for other in cluster.nodes.indices where other != index {
                    let peer = cluster.nodes[other].address
                    let up = await daemon.waitEstablished(peer: peer, timeout: .seconds(30))
                    guard up else {
                        throw HarnessError("\(daemon.label) ↔ \(peer) not Established:\n\(daemon.describe(peer: peer))")
                    }
                }
            }
        }

        /// Every node's proto bird routes are exactly the expected ones (`vxlan`: whether a node reaches that other
        /// node over VXLAN).
        static func routeProblems(
            _ cluster: KernelCluster, vxlan: (KernelNode, KernelNode) -> Bool = { _, _ in false }
        ) throws -> [String] {
            var problems: [String] = []
            for host in cluster.hosts {
                let expected = KernelCluster.expectedRoutes(
                    on: host.node, others: cluster.nodes, vxlan: { vxlan(host.node, $0) })
                problems += KernelCluster.difference(
                    "\(host.node.name) proto bird", expected: expected, actual: try Kernel.routes(host.ns))
            }
            return problems
        }

        /// Pods of every node reach each other's pods (bounded poll per pair).
        static func requirePodTraffic(_ cluster: KernelCluster, describe: () -> String) async throws {
            for from in cluster.hosts {
                for to in cluster.hosts where to.node.name != from.node.name {
                    let result = await Kernel.waitReaches(from.pod, to.node.pod)
                    guard result.ok else {
                        throw HarnessError(
                            "pod \(from.node.pod) (\(from.node.name)) does not reach pod \(to.node.pod) (\(to.node.name)):\n"
                                + "\(result.output)\n\n\(describe())")
                    }
                }
            }
        }

        /// swiftletd says its kernel routes are in sync: `show kernel` counts nothing pending or failed and the
        /// routes of an earlier run swept.
        static func kernelSynced(_ daemon: SwiftletDaemon) -> Bool {
            guard let summary = KernelSummary(daemon) else { return false }
            return summary.pending == 0 && summary.failed == 0 && summary.swept
        }

        // MARK: - 0. the lab with static routes

        @Test(
            "Kernel lab: static routes of the shape swiftletd installs carry pod traffic, plain on one subnet and over VXLAN across a router; the checks accept exactly them"
        )
        func staticRoutesCarryPodTraffic() async throws {
            try await withLab("kernel-static-plain") { lab in
                let cluster = try lab.kernelCluster([
                    .standard(1, sharedSubnet: true), .standard(2, sharedSubnet: true),
                ])
                for host in cluster.hosts {
                    try Shell.check([
                        "ip", "-n", host.ns.name, "route", "add", "blackhole", host.node.block, "proto", "bird",
                        "metric", "1024",
                    ])
                    for other in cluster.nodes where other.name != host.node.name {
                        try Shell.check([
                            "ip", "-n", host.ns.name, "route", "add", other.block, "via", other.address, "dev", "eth0",
                            "proto", "bird", "metric", "1024",
                        ])
                    }
                }
                let problems = try Self.routeProblems(cluster)
                guard problems.isEmpty else { throw HarnessError(problems.joined(separator: "\n")) }
                // The check can fail: a route with another metric is reported.
                let n1 = cluster.hosts[0]
                try Shell.check([
                    "ip", "-n", n1.ns.name, "route", "del", cluster.nodes[1].block, "proto", "bird", "metric", "1024",
                ])
                try Shell.check([
                    "ip", "-n", n1.ns.name, "route", "add", cluster.nodes[1].block, "via", cluster.nodes[1].address,
                    "proto", "bird", "metric", "100",
                ])
                let wrong = try Self.routeProblems(cluster)
                guard wrong.count == 2 else { throw HarnessError("a metric-100 route not seen as wrong: \(wrong)") }
                // The route monitor of the restart scenario sees a deletion and an addition between two marks.
                let monitor = try RouteMonitor(n1.ns, name: "monitor-n1")
                let start = try await monitor.mark()
                try Shell.check([
                    "ip", "-n", n1.ns.name, "route", "del", cluster.nodes[1].block, "proto", "bird", "metric", "100",
                ])
                // Without the route the pods are cut off (so the ping below proves the route), with it they ping.
                let cut = Kernel.reaches(n1.pod, cluster.nodes[1].pod)
                guard !cut.ok else { throw HarnessError("pods reach each other without a route:\n\(cut.output)") }
                try Shell.check([
                    "ip", "-n", n1.ns.name, "route", "add", cluster.nodes[1].block, "via", cluster.nodes[1].address,
                    "dev", "eth0", "proto", "bird", "metric", "1024",
                ])
                let end = try await monitor.mark()
                let seen = monitor.lines(between: start, and: end).filter { $0.contains("proto bird") }
                let want = [
                    "Deleted \(cluster.nodes[1].block) via \(cluster.nodes[1].address) dev eth0 proto bird metric 100",
                    "\(cluster.nodes[1].block) via \(cluster.nodes[1].address) dev eth0 proto bird metric 1024",
                ]
                guard seen.map({ $0.trimmingCharacters(in: .whitespaces) }) == want else {
                    throw HarnessError("route monitor saw \(seen), expected \(want):\n\(monitor.process.logText)")
                }
                try await Self.requirePodTraffic(cluster) { cluster.describe() }
            }

            try await withLab("kernel-static-vxlan") { lab in
                let cluster = try lab.kernelCluster([
                    .standard(1, sharedSubnet: false), .standard(2, sharedSubnet: false),
                ])
                for host in cluster.hosts {
                    let ns = host.ns.name
                    let node = host.node
                    let mtu = try Kernel.mtu(host.ns, device: "eth0") - 50
                    let device = KernelCluster.vxlanDevice
                    try Shell.check([
                        "ip", "-n", ns, "link", "add", device, "address", node.tunnelMAC, "mtu", "\(mtu)", "type",
                        "vxlan", "id", "\(KernelCluster.vxlanVNI)", "local", node.address, "dstport",
                        "\(KernelCluster.vxlanPort)", "nolearning",
                    ])
                    try Shell.check(["ip", "-n", ns, "addr", "add", "\(node.tunnelAddress)/32", "dev", device])
                    try Shell.check(["ip", "-n", ns, "link", "set", device, "up"])
                    try Shell.check([
                        "ip", "-n", ns, "route", "add", "blackhole", node.block, "proto", "bird", "metric", "1024",
                    ])
                    for other in cluster.nodes where other.name != node.name {
                        try Shell.check([
                            "ip", "-n", ns, "neigh", "replace", other.tunnelAddress, "lladdr", other.tunnelMAC, "dev",
                            device, "nud", "permanent",
                        ])
                        try Shell.check([
                            "ip", "netns", "exec", ns, "bridge", "fdb", "append", other.tunnelMAC, "dev", device, "dst",
                            other.address, "self", "permanent",
                        ])
                        try Shell.check([
                            "ip", "-n", ns, "route", "add", other.block, "via", other.tunnelAddress, "dev", device,
                            "onlink", "proto", "bird", "metric", "1024",
                        ])
                    }
                }
                var problems = try Self.routeProblems(cluster) { _, _ in true }
                for host in cluster.hosts {
                    problems += try KernelCluster.vxlanProblems(
                        host, remotes: cluster.nodes.filter { $0.name != host.node.name })
                }
                guard problems.isEmpty else {
                    throw HarnessError(problems.joined(separator: "\n") + cluster.describe())
                }
                try await Self.requirePodTraffic(cluster) { cluster.describe() }
            }
        }

        // MARK: - 1. plain routes on one subnet

        @Test(
            "One subnet, vxlanMode CrossSubnet: each node gets the other's /26 via the other node (proto bird, metric 1024) and its own as a blackhole, nothing else (the VXLAN device and its ARP/FDB entries are there all the same); pods ping each other; `show status` counts 2 installed",
            swiftletGate)
        func plainRoutesOnOneSubnet() async throws {
            try await withLab("kernel-plain") { lab in
                let (cluster, daemons) = try await Self.startCluster(lab, sharedSubnet: true, vxlanMode: "CrossSubnet")
                try await KernelCluster.requireConverged("plain routes", describe: { cluster.describe(daemons) }) {
                    var problems = try Self.routeProblems(cluster)
                    // The pool uses VXLAN, so the device and the per-node ARP/FDB entries are there as with Felix
                    // (docs/architecture.md, Devices); only the routes avoid it on a shared subnet.
                    for host in cluster.hosts {
                        problems += try KernelCluster.vxlanProblems(
                            host, remotes: cluster.nodes.filter { $0.name != host.node.name })
                    }
                    return problems
                }
                try await Self.requirePodTraffic(cluster) { cluster.describe(daemons) }
                // `show status` counts them: the own block and the other's, installed; nothing pending or failed.
                for daemon in daemons {
                    let status = KernelSummary(daemon, command: ["show", "status"])
                    #expect(
                        status.map { ($0.installed, $0.pending, $0.failed, $0.foreign) } ?? (-1, -1, -1, -1)
                            == (2, 0, 0, 0),
                        "\(daemon.label) show status: \(status?.description ?? "no kernel line")")
                }
            }
        }

        // MARK: - 2. VXLAN across subnets

        @Test(
            "Two subnets behind a router, vxlanMode CrossSubnet: the other's /26 via its tunnel address on vxlan.calico onlink, permanent ARP and FDB entries, the device as Calico's; pods ping each other",
            swiftletGate)
        func vxlanAcrossSubnets() async throws {
            try await withLab("kernel-vxlan") { lab in
                let (cluster, daemons) = try await Self.startCluster(lab, sharedSubnet: false, vxlanMode: "CrossSubnet")
                try await KernelCluster.requireConverged("VXLAN routes", describe: { cluster.describe(daemons) }) {
                    var problems = try Self.routeProblems(cluster) { _, _ in true }
                    for host in cluster.hosts {
                        problems += try KernelCluster.vxlanProblems(
                            host, remotes: cluster.nodes.filter { $0.name != host.node.name })
                    }
                    return problems
                }
                try await Self.requirePodTraffic(cluster) { cluster.describe(daemons) }
            }
        }

        // MARK: - 3. restart without a flap

        @Test(
            "SIGTERM and restart of swiftletd: its routes stay in the kernel meanwhile; after the session is back and the kernel synced no proto bird route was deleted, added or replaced and the new process counts no change",
            swiftletGate)
        func restartDoesNotFlap() async throws {
            try await withLab("kernel-restart") { lab in
                let (cluster, daemons) = try await Self.startCluster(lab, sharedSubnet: true, vxlanMode: "Never")
                let describe = { cluster.describe(daemons) }
                try await KernelCluster.requireConverged("plain routes", describe: describe) {
                    try Self.routeProblems(cluster)
                }
                let n1 = cluster.hosts[0]
                let daemon = daemons[0]
                let before = try Kernel.routes(n1.ns)
                let monitor = try RouteMonitor(n1.ns, name: "monitor-n1")
                let start = try await monitor.mark()

                daemon.stop()
                if let status = daemon.mainProcess?.exitStatus, status & 0x7f == SIGKILL {
                    Issue.record("\(daemon.label) did not exit within 5 s of SIGTERM (killed)")
                }
                let during = try Kernel.routes(n1.ns)
                if during != before {
                    let changes = KernelCluster.difference("node-1", expected: before, actual: during)
                    Issue.record("\(daemon.label) stopped: its routes changed\n\(changes.joined(separator: "\n"))")
                }

                try await daemon.start()
                try await Self.requireMesh(cluster, daemons)
                let synced = await Poll.until(timeout: .seconds(30)) { Self.kernelSynced(daemon) }
                guard synced else {
                    throw HarnessError("\(daemon.label) never says its kernel routes are synced\n\(describe())")
                }
                // A little longer: a sweep or a late replacement would show up now.
                let unchanged = await Poll.holds(for: .seconds(2)) { (try? Kernel.routes(n1.ns)) == before }
                // The new process found everything in place: it sent the kernel nothing.
                let counters = KernelSummary(daemon)
                #expect(
                    counters.map { ($0.adds, $0.replaces, $0.deletes) } ?? (-1, -1, -1) == (0, 0, 0),
                    "\(daemon.label) after the restart: \(counters?.description ?? "no show kernel")")
                let end = try await monitor.mark()
                let after = try Kernel.routes(n1.ns)
                let flaps = monitor.lines(between: start, and: end).filter { $0.contains("proto bird") }
                guard flaps.isEmpty, unchanged, after == before else {
                    throw HarnessError(
                        "restart changed node-1's proto bird routes; monitor:\n\(flaps.joined(separator: "\n"))\n"
                            + KernelCluster.difference("node-1", expected: before, actual: after).joined(
                                separator: "\n")
                            + "\n\n\(describe())")
                }
            }
        }

        // MARK: - 4. kill -9, changed config, reconcile

        @Test(
            "kill -9, then node-2's block moves and a stale proto bird route appears: the restarted swiftletd keeps the previous run's routes while node-2 is down, removes the unwanted ones once node-2 sent End-of-RIB (well before the 120 s sweep time) and installs the new block",
            swiftletGate)
        func killedDaemonReconciles() async throws {
            try await withLab("kernel-kill9") { lab in
                var (cluster, daemons) = try await Self.startCluster(lab, sharedSubnet: true, vxlanMode: "Never")
                try await KernelCluster.requireConverged("plain routes", describe: { cluster.describe(daemons) }) {
                    try Self.routeProblems(cluster)
                }
                let n1 = cluster.hosts[0]
                let node2 = cluster.nodes[1]
                daemons[0].mainProcess?.signal(SIGKILL)
                let gone = await daemons[0].mainProcess?.waitExit() ?? true
                guard gone else { throw HarnessError("swiftletd node-1 survived SIGKILL") }
                daemons[1].stop()

                // The previous run's routes are still there; add one more of its protocol that nothing wants.
                let stale = "10.99.0.0/24"
                try Shell.check(["ip", "-n", n1.ns.name, "route", "add", stale, "via", node2.address, "proto", "bird"])
                let leftover = try Kernel.routes(n1.ns)
                // node-2's block moves from 10.244.0.64/26 to 10.244.0.128/26; both daemons get the new config.
                let newBlock = "10.244.0.128/26"
                let blocks = [(node: "node-1", cidr: cluster.nodes[0].block), (node: "node-2", cidr: newBlock)]
                for index in daemons.indices {
                    let host = cluster.hosts[index]
                    daemons[index] = try cluster.swiftlet(
                        host, config: cluster.config(for: host.node, vxlanMode: "Never", blocks: blocks))
                }

                // node-1 first: without End-of-RIB from node-2 it sweeps nothing (node-2's old block would be a
                // working route for all it knows).
                try await daemons[0].start()
                var now = leftover
                let kept = await Poll.holds(for: .seconds(3)) {
                    now = (try? Kernel.routes(n1.ns)) ?? []
                    return now == leftover && KernelSummary(daemons[0]).map { !$0.swept } ?? true
                }
                guard kept else {
                    let changes = KernelCluster.difference("node-1", expected: leftover, actual: now)
                    throw HarnessError(
                        "node-1 changed its previous routes before node-2's End-of-RIB:\n\(changes.joined(separator: "\n"))"
                            + "\n\(KernelSummary(daemons[0])?.description ?? "")\n\n\(cluster.describe(daemons))")
                }

                try await daemons[1].start()
                try await Self.requireMesh(cluster, daemons)
                cluster.hosts[1].node.block = newBlock
                // node-2's pod keeps its address from the old block, which makes it a borrowed address: node-2 learns
                // its kernel route and advertises it as a /32 (Calico's `protocol kernel { learn; }` and
                // calico_export_to_bgp_peers), so node-1 routes it via node-2 (KernelService's learned routes).
                let borrowed = "\(node2.pod) via \(node2.address) dev eth0 proto bird metric 1024"
                try await KernelCluster.requireConverged(
                    "routes after node-2's End-of-RIB", timeout: .seconds(30), stable: .seconds(2),
                    describe: { cluster.describe(daemons) }
                ) {
                    var problems: [String] = []
                    for (index, host) in cluster.hosts.enumerated() {
                        let expected = KernelCluster.expectedRoutes(on: host.node, others: cluster.nodes, vxlan: { _ in false })
                        problems += KernelCluster.difference(
                            "\(host.node.name) proto bird", expected: expected + (index == 0 ? [borrowed] : []),
                            actual: try Kernel.routes(host.ns))
                    }
                    return problems
                }
                let summary = KernelSummary(daemons[0])
                #expect(summary?.swept == true, "node-1 show kernel: \(summary?.description ?? "none")")
            }
        }

        // MARK: - 5. a foreign route

        @Test(
            "A proto static route with the key of a learned route (same prefix, metric 1024) stays as it is; swiftletd logs the prefix and `show kernel` reports it foreign; the rest is programmed and pods ping; once the static route is deleted swiftletd installs its own",
            swiftletGate)
        func foreignRouteLeftAlone() async throws {
            try await withLab("kernel-foreign") { lab in
                let foreignPrefix = KernelNode.standard(2, sharedSubnet: true).block
                let foreign = "\(foreignPrefix) via 10.0.1.3 dev eth0 proto static metric 1024"
                let (cluster, daemons) = try await Self.startCluster(lab, sharedSubnet: true, vxlanMode: "Never") {
                    cluster in
                    try Shell.check([
                        "ip", "-n", cluster.hosts[0].ns.name, "route", "add", foreignPrefix, "via", "10.0.1.3", "proto",
                        "static", "metric", "1024",
                    ])
                }
                let n1 = cluster.hosts[0]
                let describe = { cluster.describe(daemons) }
                // node-1: only its blackhole is proto bird, the static route is untouched; node-2 as usual.
                try await KernelCluster.requireConverged(
                    "routes beside a foreign one", stable: .seconds(3), describe: describe
                ) {
                    var problems = KernelCluster.difference(
                        "node-1 proto bird", expected: ["blackhole \(n1.node.block) proto bird metric 1024"],
                        actual: try Kernel.routes(n1.ns))
                    problems += KernelCluster.difference(
                        "node-1 \(foreignPrefix)", expected: [foreign],
                        actual: try Kernel.routes(n1.ns, exactly: foreignPrefix))
                    let n2 = cluster.hosts[1]
                    problems += KernelCluster.difference(
                        "node-2 proto bird",
                        expected: KernelCluster.expectedRoutes(
                            on: n2.node, others: cluster.nodes, vxlan: { _ in false }),
                        actual: try Kernel.routes(n2.ns))
                    return problems
                }
                // Logged above debug level (at debug, UPDATE traces mention every prefix anyway).
                let logged = await Poll.until(timeout: .seconds(10)) {
                    daemons[0].log.split(separator: "\n").contains {
                        $0.contains(foreignPrefix) && !$0.contains("level=debug") && !$0.contains("level=trace")
                    }
                }
                #expect(
                    logged, "swiftletd node-1's log never mentions \(foreignPrefix):\n\(daemons[0].log.suffix(3000))")
                let report = try daemons[0].ctl(["show", "kernel", foreignPrefix])
                let text = report.output.lowercased()
                #expect(report.ok, "show kernel \(foreignPrefix): \(report.output)")
                #expect(
                    text.contains(foreignPrefix) && (text.contains("foreign") || text.contains("not installed")),
                    "show kernel \(foreignPrefix) does not report it foreign / not installed:\n\(report.output)")
                try await Self.requirePodTraffic(cluster, describe: describe)

                // The foreign route goes: swiftletd takes the prefix (the route notification retries it).
                try Shell.check([
                    "ip", "-n", n1.ns.name, "route", "del", foreignPrefix, "proto", "static", "metric", "1024",
                ])
                try await KernelCluster.requireConverged(
                    "routes once the foreign one is gone", timeout: .seconds(10), describe: describe
                ) {
                    try Self.routeProblems(cluster)
                }
            }
        }
    }
}
