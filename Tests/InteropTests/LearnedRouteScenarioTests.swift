// SPDX-License-Identifier: Apache-2.0
// Kernel routes of other programs advertised the way calico/node's BIRD does (`protocol kernel { learn; }` and
// `calico_export_to_bgp_peers`): two Calico nodes as namespaces in a node-to-node mesh, swiftletd on each, and on
// node-1 the routes Felix would add, by hand with `ip route add … proto boot`:
//
//   - a pod on node-1 whose address is borrowed from node-2's block (10.244.0.100 in 10.244.0.64/26): node-2 installs
//     the /32 via node-1, pods on both nodes reach it, and when the route goes the /32 goes on node-2;
//   - a /32 inside node-1's own block with the normal metric (1024): withheld (`calico_aggr`), node-2 never has it;
//   - the same with an elevated metric (512, KubeVirt live migration): advertised with LOCAL_PREF 2147483647 − 512,
//     so node-2 installs it with metric 512.
//
// Skipped unless BGP_INTEROP=1 and root. Namespaces are the lab's ("swi-<pid>-<n>-…", tags "lr…").
import Foundation
import Testing

extension InteropScenarios {
    @Suite("swiftletd learned kernel routes", .serialized, .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"))
    struct LearnedRouteScenarioTests {
        static let borrowed = "10.244.0.100"
        static let ownNormal = "10.244.0.5"
        static let ownElevated = "10.244.0.6"
        static let serviceRange = "10.96.0.0/12"

        @Test(
            "A /32 borrowed from node-2's block on node-1 reaches node-2's kernel via node-1 and carries pod traffic; a normal /32 inside node-1's own block does not, an elevated one does with its metric; deleting them withdraws them",
            KernelScenarioTests.swiftletGate)
        func borrowedAddress() async throws {
            try await withLab("learned-routes") { lab in
                var nodes = [KernelNode.standard(1, sharedSubnet: true), KernelNode.standard(2, sharedSubnet: true)]
                for index in nodes.indices { nodes[index].tag = "lr\(index + 1)" }
                let cluster = try lab.kernelCluster(nodes)
                let n1 = cluster.hosts[0]
                let n2 = cluster.hosts[1]
                let borrowedPod = try lab.extraPod(on: n1, tag: "lrb", address: Self.borrowed, device: "cali9")
                let daemons = try cluster.hosts.map {
                    try cluster.swiftlet($0, config: cluster.config(for: $0.node, vxlanMode: "Never"))
                }
                for daemon in daemons { try await daemon.start() }
                try await KernelScenarioTests.requireMesh(cluster, daemons)
                let describe = { cluster.describe(daemons) }
                // Before anything is learned: the usual routes only (the pods' own routes, proto boot metric 0,
                // lie inside their nodes' blocks and stay unadvertised).
                try await KernelCluster.requireConverged("routes before", describe: describe) {
                    try KernelScenarioTests.routeProblems(cluster)
                }

                // The own-block /32s first, then the borrowed one: once node-2 has the borrowed /32, swiftletd on
                // node-1 has read a table that held all three.
                for (address, metric) in [(Self.ownNormal, "1024"), (Self.ownElevated, "512")] {
                    try Shell.check([
                        "ip", "-n", n1.ns.name, "route", "add", "\(address)/32", "dev", n1.podDevice, "proto", "boot",
                        "metric", metric,
                    ])
                }
                try Shell.check([
                    "ip", "-n", n1.ns.name, "route", "add", "\(Self.borrowed)/32", "dev", "cali9", "proto", "boot",
                    "metric", "1024",
                ])
                let learned = [
                    "\(Self.borrowed) via \(n1.node.address) dev eth0 proto bird metric 1024",
                    "\(Self.ownElevated) via \(n1.node.address) dev eth0 proto bird metric 512",
                ]
                try await KernelCluster.requireConverged("node-2 learns node-1's routes", describe: describe) {
                    var problems = KernelCluster.difference(
                        "node-2 proto bird",
                        expected: KernelCluster.expectedRoutes(on: n2.node, others: cluster.nodes, vxlan: { _ in false })
                            + learned,
                        actual: try Kernel.routes(n2.ns))
                    // node-1 installs nothing for its own originations.
                    problems += KernelCluster.difference(
                        "node-1 proto bird",
                        expected: KernelCluster.expectedRoutes(on: n1.node, others: cluster.nodes, vxlan: { _ in false }),
                        actual: try Kernel.routes(n1.ns))
                    return problems
                }
                #expect(try Kernel.routes(n2.ns, exactly: "\(Self.ownNormal)/32").isEmpty)

                // Pod traffic both ways through the borrowed /32: node-2's pod and node-1's own pod reach it.
                for pod in [n2.pod, n1.pod] {
                    let result = await Kernel.waitReaches(pod, Self.borrowed)
                    guard result.ok else {
                        throw HarnessError("\(pod.name) does not reach \(Self.borrowed):\n\(result.output)\n\n\(describe())")
                    }
                }
                let back = await Kernel.waitReaches(borrowedPod, n2.node.pod)
                #expect(back.ok, "the borrowed pod does not reach node-2's pod:\n\(back.output)")

                // `show route` on node-1 has the borrowed /32 as a local path; node-2 got it with LOCAL_PREF 100 and
                // the elevated one with 2147483647 − 512.
                let local = try daemons[0].ctl(["show", "route", "\(Self.borrowed)/32", "--json"])
                #expect(local.ok && local.stdout.contains("\"local\""), "node-1 show route: \(local.output)")
                let elevated = try daemons[1].ctl(["show", "route", "\(Self.ownElevated)/32", "--json"])
                #expect(elevated.stdout.contains("2147483135"), "node-2 show route: \(elevated.output)")

                // The routes go: so do node-2's.
                try Shell.check(["ip", "-n", n1.ns.name, "route", "del", "\(Self.borrowed)/32", "dev", "cali9"])
                try Shell.check([
                    "ip", "-n", n1.ns.name, "route", "del", "\(Self.ownElevated)/32", "dev", n1.podDevice,
                ])
                try await KernelCluster.requireConverged(
                    "node-2 drops the withdrawn routes", timeout: .seconds(15), describe: describe
                ) {
                    try KernelScenarioTests.routeProblems(cluster)
                }
            }
        }

        @Test(
            "A borrowed /32 already in node-1's kernel when swiftletd starts is advertised from the start, and stays through a reload",
            KernelScenarioTests.swiftletGate)
        func borrowedBeforeStart() async throws {
            try await withLab("learned-routes-start") { lab in
                var nodes = [KernelNode.standard(1, sharedSubnet: true), KernelNode.standard(2, sharedSubnet: true)]
                for index in nodes.indices { nodes[index].tag = "lr\(index + 1)" }
                let cluster = try lab.kernelCluster(nodes)
                let n1 = cluster.hosts[0]
                let n2 = cluster.hosts[1]
                _ = try lab.extraPod(on: n1, tag: "lrb", address: Self.borrowed, device: "cali9")
                try Shell.check([
                    "ip", "-n", n1.ns.name, "route", "add", "\(Self.borrowed)/32", "dev", "cali9", "proto", "boot",
                ])
                let daemons = try cluster.hosts.map {
                    try cluster.swiftlet($0, config: cluster.config(for: $0.node, vxlanMode: "Never"))
                }
                for daemon in daemons { try await daemon.start() }
                try await KernelScenarioTests.requireMesh(cluster, daemons)
                let describe = { cluster.describe(daemons) }
                let expected =
                    KernelCluster.expectedRoutes(on: n2.node, others: cluster.nodes, vxlan: { _ in false })
                    + ["\(Self.borrowed) via \(n1.node.address) dev eth0 proto bird metric 1024"]
                try await KernelCluster.requireConverged("node-2 learns the borrowed /32", describe: describe) {
                    KernelCluster.difference("node-2 proto bird", expected: expected, actual: try Kernel.routes(n2.ns))
                }
                // A reload that changes node-1's configured originations (a service range): the learned /32 must
                // survive it, next to the new range.
                var changed = cluster.config(for: n1.node, vxlanMode: "Never")
                changed.configurationSpec.append("serviceClusterIPs: [{cidr: \(Self.serviceRange)}]")
                try changed.yaml.write(to: daemons[0].configFile, atomically: true, encoding: .utf8)
                let reload = try daemons[0].ctl(["reload"])
                #expect(reload.ok, "reload: \(reload.output)")
                let rangeArrived = await Poll.until(timeout: .seconds(15)) {
                    (try? daemons[1].ctl(["show", "route", Self.serviceRange]))?.stdout.contains(Self.serviceRange) ?? false
                }
                #expect(rangeArrived, "node-2 never got \(Self.serviceRange) after node-1's reload:\n\(describe())")
                try await KernelCluster.requireConverged(
                    "node-2 keeps the borrowed /32 after node-1's reload", stable: .seconds(3), describe: describe
                ) {
                    // node-2's own configuration has no service range, so it installs node-1's like any other route.
                    KernelCluster.difference(
                        "node-2 proto bird",
                        expected: expected + ["\(Self.serviceRange) via \(n1.node.address) dev eth0 proto bird metric 1024"],
                        actual: try Kernel.routes(n2.ns))
                }
                let result = await Kernel.waitReaches(n2.pod, Self.borrowed)
                #expect(result.ok, "node-2's pod does not reach \(Self.borrowed):\n\(result.output)")
            }
        }
    }
}
