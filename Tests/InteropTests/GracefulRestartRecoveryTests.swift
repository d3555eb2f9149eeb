// SPDX-License-Identifier: Apache-2.0
// Graceful restart after a crash (issue #8 "Must show" (b), RFC 4724): two Calico nodes as namespaces with a pod each
// and a swiftletd per node in a mesh (Support/KernelLab.swift). node-2's pod pings node-1's pod every 10 ms while
// node-1's swiftletd is SIGKILLed and started again with `--graceful-restart` (recovery: R bit in its OPENs).
//
// What protects the traffic after SIGKILL: the kernel closes node-1's TCP connections (no NOTIFICATION), so node-2,
// the helper, keeps node-1's block installed as a stale route for node-1's restart time (120 s) until node-1's
// End-of-RIB; node-1's own kernel routes (proto bird) outlive the process, and the restarted swiftletd deletes none
// of them before every peer's End-of-RIB. The test checks both kernels in the background every 100 ms, not just the
// ping. The contrast: node-1 announces restart time 0 (`nodeMeshMaxRestartTime: 0s`, RFC 4724 §3: no time to come
// back), so node-2 removes node-1's block when the connection drops and pings are lost until the session is back.
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension InteropScenarios {
    @Suite(
        "Graceful restart recovery after SIGKILL", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"))
    struct GracefulRestartRecoveryTests {
        typealias Scenario = KernelScenarioTests
        /// A proto bird route left by the killed run that nobody announces.
        static let leftover = "10.99.9.0/24"

        struct Outcome {
            var sent: Int
            var received: Int
            /// node-2's samples without node-1's block / node-1's samples without node-2's block or its own blackhole.
            var helperGaps: [Duration]
            var restarterGaps: [Duration]
            /// node-1's proto bird deletions seen by `ip monitor route` from before the kill until the end.
            var restarterDeletions: [String]
            /// node-1's samples without the previous run's leftover route before node-1 logged its sweep (all of them
            /// if it logged none), and whether the leftover is still there at the end.
            var leftoverGapsBeforeSweep: [Duration]
            var leftoverAtEnd: Bool
            /// node-2 logged "kept stale" / its End-of-RIB sweep.
            var helperKeptStale: Bool
            var helperSwept: Bool
            /// The longest time between two kernel samples of either recorder.
            var sampleSpacing: Duration
            var summary: String
        }

        /// Builds the cluster, pings node-1's pod from node-2's pod at 10 ms across SIGKILL and restart of node-1's
        /// swiftletd with `--graceful-restart`; `restartTime` is node-1's `nodeMeshMaxRestartTime` (nil: 120 s).
        static func killAndRecover(_ lab: Lab, restartTime: Int?, label: String) async throws -> Outcome {
            let cluster = try lab.kernelCluster([.standard(1, sharedSubnet: true), .standard(2, sharedSubnet: true)])
            let daemons = try cluster.hosts.map { host in
                var config = cluster.config(for: host.node, vxlanMode: "Never")
                if host.node.name == "node-1", let restartTime {
                    config.configurationSpec.append("nodeMeshMaxRestartTime: \(restartTime)s")
                }
                return try cluster.swiftlet(host, config: config)
            }
            for daemon in daemons { try await daemon.start() }
            let describe = { cluster.describe(daemons) }
            try await Scenario.requireMesh(cluster, daemons)
            try await KernelCluster.requireConverged("plain routes", describe: describe) {
                try Scenario.routeProblems(cluster)
            }
            try await Scenario.requirePodTraffic(cluster, describe: describe)
            let (n1, n2) = (cluster.hosts[0], cluster.hosts[1])
            let restarter = daemons[0]

            let monitor = try RouteMonitor(n1.ns, name: "monitor-n1")
            let startMark = try await monitor.mark()
            let helperKernel = RouteRecorder(n2.ns, proto: "bird")
            let restarterKernel = RouteRecorder(n1.ns, proto: "bird")
            let ping = try PodPing.start(n2.pod, to: n1.node.pod, name: "ping-\(label)")

            // SIGKILL: no NOTIFICATION, the kernel closes the TCP connections.
            let killedAt = helperKernel.now
            restarter.mainProcess?.signal(SIGKILL)
            guard await restarter.mainProcess?.waitExit() ?? true else {
                throw HarnessError("swiftletd node-1 survived SIGKILL")
            }
            // A route of the killed run that nothing announces any more: the restarted swiftletd must keep it until
            // every peer's End-of-RIB and then delete it (its sweep), like the routes it does relearn.
            try Shell.check([
                "ip", "-n", n1.ns.name, "route", "add", leftover, "via", n2.node.address, "proto", "bird",
                "metric", "1024",
            ])
            let leftoverAddedAt = restarterKernel.now
            // node-2 sees the session go down (the helper keeps or drops node-1's routes now).
            guard await daemons[1].waitNotEstablished(peer: n1.node.address, timeout: .seconds(15)) else {
                throw HarnessError("node-2 never saw node-1's session go down\n\(describe())")
            }
            let downAt = helperKernel.now
            restarter.extraArguments = ["--graceful-restart"]
            try await restarter.start()
            let startedAt = helperKernel.now
            try await Scenario.requireMesh(cluster, daemons)
            let establishedAt = helperKernel.now
            // node-1 sweeps its previous run's routes once node-2 sent End-of-RIB (nothing is stale here: all of them
            // are relearned); the timer would take 120 s.
            let swept = await Poll.until(timeout: .seconds(30), every: .milliseconds(100)) {
                Scenario.kernelSynced(restarter)
            }
            let sweptAt = helperKernel.now
            guard swept else { throw HarnessError("node-1 never swept after the restart\n\(describe())") }

            let (sent, received) = try await ping.finish()
            let helperSamples = await helperKernel.stop()
            let restarterSamples = await restarterKernel.stop()
            let endMark = try await monitor.mark()
            let deletions = monitor.lines(between: startMark, and: endMark)
                .filter { $0.hasPrefix("Deleted") && $0.contains("proto bird") && !$0.contains(leftover) }
            // node-1's own sweep after node-2's End-of-RIB (the new process's log).
            let restarterSweepAt = Measure.logTime(
                restarter.log, ["every peer sent End-of-RIB"], after: restarterKernel.startedDate
            ).map(restarterKernel.at)

            let helperLog = Measure.logLines(daemons[1].log, containing: ["graceful restart", "End-of-RIB"])
            // node-2's helper: from "kept stale" to the sweep at node-1's End-of-RIB (recorder time).
            let keptStaleAt = Measure.logTime(
                daemons[1].log, ["graceful restart:", "kept stale"], after: helperKernel.startedDate
            ).map(helperKernel.at)
            let helperSweptAt = Measure.logTime(
                daemons[1].log, ["End-of-RIB for", "stale paths swept"], after: helperKernel.startedDate
            ).map(helperKernel.at)
            // node-2's session to node-1 as node-2 logged it (the polls see it up to 200 ms late).
            let downDate = Measure.logTime(daemons[1].log, ["session down"], after: helperKernel.startedDate)
            let upLogged = downDate.flatMap { Measure.logTime(daemons[1].log, ["session established"], after: $0) }
                .map(helperKernel.at)
            let downLogged = downDate.map(helperKernel.at)
            let summary = """
                \(label): \(sent) sent, \(received) received; kill at \(Measure.s(killedAt)) s, node-2 saw the session \
                down at \(Measure.s(downAt)), node-1 started at \(Measure.s(startedAt)), Established at \
                \(Measure.s(establishedAt)), node-1 swept at \(Measure.s(sweptAt)) (recorder time); \
                \(helperSamples.count)/\(restarterSamples.count) kernel samples on node-2/node-1
                node-1's leftover \(leftover): \(RouteRecorder.transitions(restarterSamples, prefix: leftover)), \
                node-1 logged its sweep at \(Measure.s(restarterSweepAt))
                node-2's route for node-1's block: \(RouteRecorder.transitions(helperSamples, prefix: n1.node.block))
                node-2 log:
                \(helperLog.joined(separator: "\n"))
                """
            Measure.record(
                "sigkill-\(label)",
                [
                    "sent": "\(sent)", "lost": "\(sent - received)",
                    "down_to_established_s": Measure.s(upLogged.flatMap { up in downLogged.map { up - $0 } }),
                    "kill_to_node1_sweep_s": Measure.s(sweptAt - killedAt),
                    "node1_leftover_kept_s": Measure.s(restarterSweepAt.map { $0 - leftoverAddedAt }),
                    "node2_stale_s": Measure.s(helperSweptAt.flatMap { swept in keptStaleAt.map { swept - $0 } }),
                    "node2_samples_without_node1_block":
                        "\(RouteRecorder.gaps(helperSamples, prefix: n1.node.block).count)",
                ])
            print(summary)
            // From one sample after the route was added (a sample stamped later may have been read earlier) to the
            // sweep logged by node-1.
            let windowStart = leftoverAddedAt + .milliseconds(250)
            let sweepOrEnd = restarterSweepAt ?? restarterSamples.last?.at ?? .zero
            let windowEnd = max(windowStart, sweepOrEnd - .milliseconds(20))
            let leftoverWindow = windowStart...windowEnd
            var restarterGaps = RouteRecorder.gaps(restarterSamples, prefix: n2.node.block)
            restarterGaps += RouteRecorder.gaps(restarterSamples, prefix: n1.node.block)
            return Outcome(
                sent: sent, received: received,
                helperGaps: RouteRecorder.gaps(helperSamples, prefix: n1.node.block), restarterGaps: restarterGaps,
                restarterDeletions: deletions,
                leftoverGapsBeforeSweep: RouteRecorder.gaps(restarterSamples, prefix: leftover, in: leftoverWindow),
                leftoverAtEnd:
                    restarterSamples.last?.routes.contains { RouteRecorder.isRoute($0, for: leftover) } ?? true,
                helperKeptStale: keptStaleAt != nil, helperSwept: helperSweptAt != nil,
                sampleSpacing: max(RouteRecorder.maxSpacing(helperSamples), RouteRecorder.maxSpacing(restarterSamples)),
                summary: summary)
        }

        @Test(
            "SIGKILL of node-1's swiftletd, then a start with --graceful-restart: node-2 keeps node-1's block in its kernel (helper, no NOTIFICATION), node-1's kernel keeps every route until End-of-RIB, a 10 ms ping between the pods loses nothing",
            Scenario.swiftletGate)
        func killAndRecoverLosesNothing() async throws {
            try await withLab("gr-kill-recover", prefix: Lab.restartPrefix) { lab in
                let outcome = try await Self.killAndRecover(lab, restartTime: nil, label: "gr")
                #expect(outcome.sent > 0 && outcome.received == outcome.sent, "\(outcome.summary)")
                #expect(outcome.sampleSpacing < .seconds(1), "the kernel recorders fell behind: \(outcome.summary)")
                #expect(outcome.helperKeptStale && outcome.helperSwept, "node-2's helper log: \(outcome.summary)")
                #expect(outcome.helperGaps.isEmpty, "node-2 lost node-1's block at \(outcome.helperGaps)")
                #expect(outcome.restarterGaps.isEmpty, "node-1 lost a route at \(outcome.restarterGaps)")
                #expect(
                    outcome.leftoverGapsBeforeSweep.isEmpty,
                    "node-1 deleted \(Self.leftover) before its End-of-RIB sweep: \(outcome.leftoverGapsBeforeSweep)")
                #expect(!outcome.leftoverAtEnd, "node-1 never swept \(Self.leftover): \(outcome.summary)")
                #expect(
                    outcome.restarterDeletions.isEmpty,
                    "node-1's kernel deleted routes:\n\(outcome.restarterDeletions.joined(separator: "\n"))")
            }
        }

        @Test(
            "The same SIGKILL and restart when node-1 announces restart time 0: node-2 removes node-1's block when the connection drops and pings are lost (the test can fail)",
            Scenario.swiftletGate)
        func killWithoutRestartTimeLoses() async throws {
            try await withLab("gr-kill-plain", prefix: Lab.restartPrefix) { lab in
                let outcome = try await Self.killAndRecover(lab, restartTime: 0, label: "restart-time-0")
                #expect(outcome.sent > 0 && outcome.received < outcome.sent, "\(outcome.summary)")
                #expect(!outcome.helperGaps.isEmpty, "node-2 kept node-1's block: \(outcome.summary)")
                #expect(!outcome.helperKeptStale, "node-2 kept node-1's routes stale: \(outcome.summary)")
                // node-1's own kernel is not the difference: it keeps its routes either way.
                #expect(outcome.restarterGaps.isEmpty, "node-1 lost a route at \(outcome.restarterGaps)")
            }
        }
    }
}
