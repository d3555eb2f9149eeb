// SPDX-License-Identifier: Apache-2.0
// swiftletd's /metrics during real sessions: swiftletd (AS 64512, host 1, one /26 block of the pool 10.244.0.0/16)
// with eBGP sessions to BIRD (AS 64513, host 2, three blocks) and FRR (AS 64514, host 3, two blocks) on one LAN.
// Scraped with curl inside swiftletd's namespace, the session and prefix counters must match what each peer says
// it sent (BIRD's exported count, FRR's message and prefix statistics), the RIB sizes what was announced, the
// kernel metrics `swiftletctl show kernel`; `birdc disable` shows up as a flap and a received Cease.
// Skipped unless BGP_INTEROP=1, root, and the built swiftletd is a real daemon, like SwiftletScenarioTests.
import BGPTestSupport
import Foundation
import Testing

extension InteropScenarios {
    @Suite(
        "swiftletd metrics interop", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"),
        .enabled(if: Interop.swiftletReady, "swiftletd is not built yet (`swiftletd --version` says \"not yet\")"))
    struct MetricsInteropTests {
        static let pool = "10.244.0.0/16"
        static let ownBlock = "10.244.1.0/26"
        static let birdBlocks = ["10.244.2.0/26", "10.244.2.64/26", "10.244.2.128/26"]
        static let frrBlocks = ["10.244.3.0/26", "10.244.3.64/26"]
        static let metricsPort = 9180

        @Test("/metrics during BIRD and FRR sessions: session, message and prefix counters match what the peers sent")
        func scrapeDuringSessions() async throws {
            try await withLab("swiftlet-metrics") { lab in
                let ns = try lab.lan(["sw", "bird", "frr"])
                let (sw, birdNS, frrNS) = (ns[0], ns[1], ns[2])
                let (swAddress, birdAddress, frrAddress) = (Addr.v4(1, 1), Addr.v4(1, 2), Addr.v4(1, 3))

                var config = SwiftletConfig(
                    node: "node-a", asNumber: 64512, ipv4Address: "\(swAddress)/24", holdTime: 9,
                    peers: [
                        .init(name: "bird", peerIP: birdAddress, asNumber: 64513),
                        .init(name: "frr", peerIP: frrAddress, asNumber: 64514),
                    ])
                config.connectRetryTime = 1
                config.resources = [
                    Calico.ipPool("pods", cidr: Self.pool), Calico.blockAffinity(node: "node-a", cidr: Self.ownBlock),
                ]
                let swiftlet = try SwiftletDaemon(sw, config: config)
                let bird = try BirdDaemon(
                    birdNS,
                    config: BirdDaemon.calicoConfig(
                        routerID: birdAddress, asNumber: 64513,
                        peers: [BirdPeer(name: "swiftlet", address: swAddress, asNumber: 64512, passive: true)],
                        blocks: Self.birdBlocks, pool: Self.pool))
                let frr = try FRRDaemon(
                    frrNS,
                    config: FRRDaemon.calicoConfig(
                        routerID: frrAddress, asNumber: 64514, localAddress: frrAddress,
                        peers: [FRRPeer(address: swAddress, asNumber: 64512, passive: true)], networks: Self.frrBlocks,
                        exportPrefixes: [Self.pool]))
                try await bird.start()
                try await frr.start()

                // swiftletd with --metrics-address (SwiftletDaemon.start has no place for it): same files and socket.
                let process = try sw.spawn(
                    "swiftletd",
                    [
                        SwiftletDaemon.daemonBinary.path, "--config", swiftlet.configFile.path, "--node", config.node,
                        "--secrets-dir", swiftlet.secretsDirectory.path, "--control-socket", swiftlet.controlSocket.path,
                        "--log-level", "debug", "--metrics-address", "\(swAddress):\(Self.metricsPort)",
                    ])
                defer { process.stop() }
                let url = "http://\(swAddress):\(Self.metricsPort)/metrics"
                func scrape() throws -> PrometheusExposition {
                    let result = try sw.run(["curl", "-sS", "--fail", "--max-time", "5", url], timeout: .seconds(10))
                    guard result.ok else { throw HarnessError("curl \(url): \(result.output)") }
                    return try PrometheusExposition.parse(result.stdout)
                }
                let serving = await Poll.until(timeout: .seconds(15)) { (try? scrape()) != nil }
                try #require(serving, "swiftletd does not serve /metrics:\n\(process.logText)")

                let birdPeer = ["peer_address": birdAddress, "peer_as": "64513"]
                let frrPeer = ["peer_address": frrAddress, "peer_as": "64514"]
                var last = ""
                let converged = await Poll.until(timeout: .seconds(45), every: .milliseconds(500)) {
                    guard let m = try? scrape() else { return false }
                    last = "bird up \(m.value("swiftlet_bgp_session_up", birdPeer) ?? -1) accepted "
                        + "\(m.value("swiftlet_bgp_prefixes_accepted", birdPeer) ?? -1), frr up "
                        + "\(m.value("swiftlet_bgp_session_up", frrPeer) ?? -1) accepted "
                        + "\(m.value("swiftlet_bgp_prefixes_accepted", frrPeer) ?? -1)"
                    return m.value("swiftlet_bgp_prefixes_accepted", birdPeer) == Double(Self.birdBlocks.count)
                        && m.value("swiftlet_bgp_prefixes_accepted", frrPeer) == Double(Self.frrBlocks.count)
                        && m.value("swiftlet_bgp_session_up", birdPeer) == 1 && m.value("swiftlet_bgp_session_up", frrPeer) == 1
                }
                try #require(
                    converged,
                    "sessions and prefixes never showed in /metrics: \(last)\n\(swiftlet.describe(peer: birdAddress))\n\(bird.describe(peer: "swiftlet"))\n\(frr.describeRoutes())")

                // Let the first exchange settle (End-of-RIB, re-advertisements), then compare with the peers' own
                // statistics, read right after the scrape.
                try await Task.sleep(for: .seconds(2))
                var m = try scrape()
                let birdRoutes = try Self.birdRoutesLine(bird)
                let frrNeighbor = try Self.frrNeighbor(frr, swAddress)

                for peer in [birdPeer, frrPeer] {
                    #expect(m.value("swiftlet_bgp_session_state", peer) == 6)
                    #expect(m.value("swiftlet_bgp_session_flaps_total", peer) == 0)
                    #expect((m.value("swiftlet_bgp_session_established_seconds", peer) ?? 0) > 0)
                    #expect(m.value("swiftlet_bgp_messages_received_total", peer + ["type": "open"]) == 1)
                    #expect(m.value("swiftlet_bgp_messages_sent_total", peer + ["type": "open"]) == 1)
                    #expect(m.value("swiftlet_bgp_messages_received_total", peer + ["type": "notification"]) == 0)
                    #expect(m.value("swiftlet_bgp_last_error_code", peer + ["direction": "received"]) == 0)
                    #expect(m.value("swiftlet_bgp_last_error_code", peer + ["direction": "sent"]) == 0)
                    #expect(
                        m.value("swiftlet_bgp_prefixes_received", peer)
                            == (m.value("swiftlet_bgp_prefixes_accepted", peer) ?? -1)
                            + (m.value("swiftlet_bgp_prefixes_filtered", peer) ?? -1))
                    // The own block at least; routes learned from the other peer too if swiftletd passes them on.
                    #expect((m.value("swiftlet_bgp_prefixes_advertised", peer) ?? 0) >= 1)
                }
                // BIRD: what it exported to swiftletd is what swiftletd received and accepted.
                #expect(m.value("swiftlet_bgp_prefixes_received", birdPeer) == Double(Self.birdBlocks.count))
                #expect(birdRoutes["exported"] == Self.birdBlocks.count, "bird: \(birdRoutes)")
                #expect(m.value("swiftlet_bgp_prefixes_accepted", birdPeer).map(Int.init) == birdRoutes["exported"])
                #expect((m.value("swiftlet_bgp_prefix_announcements_received_total", birdPeer) ?? 0) >= Double(Self.birdBlocks.count))
                // BIRD's imports come only from swiftletd: at most what swiftletd advertised (BIRD drops AS-path loops).
                #expect(Double(birdRoutes["imported"] ?? -1) <= (m.value("swiftlet_bgp_prefixes_advertised", birdPeer) ?? 0))
                #expect((birdRoutes["imported"] ?? 0) >= 1, "bird: \(birdRoutes)")
                #expect(m.value("swiftlet_bgp_graceful_restart_peer_capable", birdPeer) == 1)  // `graceful restart;`
                #expect(m.value("swiftlet_bgp_graceful_restart_state", birdPeer) == 0)

                #expect(m.value("swiftlet_bgp_prefixes_filtered", birdPeer) == 0)
                // FRR: its message statistics mirror swiftletd's, UPDATEs exactly (keepalives may be one apart). FRR
                // also sends back what it learned through swiftletd (BIRD's blocks, swiftletd's own): swiftletd
                // filters those (its AS is in the path), so FRR's sent count is received = accepted + filtered.
                #expect(m.value("swiftlet_bgp_prefixes_accepted", frrPeer) == Double(Self.frrBlocks.count))
                if let stats = frrNeighbor["messageStats"] as? [String: Any] {
                    func stat(_ key: String) -> Double? { (stats[key] as? Int).map(Double.init) }
                    #expect(m.value("swiftlet_bgp_messages_received_total", frrPeer + ["type": "update"]) == stat("updatesSent"), "\(stats)")
                    #expect(m.value("swiftlet_bgp_messages_sent_total", frrPeer + ["type": "update"]) == stat("updatesRecv"), "\(stats)")
                    #expect(stat("opensSent") == 1 && stat("opensRecv") == 1, "\(stats)")
                    let keepalivesIn = m.value("swiftlet_bgp_messages_received_total", frrPeer + ["type": "keepalive"]) ?? -9
                    #expect(abs(keepalivesIn - (stat("keepalivesSent") ?? 99)) <= 1, "\(stats)")
                } else {
                    Issue.record("FRR neighbor JSON without messageStats: \(frrNeighbor)")
                }
                if let families = frrNeighbor["addressFamilyInfo"] as? [String: Any],
                    let ipv4 = families["ipv4Unicast"] as? [String: Any]
                {
                    if let sent = ipv4["sentPrefixCounter"] as? Int {
                        #expect(m.value("swiftlet_bgp_prefixes_received", frrPeer) == Double(sent), "\(ipv4)")
                    } else {
                        Issue.record("FRR neighbor JSON without sentPrefixCounter: \(ipv4)")
                    }
                    if let accepted = ipv4["acceptedPrefixCounter"] as? Int {
                        #expect(Double(accepted) <= (m.value("swiftlet_bgp_prefixes_advertised", frrPeer) ?? 0), "\(ipv4)")
                    }
                }

                // RIB: the own block and every block the peers announced.
                let total = 1 + Self.birdBlocks.count + Self.frrBlocks.count
                #expect(m.value("swiftlet_rib_prefixes", ["family": "ipv4"]) == Double(total))
                #expect(m.value("swiftlet_rib_originated_prefixes") == 1)
                #expect(m.value("swiftlet_bgp_peers", ["state": "Established"]) == 2)

                // Kernel: the same totals as `swiftletctl show kernel`, and the learned blocks installed.
                let kernelAgrees = await Poll.until(timeout: .seconds(15), every: .milliseconds(500)) {
                    guard let metrics = try? scrape(), let summary = KernelSummary(swiftlet) else { return false }
                    m = metrics
                    return metrics.value("swiftlet_kernel_routes", ["state": "installed"]) == Double(summary.installed)
                        && metrics.value("swiftlet_kernel_routes", ["state": "failed"]) == Double(summary.failed)
                        && metrics.value("swiftlet_kernel_changes_total", ["op": "add"]) == Double(summary.adds)
                        && metrics.value("swiftlet_kernel_batches_total") == Double(summary.batches)
                        && summary.installed >= Self.birdBlocks.count + Self.frrBlocks.count
                }
                #expect(kernelAgrees, "kernel metrics vs show kernel: \(KernelSummary(swiftlet)?.line ?? "?")")
                #expect(m.value("swiftlet_kernel_programming") == 1)
                #expect((m.value("swiftlet_kernel_sync_seconds") ?? 0) > 0)
                #expect((m.value("swiftlet_kernel_sync_seconds_total") ?? 0) >= (m.value("swiftlet_kernel_sync_seconds") ?? 1))

                // Process metrics are there and plausible.
                #expect((m.value("process_resident_memory_bytes") ?? 0) > 1_000_000)
                #expect((m.value("process_open_fds") ?? 0) > 3)

                // BIRD disables its side: Cease received, one flap, BIRD's routes gone from the counters and RIB.
                _ = try bird.birdc(["disable", "swiftlet"])
                let down = await Poll.until(timeout: .seconds(15)) {
                    (try? scrape())?.value("swiftlet_bgp_session_up", birdPeer) == 0
                }
                try #require(down, "the BIRD session never went down in /metrics")
                m = try scrape()
                #expect(m.value("swiftlet_bgp_last_error_code", birdPeer + ["direction": "received"]) == 6)
                #expect(m.value("swiftlet_bgp_messages_received_total", birdPeer + ["type": "notification"]) == 1)
                #expect(m.value("swiftlet_bgp_session_flaps_total", birdPeer) == 1)
                #expect(m.value("swiftlet_bgp_prefixes_accepted", birdPeer) == 0)
                #expect(m.value("swiftlet_bgp_session_established_seconds", birdPeer) == 0)
                #expect(m.value("swiftlet_rib_prefixes", ["family": "ipv4"]) == Double(total - Self.birdBlocks.count))
                #expect(m.value("swiftlet_bgp_session_up", frrPeer) == 1)
                #expect(m.value("swiftlet_bgp_session_flaps_total", frrPeer) == 0)
            }
        }

        /// BIRD's "Routes: N imported, N filtered, N exported, N preferred" of the swiftlet session, as word → N.
        static func birdRoutesLine(_ bird: BirdDaemon) throws -> [String: Int] {
            let text = try bird.birdc(["show", "protocols", "all", "swiftlet"])
            guard let line = text.split(separator: "\n").first(where: { $0.contains("Routes:") }) else { return [:] }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ":" })
            var values: [String: Int] = [:]
            for (index, word) in words.enumerated() where index + 1 < words.count {
                if let n = Int(word) { values[String(words[index + 1])] = n }
            }
            return values
        }

        /// FRR's `show bgp neighbors ADDRESS json` object for the neighbor.
        static func frrNeighbor(_ frr: FRRDaemon, _ address: String) throws -> [String: Any] {
            let text = try frr.vtysh("show bgp neighbors \(address) json")
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return object?[address] as? [String: Any] ?? [:]
        }
    }
}

extension Dictionary where Key == String, Value == String {
    fileprivate static func + (lhs: Self, rhs: Self) -> Self { lhs.merging(rhs) { $1 } }
}
