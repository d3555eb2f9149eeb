// SPDX-License-Identifier: Apache-2.0
// Scenarios between third-party daemons only: they prove the harness (namespaces, launchers, pollers, counters)
// works before swiftletd exists, and keep proving it on every CI run.
import Foundation
import Testing

extension InteropScenarios {
    @Suite(
        "Interop harness (third-party daemons only)", .serialized,
        .enabled(if: Interop.harnessEnabled, "needs BGP_INTEROP=1 and root"))
    struct HarnessSelfTests {
        /// BIRD (AS 64512, host 1) and FRR (AS 64513, host 2), eBGP over IPv4; optional TCP-MD5 passwords.
        private static func birdAndFRR(
            _ lab: Lab, birdPassword: String? = nil, frrPassword: String? = nil
        ) async throws -> (bird: BirdDaemon, frr: FRRDaemon, birdNS: Namespace, frrNS: Namespace) {
            let (a, b) = try lab.pair("bird", "frr")
            let toFRR = Neighbor(
                name: "frr", localAddress: Addr.v4(1, 1), localAS: 64512, address: Addr.v4(1, 2), remoteAS: 64513,
                password: birdPassword)
            let toBird = Neighbor(
                name: "bird", localAddress: Addr.v4(1, 2), localAS: 64513, address: Addr.v4(1, 1), remoteAS: 64512,
                password: frrPassword)
            let bird = try BirdDaemon(a, config: BirdDaemon.config(routerID: Addr.v4(1, 1), neighbors: [toFRR]))
            let frr = try FRRDaemon(b, config: FRRDaemon.config(routerID: Addr.v4(1, 2), neighbors: [toBird]))
            try await frr.start()
            try await bird.start()
            return (bird, frr, a, b)
        }

        @Test("BIRD ↔ FRR eBGP over IPv4 reaches Established; FRR's shutdown message shows in BIRD")
        func birdFRR() async throws {
            try await withLab("bird-frr-ebgp-ipv4") { lab in
                let (bird, frr, _, _) = try await Self.birdAndFRR(lab)
                let birdUp = await bird.waitEstablished(peer: "frr")
                try #require(birdUp, "\(bird.describe(peer: "frr"))")
                let frrUp = await frr.waitEstablished(peer: Addr.v4(1, 1))
                try #require(frrUp, "\(frr.describe(peer: Addr.v4(1, 1)))")

                // RFC 9003 shutdown communication from FRR: checks the text BIRD shows, which the swiftletd
                // admin-shutdown scenario relies on.
                _ = try frr.vtysh(
                    "configure terminal", "router bgp 64513",
                    "neighbor \(Addr.v4(1, 1)) shutdown message harness maintenance")
                let shown = await Poll.until {
                    let details = (try? bird.protocolDetails("frr")) ?? ""
                    return details.contains("harness maintenance") && details.contains("Administrative shutdown")
                }
                #expect(shown, "\((try? bird.protocolDetails("frr")) ?? "")")
            }
        }

        @Test("GoBGP ↔ ExaBGP eBGP reaches Established")
        func gobgpExaBGP() async throws {
            try await withLab("gobgp-exabgp") { lab in
                let (g, e) = try lab.pair("gobgp", "exabgp")
                let gobgp = try GoBGPDaemon(
                    g,
                    config: GoBGPDaemon.config(
                        routerID: Addr.v4(1, 1),
                        neighbors: [
                            Neighbor(
                                name: "exabgp", localAddress: Addr.v4(1, 1), localAS: 64513, address: Addr.v4(1, 2),
                                remoteAS: 64514, passive: true)
                        ]))
                let exabgp = try ExaBGPDaemon(
                    e,
                    neighborsConfig: ExaBGPDaemon.config(
                        routerID: Addr.v4(1, 2),
                        neighbors: [
                            Neighbor(
                                name: "gobgp", localAddress: Addr.v4(1, 2), localAS: 64514, address: Addr.v4(1, 1),
                                remoteAS: 64513)
                        ]))
                try await gobgp.start()
                try await exabgp.start()
                let gobgpUp = await gobgp.waitEstablished(peer: Addr.v4(1, 2))
                try #require(gobgpUp, "\(gobgp.describe(peer: Addr.v4(1, 2)))")
                let exabgpUp = await exabgp.waitEstablished(peer: Addr.v4(1, 1))
                #expect(exabgpUp, "\(exabgp.describe(peer: Addr.v4(1, 1)))")

                // The API path works: an announced route arrives at GoBGP.
                try exabgp.send("announce route 10.244.1.0/26 next-hop \(Addr.v4(1, 2))")
                let received = await Poll.until {
                    ((try? gobgp.gobgp(["global", "rib"])) ?? "").contains("10.244.1.0/26")
                }
                #expect(received, "\((try? gobgp.gobgp(["global", "rib"])) ?? "")")
            }
        }

        @Test("TCP-MD5 between BIRD and FRR with the same password reaches Established")
        func md5Match() async throws {
            try await withLab("bird-frr-md5") { lab in
                let (bird, frr, _, _) = try await Self.birdAndFRR(lab, birdPassword: "s3cret", frrPassword: "s3cret")
                let up = await bird.waitEstablished(peer: "frr")
                try #require(up, "\(bird.describe(peer: "frr"))")
                #expect(try frr.isEstablished(peer: Addr.v4(1, 1)))
            }
        }

        @Test("TCP-MD5 with different passwords: never Established, TcpExtTCPMD5Failure increases")
        func md5Mismatch() async throws {
            try await withLab("bird-frr-md5-wrong") { lab in
                let (bird, frr, birdNS, frrNS) = try await Self.birdAndFRR(
                    lab, birdPassword: "s3cret", frrPassword: "wrong")
                let failures = { (try birdNS.counter("TcpExtTCPMD5Failure")) + (try frrNS.counter("TcpExtTCPMD5Failure")) }
                var everUp = false
                // Counters start at 0 in fresh namespaces; wait for rejected segments, watching the session meanwhile.
                let rejected = try await Poll.until {
                    if try bird.isEstablished(peer: "frr") || frr.isEstablished(peer: Addr.v4(1, 1)) { everUp = true }
                    return try failures() > 0
                }
                #expect(rejected, "TcpExtTCPMD5Failure stayed 0")
                let stillDown = await bird.staysDown(peer: "frr", for: .seconds(3))
                #expect(!everUp && stillDown, "\(bird.describe(peer: "frr"))")
            }
        }
    }
}
