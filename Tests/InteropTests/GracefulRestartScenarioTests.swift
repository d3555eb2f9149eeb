// SPDX-License-Identifier: Apache-2.0
// Graceful restart end to end (issue #8, RFC 4724): two Calico nodes as namespaces with a pod each and a swiftletd
// per node in a mesh (Support/KernelLab.swift, as KernelScenarioTests). node-2's pod pings node-1's pod every 10 ms
// while node-1's swiftletd is stopped with SIGTERM and started again. With `--graceful-restart` node-1 closes its
// session without NOTIFICATION, node-2 (the helper) keeps node-1's block installed as a stale route until node-1's
// End-of-RIB, and node-1's own routes stay in its kernel: no ping is lost. Without the flag node-1 sends Cease, node-2
// removes the route at once, and pings are lost until the session is back: the check can fail.
import Foundation
import Testing

extension InteropScenarios {
    @Suite("Graceful restart", .serialized, .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"))
    struct GracefulRestartScenarioTests {
        typealias Scenario = KernelScenarioTests

        /// Pings node-1's pod from node-2's pod at 10 ms across a SIGTERM and restart of node-1's swiftletd;
        /// returns (transmitted, received).
        static func pingAcrossRestart(_ lab: Lab, gracefulRestart: Bool) async throws -> (Int, Int) {
            let cluster = try lab.kernelCluster([.standard(1, sharedSubnet: true), .standard(2, sharedSubnet: true)])
            let daemons = try cluster.hosts.map {
                try cluster.swiftlet($0, config: cluster.config(for: $0.node, vxlanMode: "Never"))
            }
            if gracefulRestart { daemons[0].extraArguments = ["--graceful-restart"] }
            for daemon in daemons { try await daemon.start() }
            let describe = { cluster.describe(daemons) }
            try await Scenario.requireMesh(cluster, daemons)
            try await KernelCluster.requireConverged("plain routes", describe: describe) { try Scenario.routeProblems(cluster) }
            try await Scenario.requirePodTraffic(cluster, describe: describe)
            let n2 = cluster.hosts[1]
            // 12 s of pings at 10 ms; the restart below takes a few seconds.
            let ping = try n2.pod.spawn(
                "ping-\(gracefulRestart ? "gr" : "plain")",
                ["ping", "-n", "-q", "-i", "0.01", "-W", "1", "-c", "1200", cluster.nodes[0].pod])
            daemons[0].stop()
            try await daemons[0].start()
            try await Scenario.requireMesh(cluster, daemons)
            guard await ping.waitExit(timeout: .seconds(40)) else {
                ping.stop()
                throw HarnessError("ping did not finish\n\(describe())")
            }
            // "1200 packets transmitted, 1200 received, 0% packet loss, time 12345ms"
            let text = ping.logText
            guard let line = text.split(separator: "\n").first(where: { $0.contains("packets transmitted") }) else {
                throw HarnessError("no ping summary:\n\(text)")
            }
            let numbers = line.split(separator: ",").compactMap { Int($0.split(separator: " ").first ?? "") }
            guard numbers.count >= 2 else { throw HarnessError("unreadable ping summary: \(line)") }
            return (numbers[0], numbers[1])
        }

        @Test(
            "SIGTERM and restart of node-1's swiftletd with --graceful-restart: node-2 keeps node-1's block (RFC 4724 helper), a 10 ms ping between the pods loses nothing",
            Scenario.swiftletGate)
        func restartLosesNothing() async throws {
            try await withLab("gr-restart") { lab in
                let (sent, received) = try await Self.pingAcrossRestart(lab, gracefulRestart: true)
                #expect(sent > 0 && received == sent, "with --graceful-restart: \(sent) sent, \(received) received")
            }
        }

        @Test(
            "The same restart without --graceful-restart (Cease to the peer) loses pings: the test can fail",
            Scenario.swiftletGate)
        func restartWithoutFlagLoses() async throws {
            try await withLab("gr-plain-restart") { lab in
                let (sent, received) = try await Self.pingAcrossRestart(lab, gracefulRestart: false)
                #expect(sent > 0 && received < sent, "without --graceful-restart: \(sent) sent, \(received) received")
            }
        }
    }
}
