// SPDX-License-Identifier: Apache-2.0
// The real birdcl (Debian's bird2, /usr/sbin/birdcl) against BIRD 2.0.12 and against swiftletd's BIRD-compatible
// socket, for the same three peers: `show protocols` and `show status` must print the same lines (the `since`
// column and times masked, the heading compared without case: swiftletd writes it in lower case for Calico, see
// docs/bird-socket.md). Skipped unless BGP_INTEROP=1, root, and swiftletd is built.
//
// One namespace, loopback only. A peer BIRD on 127.0.0.2:1790 (AS 64512) exports two routes. The device under test,
// first BIRD and then swiftletd, listens on 127.0.0.1:1791 and has: the peer (iBGP, Established:
// `Node_127_0_0_2_port_1790`), a passive eBGP peer nobody dials (`Node_127_0_0_3`: Passive), and a global eBGP peer
// nobody answers (`Global_127_0_0_4`: Active/Connect, `Socket: Connection refused`).
import Foundation
import Testing

extension InteropScenarios {
    @Suite(
        "BIRD-compatible socket vs BIRD", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"),
        .enabled(if: Interop.swiftletReady, "swiftletd is not built yet"))
    struct BirdSocketInteropTests {
        static let peerConfig = """
            router id 10.0.0.2;
            protocol device {}
            protocol static { ipv4; route 10.65.1.0/26 blackhole; route 10.65.2.0/26 blackhole; }
            protocol bgp dut {
                local 127.0.0.2 port 1790 as 64512;
                neighbor 127.0.0.1 port 1791 as 64512;
                connect delay time 1; connect retry time 1; error wait time 1, 2;
                ipv4 { import all; export all; next hop self; };
            }

            """

        /// Calico's bird.cfg in miniature, with the names swiftletd gives the same BGPPeers.
        static let dutConfig = """
            router id 127.0.0.1;
            protocol device {}
            template bgp bgp_template {
                local 127.0.0.1 port 1791 as 64512;
                connect delay time 1; connect retry time 1; error wait time 1, 2;
                ipv4 { import all; export all; };
            }
            protocol bgp Node_127_0_0_2_port_1790 from bgp_template {
                neighbor 127.0.0.2 port 1790 as 64512;
            }
            protocol bgp Node_127_0_0_3 from bgp_template {
                neighbor 127.0.0.3 as 65001; multihop; passive on;
            }
            protocol bgp Global_127_0_0_4 from bgp_template {
                neighbor 127.0.0.4 as 65002; multihop;
            }

            """

        static let swiftletConfig = """
            apiVersion: projectcalico.org/v3
            kind: BGPConfiguration
            metadata: {name: default}
            spec: {asNumber: 64512, nodeToNodeMeshEnabled: false, listenPort: 1791, listenAddress: 127.0.0.1, connectRetryTime: 1s}
            ---
            apiVersion: projectcalico.org/v3
            kind: Node
            metadata: {name: dut}
            spec: {bgp: {ipv4Address: 127.0.0.1/8}}
            ---
            apiVersion: projectcalico.org/v3
            kind: BGPPeer
            metadata: {name: peer}
            spec: {node: dut, peerIP: "127.0.0.2:1790", asNumber: 64512}
            ---
            apiVersion: projectcalico.org/v3
            kind: BGPPeer
            metadata: {name: passive}
            spec: {node: dut, peerIP: 127.0.0.3, asNumber: 65001, passive: true}
            ---
            apiVersion: projectcalico.org/v3
            kind: BGPPeer
            metadata: {name: global}
            spec: {peerIP: 127.0.0.4, asNumber: 65002}

            """

        static let established = "Node_127_0_0_2_port_1790"

        /// `birdcl -s SOCKET ARGS…` output lines.
        static func birdcl(_ socket: String, _ arguments: [String]) throws -> [String] {
            let result = try Shell.run(["birdcl", "-s", socket] + arguments, timeout: .seconds(5))
            return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                .filter { !$0.isEmpty }
        }

        /// The BGP rows of birdcl's `show protocols`, keyed by name, with the Since column masked.
        static func rows(_ lines: [String]) -> [String: String] {
            var rows: [String: String] = [:]
            for line in lines {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 5, fields[1] == "BGP" else { continue }
                rows[String(fields[0])] = line.replacingOccurrences(of: String(fields[4]), with: String(repeating: "#", count: fields[4].count))
            }
            return rows
        }

        /// `show status` lines with their times and version masked: what is left must be the same words.
        static func statusShape(_ lines: [String]) -> [String] {
            lines.map { line in
                for prefix in ["BIRD ", "Router ID is ", "Hostname is ", "Current server time is ", "Last reboot on ", "Last reconfiguration on "]
                where line.hasPrefix(prefix) {
                    return prefix + "…"
                }
                return line
            }
        }

        @Test("show status: 0024 graceful-restart recovery until the peer's End-of-RIB lets the kernel sweep, then 0013")
        func gracefulRestartStatus() async throws {
            try await withLab("bird-socket-gr") { lab in
                let ns = try lab.namespace("g")
                let config = try lab.write(
                    "swiftlet.yaml",
                    Self.swiftletConfig.components(separatedBy: "---").prefix(3).joined(separator: "---"))
                let socket = lab.file("swiftlet-bird.ctl").path
                // With the kernel (in the lab namespace): routes of an earlier run are kept until the sweep.
                let swiftlet = try ns.spawn(
                    "swiftletd",
                    [
                        Interop.builtExecutable("swiftletd").path, "--config", config.path, "--node", "dut",
                        "--control-socket", lab.file("swiftletd.sock").path, "--bird-socket", socket,
                        "--log-level", "debug",
                    ])
                let recovering = await Poll.until(timeout: .seconds(10)) {
                    ((try? Self.birdcl(socket, ["show", "status"])) ?? []).contains("Graceful restart recovery in progress")
                }
                try #require(recovering, "swiftletd: \(swiftlet.logText.suffix(3000))")
                let status = try Self.birdcl(socket, ["show", "status"])
                #expect(status.contains("  Waiting for 1 channels to recover"), "\(status)")
                #expect(status.contains { $0.hasPrefix("  Wait timer is ") && $0.hasSuffix("/120") }, "\(status)")
                #expect(status.last == "Daemon is up and running")

                // The peer comes up and sends its table and End-of-RIB: recovery ends.
                let peer = try BirdDaemon(ns, name: "peer", config: Self.peerConfig)
                try await peer.start()
                let recovered = await Poll.until(timeout: .seconds(15)) {
                    let lines = (try? Self.birdcl(socket, ["show", "status"])) ?? []
                    return lines.last == "Daemon is up and running" && !lines.contains { $0.contains("Graceful restart") }
                }
                #expect(recovered, "swiftletd: \(swiftlet.logText.suffix(3000))")
                swiftlet.stop()
            }
        }

        @Test("birdcl show protocols / show status: the same lines from swiftletd as from BIRD 2.0.12")
        func birdclAgainstBoth() async throws {
            try await withLab("bird-socket") { lab in
                let ns = try lab.namespace("b")
                let peer = try BirdDaemon(ns, name: "peer", config: Self.peerConfig)
                try await peer.start()

                // 1. BIRD as the device under test.
                let bird = try BirdDaemon(ns, name: "dut", config: Self.dutConfig)
                try await bird.start()
                let birdUp = await Poll.until(timeout: .seconds(10)) {
                    let rows = Self.rows((try? Self.birdcl(bird.controlSocket, ["show", "protocols"])) ?? [])
                    return rows[Self.established]?.contains("Established") == true
                        && rows["Global_127_0_0_4"]?.contains("Connection refused") == true
                }
                try #require(birdUp, "BIRD: \(bird.describe(peer: Self.established))")
                // Established comes before the peer's routes: wait for them too, so the detail can show them.
                _ = await Poll.until(timeout: .seconds(10)) {
                    Self.importsBoth((try? Self.birdcl(bird.controlSocket, ["show", "protocols", "all", Self.established])) ?? [])
                }
                let birdProtocols = try Self.birdcl(bird.controlSocket, ["show", "protocols"])
                let birdStatus = try Self.birdcl(bird.controlSocket, ["show", "status"])
                let birdDetail = try Self.birdcl(bird.controlSocket, ["show", "protocols", "all", Self.established])
                bird.stop()

                // 2. swiftletd, same peers, same address and port.
                let config = try lab.write("swiftlet.yaml", Self.swiftletConfig)
                let socket = lab.file("swiftlet-bird.ctl").path
                let swiftlet = try ns.spawn(
                    "swiftletd",
                    [
                        Interop.builtExecutable("swiftletd").path, "--config", config.path, "--node", "dut",
                        "--control-socket", lab.file("swiftletd.sock").path, "--no-kernel", "--bird-socket", socket,
                        "--log-level", "debug",
                    ])
                let swiftletUp = await Poll.until(timeout: .seconds(12)) {
                    let rows = Self.rows((try? Self.birdcl(socket, ["show", "protocols"])) ?? [])
                    return rows[Self.established]?.contains("Established") == true
                        && rows["Global_127_0_0_4"]?.contains("Connection refused") == true
                }
                try #require(swiftletUp, "swiftletd: \(swiftlet.logText.suffix(3000))")
                _ = await Poll.until(timeout: .seconds(10)) {
                    Self.importsBoth((try? Self.birdcl(socket, ["show", "protocols", "all", Self.established])) ?? [])
                }
                let swiftletProtocols = try Self.birdcl(socket, ["show", "protocols"])
                let swiftletStatus = try Self.birdcl(socket, ["show", "status"])
                let swiftletDetail = try Self.birdcl(socket, ["show", "protocols", "all", Self.established])
                swiftlet.stop()

                // Greeting: "BIRD <version> ready.", then the heading with the same columns at the same offsets.
                #expect(birdProtocols[0] == "BIRD 2.0.12 ready.")
                #expect(swiftletProtocols[0].hasPrefix("BIRD 2.0.12 ") && swiftletProtocols[0].hasSuffix(" ready."))
                #expect(birdProtocols[1] == "Name       Proto      Table      State  Since         Info")
                #expect(swiftletProtocols[1].lowercased() == birdProtocols[1].lowercased())

                // The BGP rows: byte for byte once Since is masked (the unanswered peer may be between attempts).
                let birdRows = Self.rows(birdProtocols)
                let swiftletRows = Self.rows(swiftletProtocols)
                #expect(Set(swiftletRows.keys) == [Self.established, "Node_127_0_0_3", "Global_127_0_0_4"])
                #expect(swiftletRows[Self.established] == birdRows[Self.established])
                #expect(swiftletRows["Node_127_0_0_3"] == birdRows["Node_127_0_0_3"])
                let global = try #require(swiftletRows["Global_127_0_0_4"])
                #expect(
                    global == birdRows["Global_127_0_0_4"]
                        || global.hasSuffix("  Connect       ") || global.hasSuffix("  Active        "),
                    "\(global) vs \(birdRows["Global_127_0_0_4"] ?? "")")
                #expect(global.hasPrefix("Global_127_0_0_4 BGP        ---        start  "))

                // show status: the same lines in the same order, times and version aside.
                #expect(Self.statusShape(swiftletStatus) == Self.statusShape(birdStatus), "\(swiftletStatus) vs \(birdStatus)")
                #expect(swiftletStatus.last == "Daemon is up and running")

                // show protocols all NAME: BIRD's labels at BIRD's indentation, for the lines both print.
                for line in [
                    "  BGP state:          Established", "    Neighbor address: 127.0.0.2",
                    "    Neighbor AS:      64512", "    Local AS:         64512", "    Neighbor ID:      10.0.0.2",
                    "  Channel ipv4", "    State:          UP", "    Table:          master4", "    Preference:     100",
                ] {
                    #expect(birdDetail.contains(line), "BIRD lacks \(line)")
                    #expect(swiftletDetail.contains(line), "swiftletd lacks \(line)")
                }
                #expect(Self.importsBoth(birdDetail))
                #expect(Self.importsBoth(swiftletDetail))
            }
        }

        /// The peer's two routes are in: `show protocols all NAME` counts them.
        static func importsBoth(_ detail: [String]) -> Bool {
            detail.contains { $0.hasPrefix("    Routes:         2 imported, ") }
        }
    }
}
