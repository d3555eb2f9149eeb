// SPDX-License-Identifier: Apache-2.0
// swiftletd against real BIRD 2, FRR, GoBGP and ExaBGP. Skipped unless BGP_INTEROP=1, root, and the built
// swiftletd is a real daemon (`swiftletd --version` exits 0 without "not yet").
//
// Topology of every scenario: namespace "sw" (swiftletd, host 1) and "peer" (the other speaker, host 2) on link 1:
// 10.200.1.1/24 + fd00:200:1::1/64 ↔ 10.200.1.2/24 + fd00:200:1::2/64. Swiftlet is AS 64512; eBGP peers are
// AS 64513. Hold time 9 s everywhere.
import Foundation
import Testing

extension InteropScenarios {
    @Suite(
        "swiftletd interop", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"),
        .enabled(if: Interop.swiftletReady, "swiftletd is not built yet (`swiftletd --version` says \"not yet\")"))
    struct SwiftletScenarioTests {
        static let swiftletAS: UInt32 = 64512
        static let peerAS: UInt32 = 64513
        static let holdTime = 9

        /// The two namespaces, and a swiftletd with one BGPPeer for host 2.
        struct Setup {
            var lab: Lab
            var sw: Namespace
            var peer: Namespace
            var swiftlet: SwiftletDaemon
            /// The peer as swiftletd sees it (its address; swiftletd's session name is looked up from it).
            var peerAddress: String
            /// Swiftlet as the peer daemon sees it.
            var swiftletAddress: String
        }

        static func setup(
            _ lab: Lab, ipv6: Bool = false, peerAS: UInt32 = peerAS, swiftletPassive: Bool = false,
            password: String? = nil
        ) throws -> Setup {
            let (sw, peer) = try lab.pair("sw", "peer")
            let peerAddress = ipv6 ? Addr.v6(1, 2) : Addr.v4(1, 2)
            let config = SwiftletConfig(
                asNumber: swiftletAS, ipv4Address: "\(Addr.v4(1, 1))/24", ipv6Address: "\(Addr.v6(1, 1))/64",
                holdTime: holdTime,
                peers: [
                    .init(
                        name: "peer", peerIP: peerAddress, asNumber: peerAS, holdTime: holdTime,
                        passive: swiftletPassive, password: password)
                ])
            return Setup(
                lab: lab, sw: sw, peer: peer, swiftlet: try SwiftletDaemon(sw, config: config), peerAddress: peerAddress,
                swiftletAddress: ipv6 ? Addr.v6(1, 1) : Addr.v4(1, 1))
        }

        /// The peer's view of Swiftlet (BIRD protocol name "swiftlet").
        static func neighbor(_ s: Setup, peerAS: UInt32 = peerAS, passive: Bool = false, password: String? = nil)
            -> Neighbor
        {
            Neighbor(
                name: "swiftlet", localAddress: s.peerAddress, localAS: peerAS, address: s.swiftletAddress,
                remoteAS: swiftletAS, holdTime: holdTime, passive: passive, password: password,
                families: s.peerAddress.contains(":") ? [.ipv6, .ipv4] : [.ipv4])
        }

        static func bird(_ s: Setup, passive: Bool = false, password: String? = nil) throws -> BirdDaemon {
            try BirdDaemon(
                s.peer,
                config: BirdDaemon.config(
                    routerID: Addr.v4(1, 2), neighbors: [neighbor(s, passive: passive, password: password)]))
        }

        /// Both sides Established (Swiftlet by peer address, the peer by its own session key).
        static func requireEstablished(_ s: Setup, _ peer: some BGPDaemon, peerKey: String) async throws {
            let swUp = await s.swiftlet.waitEstablished(peer: s.peerAddress)
            try #require(swUp, "swiftletd: \(s.swiftlet.describe(peer: s.peerAddress))")
            let peerUp = await peer.waitEstablished(peer: peerKey)
            try #require(peerUp, "\(peer.label): \(peer.describe(peer: peerKey))")
        }

        // MARK: - sessions with each implementation

        @Test("BIRD: eBGP over IPv4, swiftletd active (BIRD passive)")
        func bird() async throws {
            try await withLab("swiftlet-bird-ebgp-ipv4") { lab in
                let s = try Self.setup(lab)
                let bird = try Self.bird(s, passive: true)
                try await bird.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, bird, peerKey: "swiftlet")
            }
        }

        @Test("FRR: iBGP over IPv6 transport, swiftletd passive (FRR connects)")
        func frrIBGPv6() async throws {
            try await withLab("swiftlet-frr-ibgp-ipv6") { lab in
                let s = try Self.setup(lab, ipv6: true, peerAS: Self.swiftletAS, swiftletPassive: true)
                let frr = try FRRDaemon(
                    s.peer,
                    config: FRRDaemon.config(routerID: Addr.v4(1, 2), neighbors: [Self.neighbor(s, peerAS: Self.swiftletAS)]))
                try await s.swiftlet.start()
                try await frr.start()
                try await Self.requireEstablished(s, frr, peerKey: s.swiftletAddress)
            }
        }

        @Test("GoBGP: eBGP over IPv4")
        func gobgp() async throws {
            try await withLab("swiftlet-gobgp-ebgp") { lab in
                let s = try Self.setup(lab)
                let gobgp = try GoBGPDaemon(
                    s.peer, config: GoBGPDaemon.config(routerID: Addr.v4(1, 2), neighbors: [Self.neighbor(s)]))
                try await gobgp.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, gobgp, peerKey: s.swiftletAddress)
            }
        }

        @Test("ExaBGP: eBGP over IPv4")
        func exabgp() async throws {
            try await withLab("swiftlet-exabgp-ebgp") { lab in
                let s = try Self.setup(lab)
                let exabgp = try ExaBGPDaemon(
                    s.peer, neighborsConfig: ExaBGPDaemon.config(routerID: Addr.v4(1, 2), neighbors: [Self.neighbor(s)]))
                try await exabgp.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, exabgp, peerKey: s.swiftletAddress)
            }
        }

        // MARK: - TCP-MD5

        @Test("TCP-MD5 with BIRD: same password, Established")
        func md5Bird() async throws {
            try await withLab("swiftlet-bird-md5") { lab in
                let s = try Self.setup(lab, password: "bird-s3cret")
                let bird = try Self.bird(s, password: "bird-s3cret")
                try await bird.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, bird, peerKey: "swiftlet")
            }
        }

        @Test("TCP-MD5 with FRR: same password, Established")
        func md5FRR() async throws {
            try await withLab("swiftlet-frr-md5") { lab in
                let s = try Self.setup(lab, password: "frr-s3cret")
                let frr = try FRRDaemon(
                    s.peer,
                    config: FRRDaemon.config(routerID: Addr.v4(1, 2), neighbors: [Self.neighbor(s, password: "frr-s3cret")]))
                try await frr.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, frr, peerKey: s.swiftletAddress)
            }
        }

        @Test("TCP-MD5 wrong key: never Established, segments dropped, swiftletd hints at the password")
        func md5WrongKey() async throws {
            try await withLab("swiftlet-bird-md5-wrong") { lab in
                let s = try Self.setup(lab, password: "right")
                let bird = try Self.bird(s, passive: true, password: "wrong")
                try await bird.start()
                try await s.swiftlet.start()
                var everUp = false
                // swiftletd logs "check TCP-MD5 password" when a connect times out with a password set.
                let hinted = await Poll.until {
                    if (try? s.swiftlet.isEstablished(peer: s.peerAddress)) == true
                        || (try? bird.isEstablished(peer: "swiftlet")) == true
                    {
                        everUp = true
                    }
                    return s.swiftlet.log.contains("MD5")
                }
                #expect(hinted, "swiftletd's log never mentions MD5:\n\(s.swiftlet.describe(peer: s.peerAddress))")
                #expect(!everUp)
                let drops = try s.peer.counter("TcpExtTCPMD5Failure") + s.sw.counter("TcpExtTCPMD5Failure")
                #expect(drops > 0, "TcpExtTCPMD5Failure is 0 in both namespaces")
            }
        }

        // MARK: - failures and operations

        @Test("Hold timer: a frozen peer gets NOTIFICATION 4/0 and the session leaves Established within hold time + 2 s")
        func holdTimerExpiry() async throws {
            try await withLab("swiftlet-bird-hold-timer") { lab in
                let s = try Self.setup(lab)
                let bird = try Self.bird(s, passive: true)
                try await bird.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, bird, peerKey: "swiftlet")
                let capture = try await PacketCapture(s.sw, device: "veth0")

                bird.mainProcess?.freeze()
                let frozeAt = ContinuousClock.now
                let dropped = await s.swiftlet.waitNotEstablished(
                    peer: s.peerAddress, timeout: .seconds(Self.holdTime + 2))
                let elapsed = ContinuousClock.now - frozeAt
                bird.mainProcess?.thaw()
                #expect(dropped, "still Established \(elapsed) after freezing BIRD")

                let sent = await Poll.until(timeout: .seconds(5)) {
                    ((try? capture.notifications()) ?? []).contains { $0.source == s.swiftletAddress && $0.code == 4 }
                }
                #expect(
                    sent, "no NOTIFICATION 4/0 from swiftletd; captured: \((try? capture.notifications()) ?? [])")
                capture.stop()
            }
        }

        @Test("Peer restart: swiftletd reconnects to a restarted BIRD (BIRD passive) within the backoff window")
        func peerRestart() async throws {
            try await withLab("swiftlet-bird-restart") { lab in
                let s = try Self.setup(lab)
                let bird = try Self.bird(s, passive: true)
                try await bird.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, bird, peerKey: "swiftlet")

                bird.mainProcess?.signal(SIGKILL)  // no Cease: swiftletd sees a reset or a hold timer expiry
                let down = await s.swiftlet.waitNotEstablished(peer: s.peerAddress, timeout: .seconds(Self.holdTime + 2))
                try #require(down, "swiftletd never noticed the dead peer")
                try await bird.start()
                try await Self.requireEstablished(s, bird, peerKey: "swiftlet")
            }
        }

        @Test("Collision: both sides active at once end with exactly one Established connection")
        func collision() async throws {
            try await withLab("swiftlet-bird-collision") { lab in
                let s = try Self.setup(lab)
                let bird = try Self.bird(s)  // active, connect delay 1 s
                try await bird.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, bird, peerKey: "swiftlet")
                let established = {
                    try s.sw.run(["ss", "-Htn", "state", "established", "( sport = :179 or dport = :179 )"]).stdout
                        .split(separator: "\n").count
                }
                // Stable: one TCP connection, both sides Established, for a few keepalive intervals.
                let stable = try await Poll.holds(for: .seconds(4)) {
                    try established() == 1 && s.swiftlet.isEstablished(peer: s.peerAddress)
                        && bird.isEstablished(peer: "swiftlet")
                }
                #expect(stable, "connections: \((try? established()) ?? -1)\n\(s.swiftlet.describe(peer: s.peerAddress))")
            }
        }

        @Test("Admin shutdown: `swiftletctl disable --message` reaches BIRD as an RFC 9003 shutdown communication")
        func adminShutdown() async throws {
            try await withLab("swiftlet-bird-admin-shutdown") { lab in
                let s = try Self.setup(lab)
                let bird = try Self.bird(s, passive: true)
                try await bird.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, bird, peerKey: "swiftlet")
                let name = try #require(try s.swiftlet.sessionName(peerAddress: s.peerAddress))

                let result = try s.swiftlet.ctl(["disable", name, "--message", "maintenance"])
                try #require(result.ok, "\(result.output)")
                // BIRD: "Message: maintenance" and "Last error: Received: Administrative shutdown".
                let shown = await Poll.until {
                    let details = (try? bird.protocolDetails("swiftlet")) ?? ""
                    return details.contains("maintenance") && details.contains("Administrative shutdown")
                }
                #expect(shown, "\((try? bird.protocolDetails("swiftlet")) ?? "")")
                let stays = await s.swiftlet.staysDown(peer: s.peerAddress, for: .seconds(3))
                #expect(stays, "a disabled session came back")
            }
        }

        @Test("SIGTERM: swiftletd sends Cease before it exits")
        func sigtermSendsCease() async throws {
            try await withLab("swiftlet-bird-sigterm") { lab in
                let s = try Self.setup(lab)
                let bird = try Self.bird(s, passive: true)
                try await bird.start()
                try await s.swiftlet.start()
                try await Self.requireEstablished(s, bird, peerKey: "swiftlet")
                let capture = try await PacketCapture(s.sw, device: "veth0")

                s.swiftlet.mainProcess?.signal(SIGTERM)
                let exited = await s.swiftlet.mainProcess?.waitExit(timeout: .seconds(10)) ?? false
                #expect(exited, "swiftletd still runs 10 s after SIGTERM")
                let cease = await Poll.until(timeout: .seconds(5)) {
                    ((try? capture.notifications()) ?? []).contains { $0.source == s.swiftletAddress && $0.code == 6 }
                }
                #expect(cease, "no Cease from swiftletd; captured: \((try? capture.notifications()) ?? [])")
                capture.stop()
            }
        }
    }
}
