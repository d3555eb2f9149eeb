// SPDX-License-Identifier: Apache-2.0
// swiftletd's transport security options against real peers: GTSM (RFC 5082, BGPPeer `ttlSecurity`), eBGP
// `multihop`, TCP-MD5 (RFC 2385) over IPv6, and `sourceAddress`. Skipped unless BGP_INTEROP=1, root, and the built
// swiftletd is a real daemon, like SwiftletScenarioTests.
//
// Topologies: directly connected ("sw" host 1 ↔ "peer" host 2 on link 1, Lab.pair), or one router apart
// ("sw" 10.200.1.1 ─ "rtr" ─ "peer" 10.200.2.2, Lab.routed), where every packet arrives with TTL decremented once.
// Swiftlet is AS 64512, peers AS 64513, hold time 9 s.
import Foundation
import Testing

extension InteropScenarios {
    @Suite(
        "swiftletd transport security interop", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"),
        .enabled(if: Interop.swiftletReady, "swiftletd is not built yet (`swiftletd --version` says \"not yet\")"))
    struct TransportScenarioTests {
        static let swiftletAS: UInt32 = 64512
        static let peerAS: UInt32 = 64513
        static let holdTime = 9

        /// swiftletd in `ns` as node `nodeAddress`, with one BGPPeer `peer`.
        static func swiftlet(_ ns: Namespace, nodeAddress: String, nodeIPv6: String? = nil, peer: SwiftletConfig.Peer)
            throws -> SwiftletDaemon
        {
            try SwiftletDaemon(
                ns,
                config: SwiftletConfig(
                    asNumber: swiftletAS, ipv4Address: "\(nodeAddress)/24", ipv6Address: nodeIPv6.map { "\($0)/64" },
                    holdTime: holdTime, peers: [peer]))
        }

        static func peer(_ address: String, passive: Bool = false) -> SwiftletConfig.Peer {
            .init(name: "peer", peerIP: address, asNumber: peerAS, holdTime: holdTime, passive: passive)
        }

        /// BIRD in `ns` at `local`, with protocol "swiftlet" towards `swiftlet`.
        static func bird(
            _ ns: Namespace, local: String, swiftlet: String, passive: Bool = false, ttlSecurity: Bool = false,
            multihop: Int? = nil
        ) throws -> BirdDaemon {
            let neighbor = Neighbor(
                name: "swiftlet", localAddress: local, localAS: peerAS, address: swiftlet, remoteAS: swiftletAS,
                holdTime: holdTime, passive: passive, ttlSecurity: ttlSecurity, multihop: multihop)
            return try BirdDaemon(ns, config: BirdDaemon.config(routerID: local, neighbors: [neighbor]))
        }

        /// Both sides Established: swiftletd by peer address, BIRD's protocol "swiftlet".
        static func requireEstablished(
            _ swiftlet: SwiftletDaemon, peerAddress: String, _ other: some BGPDaemon, key: String = "swiftlet"
        ) async throws {
            let swUp = await swiftlet.waitEstablished(peer: peerAddress, timeout: .seconds(20))
            try #require(swUp, "swiftletd: \(swiftlet.describe(peer: peerAddress))")
            let up = await other.waitEstablished(peer: key, timeout: .seconds(10))
            try #require(up, "\(other.label): \(other.describe(peer: key))")
        }

        // MARK: - GTSM, directly connected

        @Test("GTSM with BIRD, directly connected: swiftletd active (ttlSecurity 1, BIRD `ttl security on`)")
        func gtsmDirectActive() async throws {
            try await withLab("transport-gtsm-direct-active") { lab in
                let (sw, peer) = try lab.pair("sw", "peer")
                var config = Self.peer(Addr.v4(1, 2))
                config.ttlSecurity = 1
                let swiftlet = try Self.swiftlet(sw, nodeAddress: Addr.v4(1, 1), peer: config)
                let bird = try Self.bird(peer, local: Addr.v4(1, 2), swiftlet: Addr.v4(1, 1), passive: true, ttlSecurity: true)
                try await bird.start()
                try await swiftlet.start()
                try await Self.requireEstablished(swiftlet, peerAddress: Addr.v4(1, 2), bird)
                #expect(try sw.counter("TcpExtTCPMinTTLDrop") == 0)
            }
        }

        @Test("GTSM with BIRD, directly connected: swiftletd passive, BIRD connects (SYN-ACK must carry TTL 255)")
        func gtsmDirectPassive() async throws {
            try await withLab("transport-gtsm-direct-passive") { lab in
                let (sw, peer) = try lab.pair("sw", "peer")
                var config = Self.peer(Addr.v4(1, 2), passive: true)
                config.ttlSecurity = 1
                let swiftlet = try Self.swiftlet(sw, nodeAddress: Addr.v4(1, 1), peer: config)
                let bird = try Self.bird(peer, local: Addr.v4(1, 2), swiftlet: Addr.v4(1, 1), ttlSecurity: true)
                try await swiftlet.start()
                try await bird.start()
                try await Self.requireEstablished(swiftlet, peerAddress: Addr.v4(1, 2), bird)
                #expect(try peer.counter("TcpExtTCPMinTTLDrop") == 0, "BIRD dropped segments from swiftletd")
            }
        }

        // MARK: - GTSM, one router between

        @Test("GTSM one hop too far: ttlSecurity 1 with a peer behind a router never establishes; TTL 254 is dropped")
        func gtsmTooFar() async throws {
            try await withLab("transport-gtsm-too-far") { lab in
                let t = try lab.routed("sw", "peer")
                var config = Self.peer(t.bV4)
                config.ttlSecurity = 1
                let swiftlet = try Self.swiftlet(t.a, nodeAddress: t.aV4, peer: config)
                // BIRD accepts 2 hops (min TTL 254) and connects too: both directions are tried and refused here.
                let bird = try Self.bird(t.b, local: t.bV4, swiftlet: t.aV4, ttlSecurity: true, multihop: 2)
                let before = try t.a.counter("TcpExtTCPMinTTLDrop")
                try await bird.start()
                try await swiftlet.start()
                var everUp = false
                let isUp = {
                    (try? swiftlet.isEstablished(peer: t.bV4)) == true || (try? bird.isEstablished(peer: "swiftlet")) == true
                }
                let dropped = await Poll.until(timeout: .seconds(15)) {
                    if isUp() { everUp = true }
                    return ((try? t.a.counter("TcpExtTCPMinTTLDrop")) ?? 0) > before
                }
                #expect(dropped, "TcpExtTCPMinTTLDrop did not increase in swiftletd's namespace")
                let down = await Poll.holds(for: .seconds(3)) { !isUp() }
                #expect(down && !everUp, "a GTSM session with ttlSecurity 1 came up across a router")
            }
        }

        @Test("GTSM two hops: ttlSecurity 2 with BIRD `ttl security on; multihop 2` behind a router, Established")
        func gtsmTwoHops() async throws {
            try await withLab("transport-gtsm-two-hops") { lab in
                let t = try lab.routed("sw", "peer")
                var config = Self.peer(t.bV4)
                config.ttlSecurity = 2
                let swiftlet = try Self.swiftlet(t.a, nodeAddress: t.aV4, peer: config)
                let bird = try Self.bird(t.b, local: t.bV4, swiftlet: t.aV4, passive: true, ttlSecurity: true, multihop: 2)
                try await bird.start()
                try await swiftlet.start()
                try await Self.requireEstablished(swiftlet, peerAddress: t.bV4, bird)
            }
        }

        // MARK: - multihop

        @Test("eBGP multihop: swiftletd `multihop: 2` and BIRD `multihop 2` one router apart, Established")
        func multihop() async throws {
            try await withLab("transport-multihop") { lab in
                let t = try lab.routed("sw", "peer")
                var config = Self.peer(t.bV4)
                config.multihop = 2
                let swiftlet = try Self.swiftlet(t.a, nodeAddress: t.aV4, peer: config)
                let bird = try Self.bird(t.b, local: t.bV4, swiftlet: t.aV4, passive: true, multihop: 2)
                try await bird.start()
                try await swiftlet.start()
                try await Self.requireEstablished(swiftlet, peerAddress: t.bV4, bird)
            }
        }

        // MARK: - TCP-MD5 over IPv6

        static func frrMD5(_ lab: Lab, swiftletPassword: String, frrPassword: String) async throws
            -> (SwiftletDaemon, FRRDaemon, Namespace, Namespace)
        {
            let (sw, peer) = try lab.pair("sw", "peer")
            var config = Self.peer(Addr.v6(1, 2))
            config.password = swiftletPassword
            let swiftlet = try Self.swiftlet(sw, nodeAddress: Addr.v4(1, 1), nodeIPv6: Addr.v6(1, 1), peer: config)
            let neighbor = Neighbor(
                name: "swiftlet", localAddress: Addr.v6(1, 2), localAS: peerAS, address: Addr.v6(1, 1),
                remoteAS: swiftletAS, holdTime: holdTime, password: frrPassword, families: [.ipv6, .ipv4])
            let frr = try FRRDaemon(peer, config: FRRDaemon.config(routerID: Addr.v4(1, 2), neighbors: [neighbor]))
            try await frr.start()
            try await swiftlet.start()
            return (swiftlet, frr, sw, peer)
        }

        @Test("TCP-MD5 over IPv6 with FRR: same password, Established")
        func md5IPv6() async throws {
            try await withLab("transport-md5-ipv6") { lab in
                let (swiftlet, frr, _, _) = try await Self.frrMD5(lab, swiftletPassword: "v6-s3cret", frrPassword: "v6-s3cret")
                try await Self.requireEstablished(swiftlet, peerAddress: Addr.v6(1, 2), frr, key: Addr.v6(1, 1))
            }
        }

        @Test("TCP-MD5 over IPv6 with FRR: wrong password, never Established, signature failures counted")
        func md5IPv6WrongKey() async throws {
            try await withLab("transport-md5-ipv6-wrong") { lab in
                let (swiftlet, frr, sw, peer) = try await Self.frrMD5(lab, swiftletPassword: "right", frrPassword: "wrong")
                let failures = { ((try? sw.counter("TcpExtTCPMD5Failure")) ?? 0) + ((try? peer.counter("TcpExtTCPMD5Failure")) ?? 0) }
                var everUp = false
                let isUp = {
                    (try? swiftlet.isEstablished(peer: Addr.v6(1, 2))) == true
                        || (try? frr.isEstablished(peer: Addr.v6(1, 1))) == true
                }
                let failed = await Poll.until(timeout: .seconds(15)) {
                    if isUp() { everUp = true }
                    return failures() > 0
                }
                #expect(failed, "TcpExtTCPMD5Failure is 0 in both namespaces")
                let down = await Poll.holds(for: .seconds(3)) { !isUp() }
                #expect(down && !everUp, "a session with mismatched TCP-MD5 keys came up")
            }
        }

        // MARK: - sourceAddress

        @Test("sourceAddress UseNodeIP: swiftletd connects from the node's secondary address, which BIRD requires")
        func sourceAddress() async throws {
            try await withLab("transport-source-address") { lab in
                let (sw, peer) = try lab.pair("sw", "peer")
                // 10.200.1.1 stays the primary (the kernel's choice for an unbound socket); the node is .11.
                let nodeAddress = Addr.v4(1, 11)
                try Shell.check(["ip", "-n", sw.name, "addr", "add", "\(nodeAddress)/24", "dev", "veth0"])
                var config = Self.peer(Addr.v4(1, 2))
                config.sourceAddress = "UseNodeIP"
                let swiftlet = try Self.swiftlet(sw, nodeAddress: nodeAddress, peer: config)
                let bird = try Self.bird(peer, local: Addr.v4(1, 2), swiftlet: nodeAddress, passive: true)
                try await bird.start()
                try await swiftlet.start()
                try await Self.requireEstablished(swiftlet, peerAddress: Addr.v4(1, 2), bird)
                let sockets = try sw.run(["ss", "-Htn", "state", "established", "( dport = :179 )"]).stdout
                #expect(sockets.contains("\(nodeAddress):"), "swiftletd's connection is not from \(nodeAddress):\n\(sockets)")
            }
        }
    }
}
