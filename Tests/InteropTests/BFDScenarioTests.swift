// SPDX-License-Identifier: Apache-2.0
// BFD end to end (issue #8; RFC 5880, 5881, 5882): swiftletd against FRR (bgpd + bfdd) and BIRD 2 (`protocol bfd`),
// 300 ms × 3 on both sides, BGP hold time 9 s. Topology and peers: Support/BFDLab.swift (a bridge in between, so a
// cut is silent: no carrier change, no ICMP, no RST). For each peer:
//
// 1. BGP Established and BFD Up on both sides with 300 ms × 3 in force (after Up, RFC 5880 §6.8.3 moves both sides
//    from 1 s to 300 ms with a Poll Sequence; until it ends, detection takes up to 3 s), the peer's 10.77.0.0/24 in
//    swiftletd's kernel table.
// 2. The peer's bridge port is detached: we measure the time until swiftletd's BGP session is down and the route is
//    gone from its kernel (BFD's Detection Time is 900 ms; the BGP hold timer alone would take up to 9 s).
// 3. Re-attached: everything comes back.
// 4. Swiftlet's port is detached: we measure the time until the peer's BFD session and BGP session are down.
//
// Each time is polled every 10 ms (plus one `ip`/`swiftletctl`/`vtysh`/`birdc` run per condition and round, so the
// resolution is a few tens of ms). The numbers are printed as `BFD detection …` lines and kept in
// /tmp/swiftlet-interop/bfd-detection.txt. Skipped unless BGP_INTEROP=1, root, and swiftletd is built.
import Foundation
import Testing

extension InteropScenarios {
    @Suite(
        "BFD interop", .serialized, .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"),
        .enabled(if: Interop.swiftletReady, "swiftletd is not built yet"))
    struct BFDScenarioTests {
        /// What a cut may take on swiftletd's side: the 900 ms Detection Time (at most; 600–900 ms after the cut,
        /// depending on when the last packet came) plus BGP teardown, one kernel batch and the poll's resolution.
        static let bound: Duration = .seconds(1)
        /// The peer's side: its own 900 ms plus a poll round of three CLI runs (`vtysh`/`birdc`, ~30–60 ms each),
        /// which puts FRR at up to ~990 ms in our runs; 1.2 s keeps the check about the peer, not about vtysh.
        static let peerBound: Duration = .milliseconds(1200)

        /// A peer under test: how to read its BFD and BGP state.
        struct Peer {
            var label: String
            var daemon: any BGPDaemon
            /// The peer's BGP session name for `isEstablished` (BIRD: protocol name; FRR: neighbor address).
            var session: String
            var bfdUp: () -> Bool
            /// Up with Swiftlet's 300 ms intervals in force (the Poll Sequence after Up has ended).
            var bfdFast: () -> Bool
        }

        static func record(_ line: String) {
            print(line)
            let url = Lab.root.appendingPathComponent("bfd-detection.txt")
            let stamped = "\(Date()) \(line)\n"
            if let handle = try? FileHandle(forWritingTo: url) {
                handle.seekToEndOfFile()
                handle.write(Data(stamped.utf8))
                try? handle.close()
            } else {
                try? stamped.write(to: url, atomically: true, encoding: .utf8)
            }
        }

        /// Steps 1–4 above against `peer`.
        static func cutBothWays(_ topology: BFDLab, swiftlet: SwiftletDaemon, peer: Peer) async throws {
            let describe = {
                "swiftletd:\n\(swiftlet.describe(peer: BFDLab.peerAddress))\n"
                    + ((try? swiftlet.ctl(["show", "bfd"]).output) ?? "") + "\n\(peer.label):\n"
                    + peer.daemon.describe(peer: peer.session)
            }
            func requireAllUp(_ step: String) async throws {
                let up = await Poll.until(timeout: .seconds(30)) {
                    ((try? swiftlet.isEstablished(peer: BFDLab.peerAddress)) ?? false)
                        && ((try? peer.daemon.isEstablished(peer: peer.session)) ?? false)
                        && BFDLab.bfdState(swiftlet) == "Up" && peer.bfdUp()
                        && BFDLab.bfdFast(swiftlet) && peer.bfdFast()
                        && ((try? topology.swiftletHasRoute()) ?? false)
                }
                try #require(
                    up, "\(step): BGP Established, BFD Up at 300 ms × 3 on both sides, route installed\n\(describe())")
            }
            try await requireAllUp("start")
            record("BFD show bfd (\(peer.label)):\n" + ((try? swiftlet.ctl(["show", "bfd"]).output) ?? ""))
            let negotiated = (try? swiftlet.ctl(["show", "protocols", "all"]).output) ?? ""
            #expect(negotiated.contains("graceful-restart (peer)"), "the peer offers graceful restart\n\(negotiated)")

            // The peer's side fails: swiftletd must notice.
            let cut = ContinuousClock.now
            try topology.cut("p2", true)
            let swiftletSide = measure(since: cut, [
                "route": { try !topology.swiftletHasRoute() },
                "bgp": { try !swiftlet.isEstablished(peer: BFDLab.peerAddress) },
            ])
            let peerSideToo = measure(since: cut, ["bfd": { !peer.bfdUp() }])
            let routeGone = try #require(swiftletSide["route"], "route never removed\n\(describe())")
            let bgpDown = try #require(swiftletSide["bgp"], "BGP never went down\n\(describe())")
            let worst = max(routeGone, bgpDown)
            record(
                "BFD detection \(peer.label) peer-side cut: swiftletd BGP down \(ms(bgpDown)), route gone \(ms(routeGone)); "
                    + "\(peer.label) BFD down \(peerSideToo["bfd"].map(ms) ?? "never")")
            #expect(worst < bound, "swiftletd took \(ms(worst)) (bound \(ms(bound)))")
            let protocols = (try? swiftlet.ctl(["show", "protocols", "all"]).output) ?? ""
            #expect(protocols.contains("BFD Down"), "the session ended with Cease/BFD Down\n\(protocols)")
            #expect(swiftlet.log.contains("forwarding failed"))

            try topology.cut("p2", false)
            try await requireAllUp("after the peer's side came back")

            // Swiftlet's side fails: the peer must notice.
            let cut2 = ContinuousClock.now
            try topology.cut("p1", true)
            let peerSide = measure(since: cut2, [
                "bfd": { !peer.bfdUp() },
                "bgp": { try !peer.daemon.isEstablished(peer: peer.session) },
                "swiftlet": { try !topology.swiftletHasRoute() },
            ])
            let peerBFD = try #require(peerSide["bfd"], "\(peer.label) never saw BFD down\n\(describe())")
            let peerBGP = try #require(peerSide["bgp"], "\(peer.label) never took BGP down\n\(describe())")
            record(
                "BFD detection \(peer.label) swiftlet-side cut: \(peer.label) BFD down \(ms(peerBFD)), BGP down \(ms(peerBGP)); "
                    + "swiftletd route gone \(peerSide["swiftlet"].map(ms) ?? "never")")
            #expect(peerBFD < peerBound, "\(peer.label) detected after \(ms(peerBFD))")
            #expect(peerBGP < peerBound, "\(peer.label) ended BGP after \(ms(peerBGP))")
            try topology.cut("p1", false)
            try await requireAllUp("after Swiftlet's side came back")
        }

        static func ms(_ duration: Duration) -> String { "\(Int((duration.seconds * 1000).rounded())) ms" }

        @Test("FRR (bgpd + bfdd): BFD Up both sides; a silent cut of FRR's side ends swiftletd's BGP session and removes the route within 1 s, and FRR detects a cut of Swiftlet's side")
        func frr() async throws {
            try await withLab("bfd-frr") { lab in
                let topology = try BFDLab(lab)
                let (frr, bfddConfig) = try topology.frr(lab)
                try await frr.start()
                _ = try topology.startBFDD(frr, config: bfddConfig)
                let swiftlet = try topology.swiftlet()
                try await swiftlet.start()
                // Up in bfdd and in bgpd's view of it (bgpd acts on the latter).
                let peer = Peer(
                    label: "FRR", daemon: frr, session: BFDLab.swiftletAddress,
                    bfdUp: { BFDLab.bfdState(frr) == "up" && BFDLab.bgpdBFDStatus(frr) == "Up" },
                    bfdFast: { BFDLab.bfdFast(frr) })
                try await Self.cutBothWays(topology, swiftlet: swiftlet, peer: peer)
            }
        }

        @Test("BIRD 2 (protocol bfd, bfd on): BFD Up both sides; a silent cut of BIRD's side ends swiftletd's BGP session and removes the route within 1 s, and BIRD detects a cut of Swiftlet's side")
        func bird() async throws {
            try await withLab("bfd-bird") { lab in
                let topology = try BFDLab(lab)
                let bird = try topology.bird()
                try await bird.start()
                let swiftlet = try topology.swiftlet()
                try await swiftlet.start()
                let peer = Peer(
                    label: "BIRD", daemon: bird, session: "swiftlet", bfdUp: { BFDLab.bfdState(bird) == "Up" },
                    bfdFast: { BFDLab.bfdFast(bird) })
                try await Self.cutBothWays(topology, swiftlet: swiftlet, peer: peer)
            }
        }

        @Test("BIRD 2 over IPv6 (single hop, Hop Limit 255): BFD Up; a silent cut of BIRD's side ends swiftletd's IPv6 session and removes the IPv6 route within 1 s")
        func birdIPv6() async throws {
            try await withLab("bfd-bird-ipv6") { lab in
                let topology = try BFDLab(lab)
                let bird = try topology.bird(ipv6: true)
                try await bird.start()
                let swiftlet = try SwiftletDaemon(
                    topology.sw,
                    config: BFDLab.swiftletConfig(
                        bfd: "{minTxInterval: 300ms, minRxInterval: 300ms, multiplier: 3}", ipv6: true))
                try await swiftlet.start()
                let describe = {
                    ((try? swiftlet.ctl(["show", "bfd"]).output) ?? "") + ((try? bird.birdc(["show", "bfd", "sessions"])) ?? "")
                        + bird.describe(peer: "swiftlet6") + swiftlet.describe(peer: BFDLab.peerAddress6)
                }
                let birdSix = {
                    let text = (try? bird.birdc(["show", "bfd", "sessions"])) ?? ""
                    return text.split(separator: "\n").contains { $0.hasPrefix(BFDLab.swiftletAddress6 + " ") && $0.contains(" Up ") && $0.contains("0.900") }
                }
                let up = await Poll.until {
                    ((try? swiftlet.isEstablished(peer: BFDLab.peerAddress6)) ?? false)
                        && ((try? bird.isEstablished(peer: "swiftlet6")) ?? false)
                        && BFDLab.bfdState(swiftlet, address: BFDLab.peerAddress6) == "Up" && birdSix()
                        && ((try? topology.swiftletHasRoute(ipv6: true)) ?? false)
                }
                try #require(up, "\(describe())")
                let cut = ContinuousClock.now
                try topology.cut("p2", true)
                let times = measure(since: cut, [
                    "route": { try !topology.swiftletHasRoute(ipv6: true) },
                    "bgp": { try !swiftlet.isEstablished(peer: BFDLab.peerAddress6) },
                ])
                let route = try #require(times["route"], "\(describe())")
                let bgp = try #require(times["bgp"], "\(describe())")
                Self.record("BFD detection BIRD IPv6 peer-side cut: swiftletd BGP down \(Self.ms(bgp)), route gone \(Self.ms(route))")
                #expect(max(route, bgp) < Self.bound, "swiftletd took \(Self.ms(max(route, bgp)))")
            }
        }

        @Test("BIRD 2 multihop (RFC 5883, one router apart, mode chosen by the planner): BFD Up; a cut beyond the router ends swiftletd's session and removes the route within 1 s")
        func birdMultihop() async throws {
            try await withLab("bfd-bird-multihop") { lab in
                let topology = try BFDMultihopLab(lab)
                let bird = try topology.bird()
                try await bird.start()
                let swiftlet = try topology.swiftlet()
                try await swiftlet.start()
                let address = BFDMultihopLab.peerAddress
                let describe = {
                    ((try? swiftlet.ctl(["show", "bfd"]).output) ?? "") + ((try? bird.birdc(["show", "bfd", "sessions"])) ?? "")
                        + bird.describe(peer: "swiftlet") + swiftlet.describe(peer: address)
                }
                let up = await Poll.until {
                    ((try? swiftlet.isEstablished(peer: address)) ?? false)
                        && ((try? bird.isEstablished(peer: "swiftlet")) ?? false)
                        && BFDLab.bfdState(swiftlet, address: address) == "Up"
                        && ((try? bird.birdc(["show", "bfd", "sessions"])) ?? "").contains("0.900")
                        && ((try? topology.swiftletHasRoute()) ?? false)
                }
                try #require(up, "\(describe())")
                let bfd = (try? swiftlet.ctl(["show", "bfd"]).output) ?? ""
                #expect(bfd.contains("multihop"), "\(bfd)")
                let cut = ContinuousClock.now
                try topology.cutPeerSide(true)
                let times = measure(since: cut, [
                    "route": { try !topology.swiftletHasRoute() },
                    "bgp": { try !swiftlet.isEstablished(peer: address) },
                ])
                let route = try #require(times["route"], "\(describe())")
                let bgp = try #require(times["bgp"], "\(describe())")
                Self.record("BFD detection BIRD multihop cut beyond the router: swiftletd BGP down \(Self.ms(bgp)), route gone \(Self.ms(route))")
                #expect(max(route, bgp) < Self.bound, "swiftletd took \(Self.ms(max(route, bgp)))")
            }
        }

        /// The Flaps line of `show protocols all` (sessions that went down from Established).
        static func flaps(_ swiftlet: SwiftletDaemon) -> Int? {
            let text = (try? swiftlet.ctl(["show", "protocols", "all"]).output) ?? ""
            guard let line = text.split(separator: "\n").first(where: { $0.contains("Flaps:") }) else { return nil }
            return Int(line.split(separator: " ").last ?? "")
        }

        @Test("Reload: BFD turned off removes the session with AdminDown and swiftletd keeps BGP; turned on again BFD comes back Up without touching BGP; swiftlet_bfd_* metrics")
        func reloadTogglesBFD() async throws {
            try await withLab("bfd-reload") { lab in
                let topology = try BFDLab(lab)
                let bird = try topology.bird()
                try await bird.start()
                let swiftlet = try topology.swiftlet()
                let metricsURL = "http://\(BFDLab.swiftletAddress):9479/metrics"
                swiftlet.extraArguments = ["--metrics-address", "\(BFDLab.swiftletAddress):9479"]
                try await swiftlet.start()
                let describe = {
                    let protocols = (try? swiftlet.ctl(["show", "protocols", "all"]).output) ?? ""
                    let bfd = (try? swiftlet.ctl(["show", "bfd"]).output) ?? ""
                    let birdBFD = (try? bird.birdc(["show", "bfd", "sessions"])) ?? ""
                    return protocols + bfd + birdBFD + bird.describe(peer: "swiftlet")
                        + swiftlet.log.split(separator: "\n").suffix(15).joined(separator: "\n")
                }
                let bothEstablished = {
                    ((try? swiftlet.isEstablished(peer: BFDLab.peerAddress)) ?? false)
                        && ((try? bird.isEstablished(peer: "swiftlet")) ?? false)
                }
                let up = await Poll.until {
                    bothEstablished() && BFDLab.bfdState(swiftlet) == "Up" && BFDLab.bfdState(bird) == "Up"
                }
                try #require(up, "\(describe())")
                let metrics = try topology.sw.run(["curl", "-sS", "--fail", "--max-time", "5", metricsURL]).stdout
                for line in [
                    "swiftlet_bfd_session_up{peer=\"Node_10_200_1_2\",peer_address=\"10.200.1.2\"} 1",
                    "swiftlet_bfd_session_state{peer=\"Node_10_200_1_2\",peer_address=\"10.200.1.2\"} 3",
                    "swiftlet_bfd_detection_time_seconds{peer=\"Node_10_200_1_2\",peer_address=\"10.200.1.2\"} 0.9",
                ] {
                    #expect(metrics.contains(line), "\(line) in\n\(metrics.split(separator: "\n").filter { $0.contains("bfd") }.joined(separator: "\n"))")
                }
                #expect(metrics.contains("swiftlet_bfd_packets_received_total{peer=\"Node_10_200_1_2\""))
                #expect(metrics.contains("swiftlet_bfd_state_changes_total{peer=\"Node_10_200_1_2\""))

                // Off: the BFD session goes with an AdminDown packet; swiftletd sends no NOTIFICATION. RFC 5882 §3.2 says
                // the peer must not take AdminDown for a failure, but BIRD 2.0.12 (like FRR 8.4) does and resets BGP
                // with Cease: recorded, not asserted; the session must come back.
                try BFDLab.swiftletConfig(bfd: "{enabled: false}").yaml.write(
                    to: swiftlet.configFile, atomically: true, encoding: .utf8)
                let reload = try swiftlet.ctl(["reload"])
                #expect(reload.ok && reload.output.contains("BFD sessions"), "\(reload.output)")
                #expect(!reload.output.contains("restarted"), "no BGP session is restarted for BFD\n\(reload.output)")
                let gone = await Poll.until(timeout: .seconds(5)) {
                    ((try? swiftlet.ctl(["show", "bfd"]).output) ?? "").contains("No BFD sessions")
                        && BFDLab.bfdState(bird) != "Up"
                }
                #expect(gone, "\(describe())")
                let stayed = await Poll.holds(for: .seconds(2)) { bothEstablished() }
                Self.record("BFD removed by reload (AdminDown sent): BIRD \(stayed ? "kept" : "reset") the BGP session")
                let detail = (try? swiftlet.ctl(["show", "protocols", "all"]).output) ?? ""
                #expect(detail.contains("Notification sent:      none"), "swiftletd ended nothing\n\(detail)")
                let again = await Poll.until { bothEstablished() }
                try #require(again, "\(describe())")

                // On again: Down → Init → Up is no failure; BGP is not touched.
                let flapsBefore = Self.flaps(swiftlet)
                try BFDLab.swiftletConfig(bfd: "{minTxInterval: 300ms, minRxInterval: 300ms, multiplier: 3}").yaml.write(
                    to: swiftlet.configFile, atomically: true, encoding: .utf8)
                _ = try swiftlet.ctl(["reload"])
                let back = await Poll.until(timeout: .seconds(15)) {
                    BFDLab.bfdState(swiftlet) == "Up" && BFDLab.bfdState(bird) == "Up"
                }
                #expect(back, "\(describe())")
                let steady = await Poll.holds(for: .seconds(2)) { bothEstablished() }
                #expect(steady, "\(describe())")
                #expect(Self.flaps(swiftlet) == flapsBefore, "\(describe())")
            }
        }
    }
}
