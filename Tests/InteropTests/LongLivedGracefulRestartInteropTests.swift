// SPDX-License-Identifier: Apache-2.0
// Swiftlet as long-lived graceful restart helper for FRR (RFC 9494 §4.2): two Calico nodes as namespaces
// (Support/KernelLab.swift); node-1 runs swiftletd, node-2 runs FRR (iBGP, the mesh session) with a 3 s graceful
// restart time and a 60 s long-lived stale time (`bgp long-lived-graceful-restart stale-time 60`), announcing
// node-2's block and 10.99.7.0/24. bgpd is SIGKILLed (no NOTIFICATION) and stays down for 8 s, well past its restart
// time; then it starts again without 10.99.7.0/24.
//
// Checked: node-1's kernel keeps node-2's block every 100 ms through the whole outage (without LLGR it would go at
// 3 s: the test can fail); `show route … detail` says "graceful restart" first and "LLGR stale" after the restart time,
// with LLGR_STALE (65535:6) attached, and `show protocols` says "Long-lived graceful restart"; after FRR's End-of-RIB
// 10.99.7.0/24 is gone and node-2's block is fresh again (no LLGR_STALE). The other way round: swiftletd offers a
// long-lived stale time (`longLivedGracefulRestart`) and is SIGKILLed; FRR keeps its block as llgr-stale past the
// restart time, and the restarted swiftletd (--graceful-restart) holds its UPDATEs until FRR's End-of-RIB.
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension InteropScenarios {
    @Suite(
        "Long-lived graceful restart helper: FRR restarts", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"))
    struct LongLivedGracefulRestartInteropTests {
        typealias Scenario = InteropScenarios.KernelScenarioTests
        static let dropped = "10.99.7.0/24"

        static func frrConfig(_ node: KernelNode, peer: KernelNode, announceDropped: Bool) -> String {
            """
            frr defaults traditional
            hostname \(node.name)
            log stdout informational
            router bgp \(KernelCluster.asNumber)
             bgp router-id \(node.address)
             no bgp ebgp-requires-policy
             no bgp network import-check
             bgp graceful-restart
             bgp graceful-restart preserve-fw-state
             bgp graceful-restart restart-time 3
             bgp long-lived-graceful-restart stale-time 60
             neighbor \(peer.address) remote-as \(KernelCluster.asNumber)
             neighbor \(peer.address) timers 3 9
             neighbor \(peer.address) timers connect 2
             neighbor \(peer.address) update-source \(node.address)
             address-family ipv4 unicast
              network \(node.block)
            \(announceDropped ? "  network \(dropped)\n" : "")  neighbor \(peer.address) activate
             exit-address-family

            """
        }

        @Test(
            "FRR with a 3 s restart time and a 60 s long-lived stale time, bgpd down for 8 s: its block stays in swiftletd's kernel, LLGR stale after 3 s, swept of what FRR no longer announces at its End-of-RIB",
            Scenario.swiftletGate)
        func frrLongLived() async throws {
            try await withLab("llgr-helper-frr", prefix: "swg-\(getpid())-") { lab in
                let cluster = try lab.kernelCluster([.standard(1, sharedSubnet: true), .standard(2, sharedSubnet: true)])
                let (n1, n2) = (cluster.hosts[0], cluster.hosts[1])
                let swiftlet = try cluster.swiftlet(n1, config: cluster.config(for: n1.node, vxlanMode: "Never"))
                try await swiftlet.start()
                let frr = try FRRDaemon(n2.ns, config: Self.frrConfig(n2.node, peer: n1.node, announceDropped: true))
                try await frr.start()
                let describe = {
                    cluster.describe([swiftlet]) + "\n=== FRR\n" + frr.describe(peer: n1.node.address)
                }
                guard await swiftlet.waitEstablished(peer: n2.node.address, timeout: .seconds(30)) else {
                    throw HarnessError("node-1 ↔ FRR not Established\n\(describe())")
                }
                let detail = { (prefix: String) in
                    (try? swiftlet.ctl(["show", "route", prefix, "detail"]).stdout) ?? ""
                }
                guard await Poll.until(timeout: .seconds(30), every: .milliseconds(100), { detail(Self.dropped).contains("via") })
                else { throw HarnessError("node-1 never learned \(Self.dropped)\n\(describe())") }
                let negotiated = (try? swiftlet.ctl(["show", "protocols", "all"]).stdout) ?? ""

                let recorder = RouteRecorder(n1.ns, proto: "bird")
                let killedAt = recorder.now
                _ = try lab.write("\(n2.ns.name)-frr.conf", Self.frrConfig(n2.node, peer: n1.node, announceDropped: false))
                frr.bgpd?.signal(SIGKILL)
                guard await frr.bgpd?.waitExit(timeout: .seconds(10)) ?? true else {
                    throw HarnessError("bgpd survived SIGKILL\n\(describe())")
                }
                guard await swiftlet.waitNotEstablished(peer: n2.node.address, timeout: .seconds(15)) else {
                    throw HarnessError("node-1 never saw the session to FRR go down\n\(describe())")
                }
                let duringRestartTime = detail(n2.node.block)
                // Past the 3 s restart time: the long-lived phase (bounded poll, not a sleep).
                let longLived = await Poll.until(timeout: .seconds(10), every: .milliseconds(100)) {
                    detail(n2.node.block).contains("LLGR stale")
                }
                let longLivedDetail = detail(n2.node.block)
                let protocols = (try? swiftlet.ctl(["show", "protocols"]).stdout) ?? ""
                // Stay down well past the restart time, then come back without the dropped prefix.
                _ = await Poll.until(timeout: .seconds(8), every: .milliseconds(200)) { recorder.now - killedAt >= .seconds(8) }
                try await frr.startBGPD()
                guard await swiftlet.waitEstablished(peer: n2.node.address, timeout: .seconds(30)) else {
                    throw HarnessError("node-1 ↔ FRR not Established after the restart\n\(describe())")
                }
                let swept = await Poll.until(timeout: .seconds(30), every: .milliseconds(100)) {
                    !detail(Self.dropped).contains("via") && !detail(n2.node.block).contains("stale")
                }
                let samples = await recorder.stop()
                let gaps = RouteRecorder.gaps(samples, prefix: n2.node.block, in: killedAt...samples.last!.at)
                let summary = """
                    block missing in \(gaps.count) of \(samples.count) samples; longest spacing \
                    \(Measure.s(RouteRecorder.maxSpacing(samples))) s
                    negotiated:
                    \(negotiated)
                    during the restart time:
                    \(duringRestartTime)
                    long-lived:
                    \(longLivedDetail)
                    show protocols:
                    \(protocols)
                    log:
                    \(Measure.logLines(swiftlet.log, containing: ["graceful restart", "End-of-RIB"]).joined(separator: "\n"))
                    """
                print(summary)
                Measure.record(
                    "llgr-helper-frr",
                    ["node1_samples_without_node2_block": "\(gaps.count)", "samples": "\(samples.count)"])
                #expect(negotiated.contains("long-lived-graceful-restart"), "\(summary)")
                #expect(duringRestartTime.contains("graceful restart (RFC 4724)"), "\(summary)")
                #expect(longLived, "never LLGR stale: \(summary)")
                #expect(longLivedDetail.contains("(65535,6)"), "no LLGR_STALE community: \(summary)")
                #expect(protocols.contains("Long-lived graceful restart"), "\(summary)")
                #expect(gaps.isEmpty, "node-1 lost node-2's block at \(gaps): \(summary)")
                #expect(swept, "\(Self.dropped) not swept or the block still stale after End-of-RIB: \(summary)\n\(describe())")
            }
        }

        @Test(
            "swiftletd offers a 60 s long-lived stale time with a 2 s restart time; SIGKILLed, FRR keeps its block as llgr-stale; restarted with --graceful-restart it advertises only after FRR's End-of-RIB (RFC 4724 §4.1) and the block is fresh again",
            Scenario.swiftletGate)
        func swiftletLongLived() async throws {
            try await withLab("llgr-restart-frr", prefix: "swg-\(getpid())-") { lab in
                let cluster = try lab.kernelCluster([.standard(1, sharedSubnet: true), .standard(2, sharedSubnet: true)])
                // swiftletd on the node with the higher address: Calico's mesh leaves the lower one passive, and FRR
                // does not connect to a peer it helps through a restart ("NSF passive"), so it must be swiftletd that
                // reconnects.
                let (n2, n1) = (cluster.hosts[0], cluster.hosts[1])
                var config = cluster.config(for: n1.node, vxlanMode: "Never")
                config.configurationSpec += ["nodeMeshMaxRestartTime: 2s", "longLivedGracefulRestart: {staleTime: 60s}"]
                let swiftlet = try cluster.swiftlet(n1, config: config)
                try await swiftlet.start()
                let frr = try FRRDaemon(n2.ns, config: Self.frrConfig(n2.node, peer: n1.node, announceDropped: false))
                try await frr.start()
                let describe = {
                    cluster.describe([swiftlet]) + "\n=== FRR\n" + frr.describe(peer: n1.node.address)
                }
                guard await swiftlet.waitEstablished(peer: n2.node.address, timeout: .seconds(30)) else {
                    throw HarnessError("node-1 ↔ FRR not Established\n\(describe())")
                }
                let route = { (try? frr.vtysh("show bgp ipv4 unicast \(n1.node.block) json")) ?? "" }
                guard await Poll.until(timeout: .seconds(30), every: .milliseconds(100), { route().contains(n1.node.address) })
                else { throw HarnessError("FRR never learned node-1's block\n\(describe())") }
                let neighbor = frr.describe(peer: n1.node.address)

                swiftlet.mainProcess?.signal(SIGKILL)
                guard await swiftlet.mainProcess?.waitExit() ?? true else { throw HarnessError("swiftletd survived SIGKILL") }
                // Past node-1's 2 s restart time FRR moves the block to its long-lived phase.
                let longLived = await Poll.until(timeout: .seconds(15), every: .milliseconds(200)) {
                    route().contains("llgr-stale")
                }
                let longLivedRoute = route()
                swiftlet.extraArguments = ["--graceful-restart"]
                try await swiftlet.start()
                guard await swiftlet.waitEstablished(peer: n2.node.address, timeout: .seconds(30)) else {
                    throw HarnessError("node-1 ↔ FRR not Established after the restart\n\(describe())")
                }
                let fresh = await Poll.until(timeout: .seconds(30), every: .milliseconds(200)) {
                    let now = route()
                    return now.contains(n1.node.address) && !now.contains("llgr-stale")
                }
                let log = Measure.logLines(swiftlet.log, containing: ["graceful restart", "End-of-RIB", "restart:", "deferred"])
                let summary = """
                    FRR's neighbor before the kill:
                    \(neighbor)
                    FRR's route while node-1 was down:
                    \(longLivedRoute)
                    FRR's route at the end:
                    \(route())
                    node-1 log:
                    \(log.joined(separator: "\n"))
                    """
                print(summary)
                #expect(neighbor.contains("Long-lived Graceful Restart"), "\(summary)")
                #expect(longLived, "FRR never marked node-1's block llgr-stale: \(summary)\n\(describe())")
                #expect(fresh, "node-1's block not fresh at FRR after the restart: \(summary)\n\(describe())")
                #expect(log.contains { $0.contains("initial table and End-of-RIB deferred") }, "\(summary)")
                #expect(log.contains { $0.contains("advertisement resumes (every expected peer sent End-of-RIB)") }, "\(summary)")
            }
        }
    }
}
