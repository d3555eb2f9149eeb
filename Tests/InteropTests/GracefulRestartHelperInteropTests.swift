// SPDX-License-Identifier: Apache-2.0
// Swiftlet as graceful restart helper for BIRD and FRR (issue #8 "Must show" (c), RFC 4724 §4.2): two Calico nodes as
// namespaces with a pod each (Support/KernelLab.swift); node-1 runs swiftletd, node-2 runs BIRD 2 or FRR in its place
// (iBGP AS 64512, the node-to-node mesh session), announcing node-2's block 10.244.0.64/26 and one more prefix,
// 10.99.7.0/24. node-1's pod pings node-2's pod every 10 ms while the peer restarts gracefully with a config that no
// longer announces 10.99.7.0/24:
//
//   BIRD: `graceful restart on;` on the BGP protocol; `birdc graceful restart` (closes the sessions without
//         NOTIFICATION, exits), then `bird -R` (recovery: R bit, End-of-RIB once Swiftlet's arrived). node-2's own
//         kernel routes survive by `protocol kernel { persist; graceful restart; }`.
//   FRR:  `bgp graceful-restart` and `bgp graceful-restart preserve-fw-state` (F bit); bgpd is SIGKILLed (no
//         NOTIFICATION) and started again while zebra keeps running: zebra keeps bgpd's routes because bgpd told it
//         it does graceful restart (no `-K`/`-r` needed when only bgpd restarts).
//
// Checked in node-1's kernel every 100 ms: node-2's block is never missing, 10.99.7.0/24 stays until the peer is back
// and is removed only after its End-of-RIB; no ping is lost. The contrast: the peer without graceful restart (BIRD
// `graceful restart off;`, FRR `bgp graceful-restart-disable`) and the same restart: Swiftlet removes the peer's
// routes when the session ends and pings are lost (the test can fail).
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The scenario, shared by the BIRD and the FRR suite (two suites: each stays under CI's ~90 s per suite).
enum GracefulRestartHelperScenario {
    typealias Scenario = InteropScenarios.KernelScenarioTests
    /// Announced by the peer before its restart only.
    static let dropped = "10.99.7.0/24"

    enum Peer: String { case bird, frr }

    struct Outcome {
        var sent: Int
        var received: Int
        /// node-1's samples without node-2's block (from the restart on).
        var blockGaps: [Duration]
        /// node-1's samples without the dropped prefix before swiftletd logged the peer's End-of-RIB sweep (all of
        /// them if it logged none).
        var droppedGapsBeforeSweep: [Duration]
        /// When swiftletd logged "kept stale" and the End-of-RIB sweep (node-1 recorder time).
        var keptStaleAt: Duration?
        var sweptAt: Duration?
        /// Whether node-1 still has the dropped prefix at the end.
        var droppedAtEnd: Bool
        /// node-2's samples without node-1's block (the peer's own forwarding state).
        var peerGaps: [Duration]
        /// The longest time between two kernel samples of either recorder.
        var sampleSpacing: Duration
        var summary: String
    }

    // MARK: peer configs

    static func birdConfig(_ node: KernelNode, peer: KernelNode, gracefulRestart: Bool, announceDropped: Bool)
        -> String
    {
        """
        router id \(node.address);
        protocol device { scan time 10; }
        # node-2's forwarding state: routes learned from Swiftlet go to the kernel and survive BIRD's restart.
        protocol kernel {
            ipv4 { import none; export all; };
            persist;
            graceful restart;
            scan time 10;
        }
        protocol static pods {
            ipv4;
            route \(node.block) blackhole;
            \(announceDropped ? "route \(dropped) blackhole;" : "")
        }
        protocol bgp node1 {
            local \(node.address) as \(KernelCluster.asNumber);
            neighbor \(peer.address) as \(KernelCluster.asNumber);
            direct;
            hold time 9;
            keepalive time 3;
            connect delay time 1;
            connect retry time 2;
            error wait time 1, 4;
            graceful restart \(gracefulRestart ? "on" : "off");
            ipv4 { import all; export where proto = "pods"; next hop self; };
        }

        """
    }

    static func frrConfig(_ node: KernelNode, peer: KernelNode, gracefulRestart: Bool, announceDropped: Bool)
        -> String
    {
        let gr =
            gracefulRestart
            ? " bgp graceful-restart\n bgp graceful-restart preserve-fw-state\n" : " bgp graceful-restart-disable\n"
        return """
            frr defaults traditional
            hostname \(node.name)
            log stdout informational
            router bgp \(KernelCluster.asNumber)
             bgp router-id \(node.address)
             no bgp ebgp-requires-policy
             no bgp network import-check
            \(gr) neighbor \(peer.address) remote-as \(KernelCluster.asNumber)
             neighbor \(peer.address) timers 3 9
             neighbor \(peer.address) timers connect 2
             neighbor \(peer.address) update-source \(node.address)
             address-family ipv4 unicast
              network \(node.block)
            \(announceDropped ? "  network \(dropped)\n" : "") neighbor \(peer.address) activate
             exit-address-family

            """
    }

    // MARK: the scenario

    /// swiftletd on node-1, `peer` on node-2; node-1's pod pings node-2's pod at 10 ms while the peer restarts
    /// (with or without graceful restart) and comes back without the dropped prefix.
    static func peerRestart(_ lab: Lab, peer: Peer, gracefulRestart: Bool) async throws -> Outcome {
        let label = "\(peer.rawValue)-\(gracefulRestart ? "gr" : "plain")"
        let cluster = try lab.kernelCluster([.standard(1, sharedSubnet: true), .standard(2, sharedSubnet: true)])
        let (n1, n2) = (cluster.hosts[0], cluster.hosts[1])
        let swiftlet = try cluster.swiftlet(n1, config: cluster.config(for: n1.node, vxlanMode: "Never"))
        try await swiftlet.start()

        let bird: BirdDaemon?
        let frr: FRRDaemon?
        let peerProto: String
        switch peer {
        case .bird:
            bird = try BirdDaemon(
                n2.ns, name: "bird-n2",
                config: birdConfig(n2.node, peer: n1.node, gracefulRestart: gracefulRestart, announceDropped: true))
            frr = nil
            peerProto = "bird"
            try await bird?.start()
        case .frr:
            bird = nil
            frr = try FRRDaemon(
                n2.ns,
                config: frrConfig(n2.node, peer: n1.node, gracefulRestart: gracefulRestart, announceDropped: true))
            peerProto = "bgp"
            try await frr?.start()
        }
        let peerDescribe = { bird?.describe(peer: "node1") ?? frr?.describe(peer: n1.node.address) ?? "" }
        let describe = { cluster.describe([swiftlet]) + "\n=== peer\n" + peerDescribe() }
        guard await swiftlet.waitEstablished(peer: n2.node.address, timeout: .seconds(30)) else {
            throw HarnessError("node-1 ↔ \(peer) not Established\n\(describe())")
        }
        // node-1 routes node-2's block and the dropped prefix via node-2; node-2 routes node-1's block via node-1.
        let viaPeer = { (prefix: String) in "\(prefix) via \(n2.node.address) dev eth0 proto bird metric 1024" }
        try await KernelCluster.requireConverged("routes before the restart", describe: describe) {
            var problems = KernelCluster.difference(
                "node-1 proto bird",
                expected: [
                    "blackhole \(n1.node.block) proto bird metric 1024", viaPeer(n2.node.block), viaPeer(dropped),
                ],
                actual: try Kernel.routes(n1.ns))
            if !(try Kernel.routes(n2.ns, proto: peerProto)).contains(where: {
                RouteRecorder.isRoute($0, for: n1.node.block)
            }) {
                problems.append("node-2 (\(peer)) has no route for node-1's block \(n1.node.block)")
            }
            return problems
        }
        try await Scenario.requirePodTraffic(cluster, describe: describe)

        let swiftletKernel = RouteRecorder(n1.ns, proto: "bird")
        let peerKernel = RouteRecorder(n2.ns, proto: peerProto)
        let ping = try PodPing.start(n1.pod, to: n2.node.pod, name: "ping-\(label)")

        // The restart, with the new config (no dropped prefix).
        let stoppedAt = swiftletKernel.now
        switch peer {
        case .bird:
            guard let bird else { break }
            _ = try lab.write(
                "\(bird.name).conf",
                birdConfig(n2.node, peer: n1.node, gracefulRestart: gracefulRestart, announceDropped: false))
            let answer = try bird.birdc(["graceful", "restart"])
            guard await bird.mainProcess?.waitExit(timeout: .seconds(10)) ?? true else {
                throw HarnessError("BIRD did not exit after `graceful restart` (\(answer))\n\(describe())")
            }
        case .frr:
            guard let frr else { break }
            _ = try lab.write(
                "\(n2.ns.name)-frr.conf",
                frrConfig(n2.node, peer: n1.node, gracefulRestart: gracefulRestart, announceDropped: false))
            frr.bgpd?.signal(SIGKILL)
            guard await frr.bgpd?.waitExit(timeout: .seconds(10)) ?? true else {
                throw HarnessError("bgpd survived SIGKILL\n\(describe())")
            }
        }
        let exitedAt = swiftletKernel.now
        guard await swiftlet.waitNotEstablished(peer: n2.node.address, timeout: .seconds(15)) else {
            throw HarnessError("node-1 never saw the session to \(peer) go down\n\(describe())")
        }
        let downAt = swiftletKernel.now
        let downState = swiftlet.describe(peer: n2.node.address)
        switch peer {
        case .bird:
            bird?.extraArguments = ["-R"]
            try await bird?.start()
        case .frr:
            try await frr?.startBGPD()
        }
        let restartedAt = swiftletKernel.now
        guard await swiftlet.waitEstablished(peer: n2.node.address, timeout: .seconds(30)) else {
            throw HarnessError("node-1 ↔ \(peer) not Established after the restart\n\(describe())")
        }
        let upAt = swiftletKernel.now
        // The dropped prefix goes at the peer's End-of-RIB (both cases: without graceful restart it went already).
        let gone = await Poll.until(timeout: .seconds(30), every: .milliseconds(100)) {
            !((try? Kernel.routes(n1.ns)) ?? []).contains { RouteRecorder.isRoute($0, for: dropped) }
        }
        let goneAt = swiftletKernel.now
        guard gone else { throw HarnessError("node-1 never removed \(dropped)\n\(describe())") }
        // node-1's pod reaches node-2's pod again before the ping ends (also in the plain case).
        let (sent, received) = try await ping.finish()
        let samples = await swiftletKernel.stop()
        let peerSamples = await peerKernel.stop()

        let log = Measure.logLines(swiftlet.log, containing: ["graceful restart", "End-of-RIB"])
        let keptStaleAt = Measure.logTime(
            swiftlet.log, ["graceful restart:", "kept stale"], after: swiftletKernel.startedDate
        ).map(swiftletKernel.at)
        let sweptAt = Measure.logTime(
            swiftlet.log, ["End-of-RIB for", "stale paths swept"], after: swiftletKernel.startedDate
        ).map(swiftletKernel.at)
        // The session as swiftletd logged it (the polls above see it up to 200 ms late).
        let downDate = Measure.logTime(swiftlet.log, ["session down"], after: swiftletKernel.startedDate)
        let upLogged = downDate.flatMap { Measure.logTime(swiftlet.log, ["session established"], after: $0) }
            .map(swiftletKernel.at)
        let downLogged = downDate.map(swiftletKernel.at)
        let firstDroppedAbsence = RouteRecorder.firstAbsence(samples, prefix: dropped, after: stoppedAt)
        let blockGaps = RouteRecorder.gaps(samples, prefix: n2.node.block, in: stoppedAt...samples.last!.at)
        let summary = """
            \(label): \(sent) sent, \(received) received; (node-1 recorder time) peer stopped at \
            \(Measure.s(stoppedAt)) s, exited at \(Measure.s(exitedAt)), node-1 saw the session down at \
            \(Measure.s(downAt)), peer started at \(Measure.s(restartedAt)), Established at \(Measure.s(upAt)) \
            (logged: down \(Measure.s(downLogged)), \
            up \(Measure.s(upLogged))), \(dropped) first missing at \
            \(Measure.s(firstDroppedAbsence)), gone by the poll at \(Measure.s(goneAt)); node-2's block missing in \
            \(blockGaps.count) of \(samples.count) samples; swiftletd logged "kept stale" at \
            \(Measure.s(keptStaleAt)), the End-of-RIB sweep at \(Measure.s(sweptAt)) (node-2: \(peerSamples.count); \
            longest spacing \
            \(Measure.s(max(RouteRecorder.maxSpacing(samples), RouteRecorder.maxSpacing(peerSamples)))) s)
            node-1's routes: \(n2.node.block) \(RouteRecorder.transitions(samples, prefix: n2.node.block)); \
            \(dropped) \(RouteRecorder.transitions(samples, prefix: dropped))
            node-2's route for \(n1.node.block): \(RouteRecorder.transitions(peerSamples, prefix: n1.node.block))
            node-1 while the peer was down:
            \(downState)
            node-1 log:
            \(log.joined(separator: "\n"))
            """
        print(summary)
        Measure.record(
            "helper-\(label)",
            [
                "sent": "\(sent)", "lost": "\(sent - received)",
                "session_down_s": Measure.s(upLogged.flatMap { up in downLogged.map { up - $0 } }),
                "stale_s": Measure.s(sweptAt.flatMap { swept in keptStaleAt.map { swept - $0 } }),
                "sweep_after_up_s": Measure.s(sweptAt.flatMap { swept in upLogged.map { swept - $0 } }),
                "dropped_gone_after_down_s": Measure.s(
                    firstDroppedAbsence.flatMap { gone in downLogged.map { gone - $0 } }),
                "node1_samples_without_node2_block": "\(blockGaps.count)",
            ])
        return Outcome(
            sent: sent, received: received, blockGaps: blockGaps,
            droppedGapsBeforeSweep: RouteRecorder.gaps(
                samples, prefix: dropped, in: .zero...((sweptAt ?? samples.last!.at) - .milliseconds(20))),
            keptStaleAt: keptStaleAt, sweptAt: sweptAt,
            droppedAtEnd: samples.last.map { $0.routes.contains { RouteRecorder.isRoute($0, for: dropped) } } ?? true,
            peerGaps: RouteRecorder.gaps(peerSamples, prefix: n1.node.block),
            sampleSpacing: max(RouteRecorder.maxSpacing(samples), RouteRecorder.maxSpacing(peerSamples)),
            summary: summary)
    }

    static func expectGraceful(_ outcome: Outcome, _ peer: Peer) {
        #expect(outcome.sent > 0 && outcome.received == outcome.sent, "\(outcome.summary)")
        #expect(outcome.sampleSpacing < .seconds(1), "the kernel recorders fell behind: \(outcome.summary)")
        #expect(outcome.blockGaps.isEmpty, "node-1 lost node-2's block (\(peer)) at \(outcome.blockGaps)")
        #expect(outcome.keptStaleAt != nil && outcome.sweptAt != nil, "\(outcome.summary)")
        #expect(
            outcome.droppedGapsBeforeSweep.isEmpty,
            "node-1 removed \(dropped) before \(peer)'s End-of-RIB: \(outcome.droppedGapsBeforeSweep)")
        #expect(!outcome.droppedAtEnd, "node-1 kept \(dropped), which \(peer) no longer announces")
        #expect(outcome.peerGaps.isEmpty, "\(peer) lost node-1's block in its kernel at \(outcome.peerGaps)")
    }

    static func expectLoss(_ outcome: Outcome, _ peer: Peer) {
        #expect(outcome.sent > 0 && outcome.received < outcome.sent, "\(outcome.summary)")
        #expect(!outcome.blockGaps.isEmpty, "node-1 kept node-2's block without graceful restart: \(outcome.summary)")
        #expect(outcome.keptStaleAt == nil, "swiftletd kept \(peer)'s routes stale: \(outcome.summary)")
    }
}

extension InteropScenarios {
    @Suite(
        "Graceful restart helper: BIRD restarts", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"))
    struct GracefulRestartHelperBirdTests {
        typealias Helper = GracefulRestartHelperScenario

        @Test(
            "BIRD with graceful restart on restarts gracefully (birdc graceful restart, bird -R): its routes stay in swiftletd's kernel, the one it no longer announces goes after its End-of-RIB, a 10 ms ping between the pods loses nothing",
            Helper.Scenario.swiftletGate)
        func birdRestartsGracefully() async throws {
            try await withLab("gr-helper-bird", prefix: Lab.restartPrefix) { lab in
                Helper.expectGraceful(try await Helper.peerRestart(lab, peer: .bird, gracefulRestart: true), .bird)
            }
        }

        @Test(
            "BIRD with graceful restart off, the same restart: swiftletd removes its routes when the session ends and pings are lost (the test can fail)",
            Helper.Scenario.swiftletGate)
        func birdWithoutGracefulRestartLoses() async throws {
            try await withLab("gr-helper-bird-plain", prefix: Lab.restartPrefix) { lab in
                Helper.expectLoss(try await Helper.peerRestart(lab, peer: .bird, gracefulRestart: false), .bird)
            }
        }
    }
}

extension InteropScenarios {
    @Suite(
        "Graceful restart helper: FRR restarts", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"))
    struct GracefulRestartHelperFRRTests {
        typealias Helper = GracefulRestartHelperScenario

        @Test(
            "FRR with bgp graceful-restart and preserve-fw-state, bgpd SIGKILLed and started again (zebra keeps running): its routes stay in swiftletd's kernel, the one it no longer announces goes after its End-of-RIB, a 10 ms ping loses nothing",
            Helper.Scenario.swiftletGate)
        func frrRestartsGracefully() async throws {
            try await withLab("gr-helper-frr", prefix: Lab.restartPrefix) { lab in
                Helper.expectGraceful(try await Helper.peerRestart(lab, peer: .frr, gracefulRestart: true), .frr)
            }
        }

        @Test(
            "FRR with bgp graceful-restart-disable, the same bgpd restart: swiftletd removes its routes and pings are lost (the test can fail)",
            Helper.Scenario.swiftletGate)
        func frrWithoutGracefulRestartLoses() async throws {
            try await withLab("gr-helper-frr-plain", prefix: Lab.restartPrefix) { lab in
                Helper.expectLoss(try await Helper.peerRestart(lab, peer: .frr, gracefulRestart: false), .frr)
            }
        }
    }
}
