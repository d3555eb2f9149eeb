// SPDX-License-Identifier: Apache-2.0
// Launchers for third-party BGP speakers in a lab namespace. Command lines live in scripts/vectors/daemons.sh
// (shared with the golden-vector captures); these types write configs, start and stop the daemons by PID, and
// answer "is this session Established?" from each daemon's own CLI.
import Foundation

/// One BGP session as seen from one speaker; every launcher renders it into its own config language.
struct Neighbor: Sendable {
    enum Family: String, Sendable { case ipv4, ipv6 }

    /// BIRD protocol name / description elsewhere; letters, digits and underscores.
    var name: String
    var localAddress: String
    var localAS: UInt32
    var address: String
    var remoteAS: UInt32
    var holdTime: Int = 9
    var passive: Bool = false
    var password: String? = nil
    var families: [Family] = [.ipv4]
    /// GTSM (RFC 5082): BIRD `ttl security on`, FRR `ttl-security hops`; the peer is `multihop ?? 1` hops away.
    var ttlSecurity: Bool = false
    /// eBGP multihop: BIRD `multihop N`, FRR `ebgp-multihop N` (with `ttlSecurity`, the hop count).
    var multihop: Int? = nil

    var isIBGP: Bool { localAS == remoteAS }
    var isIPv6Transport: Bool { address.contains(":") }
}

/// A running (or restartable) BGP speaker.
protocol BGPDaemon: AnyObject, Sendable {
    var label: String { get }
    /// Whether the session named `peer` (BIRD/Swiftlet: protocol name; FRR/GoBGP/ExaBGP: neighbor address) is
    /// Established right now.
    func isEstablished(peer: String) throws -> Bool
    /// The daemon's own description of that session, for failure messages.
    func describe(peer: String) -> String
    /// The daemon's main process (the one a test freezes or kills).
    var mainProcess: BackgroundProcess? { get }
}

extension BGPDaemon {
    /// Polls every 200 ms until the session is Established; false after `timeout` (at most 30 s).
    func waitEstablished(peer: String, timeout: Duration = .seconds(30)) async -> Bool {
        await Poll.until(timeout: min(timeout, .seconds(30))) { (try? isEstablished(peer: peer)) ?? false }
    }

    /// Polls until the session is anything but Established.
    func waitNotEstablished(peer: String, timeout: Duration = .seconds(30)) async -> Bool {
        await Poll.until(timeout: min(timeout, .seconds(30))) { !((try? isEstablished(peer: peer)) ?? false) }
    }

    /// True if the session is never seen Established during `duration`.
    func staysDown(peer: String, for duration: Duration) async -> Bool {
        await Poll.holds(for: duration) { !((try? isEstablished(peer: peer)) ?? false) }
    }
}

private func compactJSON(_ text: String) -> String { text.filter { !$0.isWhitespace } }

// MARK: - BIRD 2

// The daemon classes are `@unchecked Sendable` because Swift Testing runs the serialized suite's async bodies on
// arbitrary executors; each instance is used by one test at a time and its mutable state (PIDs) is set once at start.
final class BirdDaemon: BGPDaemon, @unchecked Sendable {
    let namespace: Namespace
    let name: String
    let configFile: URL
    private(set) var process: BackgroundProcess?
    /// More command-line flags for `start` (`-R`: graceful restart recovery).
    var extraArguments: [String] = []
    var label: String { "bird \(name)" }
    var mainProcess: BackgroundProcess? { process }
    var controlSocket: String { namespace.lab.file("\(name).ctl").path }

    /// Writes `config` to `<lab>/<name>.conf`; `start()` runs it.
    init(_ namespace: Namespace, name: String = "bird", config: String) throws {
        self.namespace = namespace
        self.name = name
        configFile = try namespace.lab.write("\(name).conf", config)
    }

    /// A router with one `protocol bgp` per neighbor (named after `Neighbor.name`), fast connect timers.
    static func config(routerID: String, neighbors: [Neighbor], extra: String = "") -> String {
        var text = "router id \(routerID);\nprotocol device {}\n\(extra)\n"
        for n in neighbors {
            text += """
                protocol bgp \(n.name) {
                    local \(n.localAddress) as \(n.localAS);
                    neighbor \(n.address) as \(n.remoteAS);
                    hold time \(n.holdTime);
                    keepalive time \(max(1, n.holdTime / 3));
                    connect delay time 1;
                    connect retry time 2;
                    error wait time 1, 4;
                    \(n.passive ? "passive on;" : "")
                    \(n.password.map { "password \"\($0)\";" } ?? "")
                    \(n.ttlSecurity ? "ttl security on;" : "")
                    \(n.multihop.map { "multihop \($0);" } ?? "")
                    \(n.families.map { "\($0.rawValue) { import all; export none; };" }.joined(separator: "\n    "))
                }

                """
        }
        return text
    }

    func start() async throws {
        process = try namespace.lab.spawnHelper(
            name, "bird_exec", [namespace.name, name, configFile.path] + extraArguments)
        // With -R BIRD says "Graceful restart recovery in progress" instead until its peers sent End-of-RIB.
        let up = await Poll.until(timeout: .seconds(10)) {
            let status = (try? birdc(["show", "status"])) ?? ""
            return status.contains("Daemon is up") || status.contains("Graceful restart recovery in progress")
        }
        if !up { throw HarnessError("\(label) did not start:\n\(process?.logText ?? "")") }
    }

    func stop() { process?.stop() }

    /// `birdc -s <socket> ARGS…` (the control socket is a file; no namespace needed).
    func birdc(_ arguments: [String]) throws -> String {
        try Shell.run(["birdc", "-s", controlSocket] + arguments, timeout: .seconds(10)).stdout
    }

    func isEstablished(peer: String) throws -> Bool {
        try birdc(["show", "protocols", peer]).contains("Established")
    }

    func describe(peer: String) -> String { (try? birdc(["show", "protocols", "all", peer])) ?? "" }

    /// `show protocols all NAME`: BIRD prints a received shutdown communication (RFC 9003) as
    /// `Message: <text>` and the NOTIFICATION as `Last error: Received: Administrative shutdown`.
    func protocolDetails(_ peer: String) throws -> String { try birdc(["show", "protocols", "all", peer]) }
}

// MARK: - FRR (zebra + bgpd, pathspace = namespace name)

final class FRRDaemon: BGPDaemon, @unchecked Sendable {
    let namespace: Namespace
    /// The FRR pathspace (`-N`): /var/run/frr/<pathspace>, /etc/frr/<pathspace>.
    let pathspace: String
    let configFile: URL
    private(set) var zebra: BackgroundProcess?
    private(set) var bgpd: BackgroundProcess?
    var label: String { "frr \(pathspace)" }
    var mainProcess: BackgroundProcess? { bgpd }

    init(_ namespace: Namespace, config: String) throws {
        self.namespace = namespace
        pathspace = namespace.name
        configFile = try namespace.lab.write("\(namespace.name)-frr.conf", config)
        let pathspace = pathspace
        try namespace.lab.helper("frr_prepare", [pathspace])
        namespace.lab.onTeardown { _ = try? Shell.helper("frr_unprepare", [pathspace]) }
    }

    /// `router bgp` with one neighbor block per `Neighbor` (all must share `localAS`).
    static func config(routerID: String, neighbors: [Neighbor]) -> String {
        let asn = neighbors.first?.localAS ?? 0
        var text = """
            frr defaults traditional
            hostname frr
            log stdout informational
            router bgp \(asn)
             bgp router-id \(routerID)
             no bgp ebgp-requires-policy
             no bgp network import-check

            """
        for n in neighbors {
            text += " neighbor \(n.address) remote-as \(n.remoteAS)\n"
            text += " neighbor \(n.address) timers \(max(1, n.holdTime / 3)) \(n.holdTime)\n"
            text += " neighbor \(n.address) timers connect 2\n"
            text += " neighbor \(n.address) update-source \(n.localAddress)\n"
            if n.passive { text += " neighbor \(n.address) passive\n" }
            if let password = n.password { text += " neighbor \(n.address) password \(password)\n" }
            if n.ttlSecurity {
                text += " neighbor \(n.address) ttl-security hops \(n.multihop ?? 1)\n"
            } else if let multihop = n.multihop {
                text += " neighbor \(n.address) ebgp-multihop \(multihop)\n"
            }
        }
        for family in [Neighbor.Family.ipv4, .ipv6] {
            text += " address-family \(family.rawValue) unicast\n"
            for n in neighbors {
                text += "  \(n.families.contains(family) ? "" : "no ")neighbor \(n.address) activate\n"
            }
            text += " exit-address-family\n"
        }
        return text
    }

    func start() async throws {
        let dir = "/var/run/frr/\(pathspace)"
        try? FileManager.default.removeItem(atPath: "\(dir)/zserv.api")
        zebra = try namespace.lab.spawnHelper("\(pathspace)-zebra", "zebra_exec", [namespace.name, pathspace, ""])
        let zebraUp = await Poll.until(timeout: .seconds(15)) { FileManager.default.fileExists(atPath: "\(dir)/zserv.api") }
        if !zebraUp { throw HarnessError("zebra \(pathspace) did not start:\n\(zebra?.logText ?? "")") }
        bgpd = try namespace.lab.spawnHelper(
            "\(pathspace)-bgpd", "bgpd_exec", [namespace.name, pathspace, configFile.path])
        let bgpdUp = await Poll.until(timeout: .seconds(15)) {
            (try? vtysh("show bgp summary"))?.contains("BGP router identifier") ?? false
        }
        if !bgpdUp { throw HarnessError("bgpd \(pathspace) did not start:\n\(bgpd?.logText ?? "")") }
    }

    /// Stops bgpd only (zebra keeps running), e.g. to restart the peer.
    func stopBGPD() { bgpd?.stop() }

    func startBGPD() async throws {
        bgpd = try namespace.lab.spawnHelper(
            "\(pathspace)-bgpd", "bgpd_exec", [namespace.name, pathspace, configFile.path])
        let up = await Poll.until(timeout: .seconds(15)) {
            (try? vtysh("show bgp summary"))?.contains("BGP router identifier") ?? false
        }
        if !up { throw HarnessError("bgpd \(pathspace) did not restart:\n\(bgpd?.logText ?? "")") }
    }

    func stop() {
        bgpd?.stop()
        zebra?.stop()
    }

    /// `vtysh -N <pathspace> -c C1 -c C2 …`
    func vtysh(_ commands: String...) throws -> String {
        try Shell.run(["vtysh", "-N", pathspace] + commands.flatMap { ["-c", $0] }, timeout: .seconds(10)).stdout
    }

    func isEstablished(peer: String) throws -> Bool {
        compactJSON(try vtysh("show bgp neighbors \(peer) json")).contains("\"bgpState\":\"Established\"")
    }

    func describe(peer: String) -> String { (try? vtysh("show bgp neighbors \(peer)")) ?? "" }
}

// MARK: - GoBGP

final class GoBGPDaemon: BGPDaemon, @unchecked Sendable {
    let namespace: Namespace
    let name: String
    let configFile: URL
    /// gRPC API port on the namespace's own loopback.
    let apiPort: Int
    private(set) var process: BackgroundProcess?
    var label: String { "gobgpd \(name)" }
    var mainProcess: BackgroundProcess? { process }

    init(_ namespace: Namespace, name: String = "gobgpd", config: String, apiPort: Int = 50051) throws {
        self.namespace = namespace
        self.name = name
        self.apiPort = apiPort
        configFile = try namespace.lab.write("\(name).toml", config)
    }

    static func config(routerID: String, neighbors: [Neighbor]) -> String {
        var text = """
            [global.config]
              as = \(neighbors.first?.localAS ?? 0)
              router-id = "\(routerID)"
              port = 179

            """
        for n in neighbors {
            text += """
                [[neighbors]]
                  [neighbors.config]
                    neighbor-address = "\(n.address)"
                    peer-as = \(n.remoteAS)
                    \(n.password.map { "auth-password = \"\($0)\"" } ?? "")
                  [neighbors.timers.config]
                    connect-retry = 2
                    hold-time = \(n.holdTime)
                    keepalive-interval = \(max(1, n.holdTime / 3))
                  [neighbors.transport.config]
                    local-address = "\(n.localAddress)"
                    passive-mode = \(n.passive)

                """
            for family in n.families {
                text += """
                      [[neighbors.afi-safis]]
                        [neighbors.afi-safis.config]
                          afi-safi-name = "\(family.rawValue)-unicast"

                    """
            }
        }
        return text
    }

    func start() async throws {
        process = try namespace.lab.spawnHelper(name, "gobgpd_exec", [namespace.name, configFile.path, "\(apiPort)"])
        let up = await Poll.until(timeout: .seconds(15)) { (try? gobgp(["global"]))?.contains("AS") ?? false }
        if !up { throw HarnessError("\(label) did not start:\n\(process?.logText ?? "")") }
    }

    func stop() { process?.stop() }

    /// `gobgp -p <apiPort> ARGS…` inside the namespace.
    func gobgp(_ arguments: [String]) throws -> String {
        try Shell.run(["ip", "netns", "exec", namespace.name, "gobgp", "-u", "127.0.0.1", "-p", "\(apiPort)"] + arguments,
            timeout: .seconds(10)).stdout
    }

    func isEstablished(peer: String) throws -> Bool {
        // session_state 6 is ESTABLISHED in GoBGP's API enum (`gobgp neighbor ADDR -j`).
        let json = compactJSON(try gobgp(["neighbor", peer, "-j"]))
        return json.contains("\"session_state\":6") || json.contains("\"session_state\":\"ESTABLISHED\"")
    }

    func describe(peer: String) -> String { (try? gobgp(["neighbor", peer])) ?? "" }
}

// MARK: - ExaBGP 4.2

/// ExaBGP with an API process (scripts/vectors/conf/gobgp-exabgp/api-relay.sh): `send(_:)` writes API commands
/// (`announce route …`, `neighbor X teardown 2`, generic attributes `attribute [ code flags 0xHEX ]`) through a
/// FIFO, and neighbor state changes arrive as JSON lines in `<lab>/<name>.events`. ExaBGP 4.2 cannot send raw
/// BGP messages from its API, so malformed-message scenarios use bgp-fakepeer instead.
final class ExaBGPDaemon: BGPDaemon, @unchecked Sendable {
    let namespace: Namespace
    let name: String
    let configFile: URL
    let fifo: URL
    let events: URL
    private(set) var process: BackgroundProcess?
    var label: String { "exabgp \(name)" }
    var mainProcess: BackgroundProcess? { process }

    /// `neighborsConfig` is the `neighbor … { }` blocks; the API process block is added here, and each neighbor
    /// block must include `api { processes [ ctl ]; neighbor-changes; }` (`config(neighbors:)` does).
    init(_ namespace: Namespace, name: String = "exabgp", neighborsConfig: String) throws {
        self.namespace = namespace
        self.name = name
        let lab = namespace.lab
        fifo = lab.file("\(name).fifo")
        events = lab.file("\(name).events")
        FileManager.default.createFile(atPath: events.path, contents: nil)
        if mkfifo(fifo.path, 0o600) != 0 && errno != EEXIST { throw HarnessError("mkfifo \(fifo.path)") }
        let text = """
            process ctl {
            \trun /usr/bin/env sh \(Interop.exabgpRelay.path) \(fifo.path) \(events.path);
            \tencoder json;
            }

            """ + neighborsConfig
        configFile = try lab.write("\(name).conf", text)
    }

    static func config(routerID: String, neighbors: [Neighbor]) -> String {
        neighbors.map { n in
            """
            neighbor \(n.address) {
            \tdescription "\(n.name)";
            \trouter-id \(routerID);
            \tlocal-address \(n.localAddress);
            \tlocal-as \(n.localAS);
            \tpeer-as \(n.remoteAS);
            \thold-time \(n.holdTime);
            \t\(n.passive ? "passive true;" : "")
            \t\(n.password.map { "md5-password \"\($0)\";" } ?? "")
            \tfamily {
            \t\t\(n.families.map { "\($0.rawValue) unicast;" }.joined(separator: "\n\t\t"))
            \t}
            \tapi {
            \t\tprocesses [ ctl ];
            \t\tneighbor-changes;
            \t}
            }

            """
        }.joined()
    }

    func start() async throws {
        process = try namespace.lab.spawnHelper(name, "exabgp_exec", [namespace.name, configFile.path])
        let up = await Poll.until(timeout: .seconds(20)) {
            process?.logText.contains("loaded new configuration successfully") ?? false
        }
        if !up { throw HarnessError("\(label) did not start:\n\(process?.logText ?? "")") }
    }

    func stop() { process?.stop() }

    /// Sends one API command line to ExaBGP.
    func send(_ command: String) throws {
        let handle = try FileHandle(forWritingTo: fifo)
        handle.write(Data((command + "\n").utf8))
        try handle.close()
    }

    /// The last `"type": "state"` event per peer address ("connected", "up", "down").
    func lastState(peer: String) -> String? {
        let text = (try? String(contentsOf: events, encoding: .utf8)) ?? ""
        var state: String?
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["type"] as? String == "state",
                let neighbor = object["neighbor"] as? [String: Any],
                let address = neighbor["address"] as? [String: Any],
                address["peer"] as? String == peer
            else { continue }
            state = neighbor["state"] as? String
        }
        return state
    }

    func isEstablished(peer: String) throws -> Bool { lastState(peer: peer) == "up" }

    func describe(peer: String) -> String {
        "last state event: \(lastState(peer: peer) ?? "none")\n" + (process?.logText.split(separator: "\n").suffix(15)
            .joined(separator: "\n") ?? "")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
